"""Character coverage read from the raw cmap agrees with fontTools' reading of the font."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from machine import need_font
from tougen_pub.assets import fonts
from tougen_pub.assets.fonts import Coverage, FontRef, coverage, missing_chars


def _installed(kind: str) -> FontRef:
    ref = fonts.fc_match(fonts.PATTERNS[kind][0]) or fonts.fc_match(fonts.PATTERNS[kind][1])
    if ref is None:
        pytest.skip("no Japanese font installed")
    return ref


def _fonttools_codepoints(ref: FontRef) -> set[int]:
    font = TTFont(ref.path, fontNumber=ref.index, lazy=True)
    notdef = font.getGlyphOrder()[0]
    return {c for c, g in (font.getBestCmap() or {}).items() if g != notdef}


def _codepoints(cover: Coverage) -> set[int]:
    out: set[int] = set()
    for start, end in zip(cover.starts, cover.ends, strict=True):
        out.update(range(start, end + 1))
    return out


@pytest.mark.parametrize("kind", ["mincho", "gothic"])
def test_coverage_matches_fonttools(kind: str) -> None:
    ref = _installed(kind)
    cover = coverage(ref)
    expected = _fonttools_codepoints(ref)
    assert _codepoints(cover) == expected
    assert len(cover) == len(expected)
    assert ord("あ") in cover and ord("漢") in cover
    assert 0x10000 not in cover  # Linear B syllable: no Japanese font has it


def test_coverage_of_a_collection_face() -> None:
    path, _index = need_font("Noto Sans CJK JP")
    assert path.suffix == ".ttc"
    ref = FontRef(path, 2)
    assert _codepoints(coverage(ref)) == _fonttools_codepoints(ref)


def test_coverage_is_read_once_per_face() -> None:
    ref = _installed("gothic")
    fonts._coverage.cache_clear()
    first = coverage(ref)
    assert coverage(FontRef(ref.path, ref.index)) is first
    assert fonts._coverage.cache_info().misses == 1


def test_missing_chars_and_japanese_check() -> None:
    ref = _installed("gothic")
    assert missing_chars(ref, frozenset("桃源閑話 \n𐀀")) == frozenset("𐀀")
    assert fonts._is_japanese(ref)


def test_not_a_font_is_not_japanese(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 64)
    assert not fonts._is_japanese(FontRef(junk))
    empty = tmp_path / "empty.ttf"
    empty.write_bytes(b"")
    assert not fonts._is_japanese(FontRef(empty))


def test_format4_segments_with_glyph_arrays(tmp_path: Path) -> None:
    """A hand-made cmap format 4 subtable: a delta segment whose one code point lands on
    glyph 0, and an indexed segment with a hole."""
    # segments: [0x41..0x43] delta so that 0x42 -> glyph 0; [0x3042..0x3044] glyph array
    # [5, 0, 7]; final 0xFFFF segment
    seg = 3
    ends = [0x43, 0x3044, 0xFFFF]
    starts = [0x41, 0x3042, 0xFFFF]
    deltas = [-0x42, 0, 1]
    # the array follows the idRangeOffset words; offset counts from that segment's word
    offsets = [0, 2 * (seg - 1), 0]
    glyph_array = [5, 0, 7]
    body = struct.pack(f">{seg}H", *ends) + b"\x00\x00" + struct.pack(f">{seg}H", *starts)
    body += struct.pack(f">{seg}h", *deltas) + struct.pack(f">{seg}H", *offsets)
    body += struct.pack(f">{len(glyph_array)}H", *glyph_array)
    sub = struct.pack(">HHHHHHH", 4, 14 + len(body), 0, 2 * seg, 0, 0, 0) + body
    cmap = struct.pack(">HH", 0, 1) + struct.pack(">HHI", 3, 1, 12) + sub
    font = struct.pack(">IHHHH", 0x00010000, 1, 16, 0, 0)
    font += b"cmap" + struct.pack(">III", 0, 12 + 16, len(cmap)) + cmap
    path = tmp_path / "tiny.ttf"
    path.write_bytes(font)
    cover = coverage(FontRef(path))
    assert _codepoints(cover) == {0x41, 0x43, 0x3042, 0x3044}


FACES = [
    ("IPAexMincho", None),
    ("IPAexGothic", None),
    ("Noto Sans CJK JP", 0),  # faces of a collection
    ("Noto Sans CJK JP", 2),
]


@pytest.mark.parametrize(("family", "index"), FACES, ids=lambda v: str(v))
def test_direct_lookup_agrees_with_the_whole_coverage(family: str, index: int | None) -> None:
    path, found_index = need_font(family)
    ref = FontRef(path, found_index if index is None else index)
    cover = coverage(ref)
    edges = {p + d for s, e in zip(cover.starts, cover.ends, strict=True) for p in (s, e)
             for d in (-1, 0, 1)}  # fmt: skip
    points = sorted(edges | set(range(0, 0x30000, 97)))
    st = ref.path.stat()
    for i in range(0, len(points), fonts.FEW_POINTS):
        chunk = frozenset(points[i : i + fonts.FEW_POINTS])
        found = fonts._lookup(ref.path, ref.index, st.st_mtime_ns, st.st_size, chunk)
        assert found is not None  # these faces have a format 12 cmap
        assert found == {p for p in chunk if p in cover}


def test_missing_chars_and_japanese_probe_use_the_same_answer() -> None:
    ref = _installed("gothic")
    cover = coverage(ref)
    text = frozenset("桃源閑話\U00010000\u0378 あa")
    expected = {c for c in text if c.strip() and c.isprintable() and ord(c) not in cover}
    assert missing_chars(ref, text) == expected == {"\U00010000"}
    assert fonts._is_japanese(ref)
