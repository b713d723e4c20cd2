"""The cover drawn ahead, while the manuscript loads, is the cover drawn on demand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tougen_pub.assets import cover
from tougen_pub.assets.fonts import resolve
from tougen_pub.diagnostics import TougenError
from tougen_pub.ingest.loader import read_config

TINY = Path(__file__).resolve().parents[2] / "fixtures" / "books" / "tiny"


def _gothic():  # type: ignore[no-untyped-def]
    config = read_config(TINY)
    assert config is not None
    try:
        return config, resolve("gothic", config.fonts.gothic, TINY)
    except TougenError:
        pytest.skip("no Japanese font installed")


def test_prefetched_cover_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    expected = cover._draw(text, True, font)
    drawn: list[object] = []
    original = cover._draw
    monkeypatch.setattr(cover, "_draw", lambda *a: drawn.append(a) or original(*a))
    cover.prefetch_cover(TINY, "vertical", None, read_config)
    assert cover.render_cover(text, True, font) == expected
    assert len(drawn) == 1  # drawn once, by the background thread
    assert cover._early == {}


def test_other_arguments_are_drawn_afresh() -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    cover.prefetch_cover(TINY, "vertical", None, read_config)
    horizontal = cover.render_cover(text, False, font)  # not what was prefetched
    assert horizontal == cover._draw(text, False, font)
    assert horizontal != cover._draw(text, True, font)


def test_a_broken_manuscript_falls_back(tmp_path: Path) -> None:
    config, font = _gothic()
    cover.prefetch_cover(tmp_path / "missing", None, None, read_config)
    text = cover.cover_text(config)
    assert cover.render_cover(text, True, font) == cover._draw(text, True, font)


def test_cover_cache_gives_the_drawn_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    drawn = cover.render_cover(text, True, font, tmp_path)
    assert drawn == cover._draw(text, True, font)
    assert not (tmp_path / cover.COVER_CACHE).exists()  # kept only once the book is written
    cover.keep_rendered_covers()
    [entry] = (tmp_path / cover.COVER_CACHE).glob("*.png")
    assert entry == cover.cache_path(tmp_path, text, True, font)

    def no_drawing(*_a: object) -> bytes:
        raise AssertionError("drawn although cached")

    monkeypatch.setattr(cover, "_draw", no_drawing)
    assert cover.render_cover(text, True, font, tmp_path) == drawn


def test_cover_cache_key_follows_text_mode_and_font(tmp_path: Path) -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    key = cover.cover_key(text, True, font)
    assert cover.cover_key(text, True, font) == key
    assert cover.cover_key(text, False, font) != key
    assert cover.cover_key(cover.CoverText("別題", None, None, ()), True, font) != key
    assert cover.cover_key(text, True, cover.FontRef(font.path, font.index + 1)) != key
    copy = tmp_path / font.path.name
    copy.write_bytes(font.path.read_bytes())
    assert cover.cover_key(text, True, cover.FontRef(copy, font.index)) != key


def test_a_damaged_cache_entry_is_redrawn(tmp_path: Path) -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    path = cover.cache_path(tmp_path, text, False, font)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a png")
    png = cover.render_cover(text, False, font, tmp_path)
    assert png == cover._draw(text, False, font)
    cover.keep_rendered_covers()
    assert path.read_bytes() == png


def test_cover_cache_keeps_the_newest_entries(tmp_path: Path) -> None:
    folder = tmp_path / cover.COVER_CACHE
    folder.mkdir()
    for i in range(cover.COVER_CACHE_KEEP + 3):
        (folder / f"{i:02d}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        os.utime(folder / f"{i:02d}.png", ns=(i * 10**9, i * 10**9))
    cover._store(folder / "new.png", b"\x89PNG\r\n\x1a\nnew")
    kept = sorted(p.name for p in folder.glob("*.png"))
    assert len(kept) == cover.COVER_CACHE_KEEP
    assert "new.png" in kept and "00.png" not in kept


def test_prefetch_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    png = cover.render_cover(text, True, font, tmp_path / ".cache")  # out = tmp_path
    cover.keep_rendered_covers()
    monkeypatch.setattr(cover, "_draw", lambda *a: b"drawn")
    cover.prefetch_cover(TINY, "vertical", tmp_path / ".cache", read_config)
    cover._early["done"].wait()  # type: ignore[attr-defined]
    assert cover._early.get("png") == png
    assert cover.render_cover(text, True, font) == png


def test_warmed_fonts_need_no_fontconfig_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from tougen_pub.assets import fonts

    config, _font = _gothic()
    fonts.fc_match.cache_clear()
    fonts._fc_output.clear()
    fonts.warm_book_fonts(config, TINY)
    assert fonts._fc_output  # fontconfig was asked
    monkeypatch.setattr(fonts, "_fc_start", lambda p: pytest.fail(f"fc-match run for {p}"))
    assert fonts.book_fonts(config, TINY).gothic == _font


def test_warming_keeps_font_errors_for_the_build(tmp_path: Path) -> None:
    from tougen_pub.assets import fonts

    config, _font = _gothic()
    broken = config.model_copy(update={"fonts": fonts_config(mincho="missing.otf")})
    fonts.warm_book_fonts(broken, tmp_path)  # says nothing
    with pytest.raises(TougenError, match="no such font file"):
        fonts.book_fonts(broken, tmp_path)


def fonts_config(**kw: str):  # type: ignore[no-untyped-def]
    from tougen_pub.config import Fonts

    return Fonts(**kw)
