"""The cover drawn ahead, while the manuscript loads, is the cover drawn on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tougen_pub.diagnostics import TougenError
from tougen_pub.ingest.loader import read_config
from tougen_pub.package import cover
from tougen_pub.package.fonts import resolve

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "tiny"


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
    cover.prefetch_cover(TINY, "vertical")
    assert cover.render_cover(text, True, font) == expected
    assert len(drawn) == 1  # drawn once, by the background thread
    assert cover._early == {}


def test_other_arguments_are_drawn_afresh() -> None:
    config, font = _gothic()
    text = cover.cover_text(config)
    cover.prefetch_cover(TINY, "vertical")
    horizontal = cover.render_cover(text, False, font)  # not what was prefetched
    assert horizontal == cover._draw(text, False, font)
    assert horizontal != cover._draw(text, True, font)


def test_a_broken_manuscript_falls_back(tmp_path: Path) -> None:
    config, font = _gothic()
    cover.prefetch_cover(tmp_path / "missing", None)
    text = cover.cover_text(config)
    assert cover.render_cover(text, True, font) == cover._draw(text, True, font)
