"""The derived vertical font: rotation, vertical alternates, tcy ligatures, kerning, names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from machine import font_path
from tougen_pub.assets.fonts import FontRef
from tougen_pub.pdf.vertical.font import DerivedFont, derive_vertical_font

IPAEX = font_path("IPAexMincho")
NOTO = font_path("Noto Serif CJK JP")
TEXT = "漢字、。「」『』ー〜…ぁゃっABxy12０한"
TCY = ["12", "5", "!?"]


def _need(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not installed")


@pytest.fixture(scope="module")
def ipaex() -> DerivedFont:
    _need(IPAEX)
    return derive_vertical_font(FontRef(IPAEX), TEXT, TCY, family="TougenVertTest")


@pytest.fixture(scope="module")
def noto() -> DerivedFont:
    _need(NOTO)
    return derive_vertical_font(FontRef(NOTO, 0), TEXT, TCY, family="TougenVertCFF")


def _load(font: DerivedFont) -> TTFont:
    return TTFont(io.BytesIO(font.data))


def _bounds(font: TTFont, ch: str) -> tuple[float, float, float, float]:
    glyphset = font.getGlyphSet()
    pen = BoundsPen(glyphset)
    glyphset[font.getBestCmap()[ord(ch)]].draw(pen)
    assert pen.bounds is not None
    return pen.bounds


def _em_box(source: TTFont) -> tuple[int, int]:
    axis = source["BASE"].table.HorizAxis
    i = axis.BaseTagList.BaselineTag.index("ideo")
    for rec in axis.BaseScriptList.BaseScriptRecord:
        if rec.BaseScriptTag in ("hani", "kana", "DFLT"):
            bottom = rec.BaseScript.BaseValues.BaseCoord[i].Coordinate
            return bottom, bottom + source["head"].unitsPerEm
    raise AssertionError("no ideographic baseline")


def _source(path: Path, index: int = 0) -> TTFont:
    return TTFont(path, fontNumber=index, lazy=True)


@pytest.mark.parametrize(("which", "path"), [("ipaex", IPAEX), ("noto", NOTO)])
def test_kanji_is_rotated_counter_clockwise_about_the_em_box_centre(
    request, which: str, path: Path
) -> None:
    derived = _load(request.getfixturevalue(which))
    source = _source(path)
    sx0, sy0, sx1, sy1 = _bounds(source, "漢")
    dx0, dy0, dx1, dy1 = _bounds(derived, "漢")
    # 90° rotation: the width becomes the height and vice versa
    assert dx1 - dx0 == pytest.approx(sy1 - sy0, abs=2)
    assert dy1 - dy0 == pytest.approx(sx1 - sx0, abs=2)
    # counter-clockwise: the source's right edge is now at the top
    bottom, top = _em_box(source)
    upm = source["head"].unitsPerEm
    h_adv = source["hmtx"][source.getBestCmap()[ord("漢")]][0]
    assert dy1 == pytest.approx(sx1 - h_adv / 2 + (bottom + top) / 2, abs=2)
    # ink inside the em box, which is now the line's ascent/descent
    assert dx0 >= 0 and dx1 <= upm and bottom <= dy0 and dy1 <= top
    assert derived["hhea"].ascent == top and derived["hhea"].descent == bottom
    assert derived["OS/2"].sTypoAscender == top and derived["OS/2"].sTypoDescender == bottom


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_upright_characters_advance_one_em(request, which: str) -> None:
    font = request.getfixturevalue(which)
    derived = _load(font)
    cmap = derived.getBestCmap()
    for ch in "漢字、。「」ー〜ぁゃっ０":
        assert derived["hmtx"][cmap[ord(ch)]][0] == font.units_per_em, ch
        assert font.advance(ch) == 1.0
    assert font.advance("12") == 1.0  # a tcy string is one 1-em glyph


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_ideographic_comma_takes_its_vertical_form_top_right(request, which: str) -> None:
    derived = _load(request.getfixturevalue(which))
    upm = derived["head"].unitsPerEm
    mid = (derived["hhea"].ascent + derived["hhea"].descent) / 2
    for ch in "、。":
        x0, y0, x1, y1 = _bounds(derived, ch)
        # vertical form sits top-right of the cell; after the CCW turn: start of the
        # advance (x small) and upper half (y large). The horizontal form would land
        # at the end of the advance, lower half.
        assert x1 < upm / 2 and y0 > mid, (ch, (x0, y0, x1, y1))


def test_small_kana_is_shifted_towards_the_top_right(ipaex: DerivedFont) -> None:
    derived = _load(ipaex)
    source = _source(IPAEX)
    # vertical small kana: shifted up and right in the cell = towards x=0 and up after turning
    kana = _bounds(derived, "ゃ")
    plain = (
        _bounds(source, "ゃ")[0],
        _bounds(source, "ゃ")[2],
    )  # the unshifted horizontal extents
    turned_plain_y_top = plain[1] - source["hmtx"][source.getBestCmap()[ord("ゃ")]][0] / 2
    assert kana[3] > turned_plain_y_top + sum(_em_box(source)) / 2 + 20


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_brackets_and_long_vowel_turn(request, which: str) -> None:
    derived = _load(request.getfixturevalue(which))
    # ー and 〜 are drawn along the column: in the layout page, wider than tall
    for ch in "ー〜…":
        x0, y0, x1, y1 = _bounds(derived, ch)
        assert x1 - x0 > 2 * (y1 - y0), ch
    # 「 opens at the start of the column: ink in the second half of the advance
    # after turning is wrong; the vertical 「 has its ink at the end of the cell
    upm = derived["head"].unitsPerEm
    x0, _, x1, _ = _bounds(derived, "「")
    assert x0 > upm / 2 - upm * 0.1
    x0, _, x1, _ = _bounds(derived, "」")
    assert x1 < upm / 2 + upm * 0.1


@pytest.mark.parametrize(("which", "path"), [("ipaex", IPAEX), ("noto", NOTO)])
def test_latin_is_left_unchanged(request, which: str, path: Path) -> None:
    derived = _load(request.getfixturevalue(which))
    source = _source(path)
    for ch in "ABxy12":
        assert _bounds(derived, ch) == pytest.approx(_bounds(source, ch), abs=1), ch
        d = derived["hmtx"][derived.getBestCmap()[ord(ch)]][0]
        s = source["hmtx"][source.getBestCmap()[ord(ch)]][0]
        assert d == s, ch


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_cmap_keeps_the_original_code_points(request, which: str) -> None:
    derived = _load(request.getfixturevalue(which))
    cmap = derived.getBestCmap()
    for ch in TEXT.replace("한", "") + "0123456789 \u3000":
        assert ord(ch) in cmap, ch
    # no vertical presentation forms are introduced into the cmap
    assert not any(0xFE10 <= cp <= 0xFE4F for cp in cmap)


def _ss20_ligatures(font: TTFont) -> dict[tuple[str, ...], str]:
    gsub = font["GSUB"].table
    out: dict[tuple[str, ...], str] = {}
    for rec in gsub.FeatureList.FeatureRecord:
        if rec.FeatureTag != "ss20":
            continue
        for index in rec.Feature.LookupListIndex:
            lookup = gsub.LookupList.Lookup[index]
            for sub in lookup.SubTable:
                if lookup.LookupType == 4:
                    for first, ligs in sub.ligatures.items():
                        for lig in ligs:
                            out[(first, *lig.Component)] = lig.LigGlyph
                elif lookup.LookupType == 1:
                    for first, glyph in sub.mapping.items():
                        out[(first,)] = glyph
    return out


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_tcy_strings_are_ss20_ligatures_to_one_em_glyph(request, which: str) -> None:
    font = request.getfixturevalue(which)
    assert font.tcy_feature == "ss20"
    assert font.tcy_strings == frozenset(TCY)
    derived = _load(font)
    cmap = derived.getBestCmap()
    ligatures = _ss20_ligatures(derived)
    upm = font.units_per_em
    mid = (derived["hhea"].ascent + derived["hhea"].descent) / 2
    glyphset = derived.getGlyphSet()
    for text in TCY:
        key = tuple(cmap[ord(c)] for c in text)
        assert key in ligatures, text
        glyph = ligatures[key]
        assert derived["hmtx"][glyph][0] == upm
        pen = BoundsPen(glyphset)
        glyphset[glyph].draw(pen)
        x0, y0, x1, y1 = pen.bounds
        # upright characters side by side across the column, fitted into the em box
        assert x0 >= 0 and x1 <= upm and abs((y0 + y1) / 2 - mid) < upm * 0.1
    pen = BoundsPen(glyphset)
    glyphset[ligatures[(cmap[ord("1")], cmap[ord("2")])]].draw(pen)
    x0, y0, x1, y1 = pen.bounds
    assert y1 - y0 > x1 - x0  # two digits side by side: longer across the column
    # the digits themselves outside tcy stay sideways (R)
    assert cmap[ord("1")] not in ligatures.values()


def _pair_adjustment(font: TTFont, left: str, right: str) -> int:
    gpos = font["GPOS"].table
    cmap = font.getBestCmap()
    a, b = cmap[ord(left)], cmap[ord(right)]
    total = 0
    for rec in gpos.FeatureList.FeatureRecord:
        if rec.FeatureTag != "kern":
            continue
        for index in rec.Feature.LookupListIndex:
            for sub in gpos.LookupList.Lookup[index].SubTable:
                if a not in sub.Coverage.glyphs:
                    continue
                if sub.Format == 1:
                    pairs = sub.PairSet[sub.Coverage.glyphs.index(a)].PairValueRecord
                    total += sum(p.Value1.XAdvance for p in pairs if p.SecondGlyph == b)
                else:
                    c1 = sub.ClassDef1.classDefs.get(a, 0)
                    c2 = sub.ClassDef2.classDefs.get(b, 0)
                    value = sub.Class1Record[c1].Class2Record[c2].Value1
                    total += getattr(value, "XAdvance", 0) or 0
    return total


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_consecutive_punctuation_is_squeezed_by_kerning(request, which: str) -> None:
    font = request.getfixturevalue(which)
    derived = _load(font)
    half = -font.units_per_em // 2
    for pair in ("」、", "。「", "「「", "」」", "』。", "、「"):
        assert _pair_adjustment(derived, *pair) == half, pair
        assert font.kern(*pair) == -0.5
    for pair in ("漢字", "「漢", "漢」", "AB"):
        assert _pair_adjustment(derived, *pair) == 0, pair
        assert font.kern(*pair) == 0


@pytest.mark.parametrize(("which", "path"), [("ipaex", IPAEX), ("noto", NOTO)])
def test_font_is_renamed(request, which: str, path: Path) -> None:
    font = request.getfixturevalue(which)
    derived = _load(font)
    original = {r.toUnicode() for r in _source(path)["name"].names if r.nameID in (1, 4, 6)}
    names = {r.nameID: r.toUnicode() for r in derived["name"].names}
    assert names[1] == font.family
    assert not original & {r.toUnicode() for r in derived["name"].names if r.nameID != 10}
    assert all("IPA" not in v and "Noto" not in v for k, v in names.items() if k in (1, 4, 6, 16))
    if "CFF " in derived:
        assert derived["CFF "].cff.fontNames == [names[6]]
        assert font.extension == "otf" and font.data[:4] == b"OTTO"
    else:
        assert font.extension == "ttf"


def test_missing_characters_are_reported(ipaex: DerivedFont) -> None:
    assert ipaex.missing == frozenset("한")
    assert ipaex.advance("한") == 1.0  # estimate for an upright character


def test_cache_hit_returns_identical_bytes(tmp_path: Path) -> None:
    _need(IPAEX)
    text = "縦組の試験、「12」です。"
    first = derive_vertical_font(FontRef(IPAEX), text, ["12"], family="TV", cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".bin"
    sealed = files[0].read_bytes()
    assert sealed != first.data and first.data not in sealed  # the cache holds no font file
    assert sealed[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever fontTools raises
        TTFont(io.BytesIO(sealed))
    second = derive_vertical_font(FontRef(IPAEX), text, ["12"], family="TV", cache_dir=tmp_path)
    assert second.data == first.data and list(tmp_path.iterdir()) == files
    assert second.advance("縦") == 1.0 and second.tcy_strings == {"12"}
    # another character set is another cache entry
    third = derive_vertical_font(
        FontRef(IPAEX), text + "横", ["12"], family="TV", cache_dir=tmp_path
    )
    assert third.data != first.data and len(list(tmp_path.iterdir())) == 2


def test_bold_is_named_and_weighted(tmp_path: Path) -> None:
    _need(IPAEX)
    font = derive_vertical_font(FontRef(IPAEX), "見出し", [], family="TVB", bold=True)
    derived = _load(font)
    assert derived["OS/2"].usWeightClass == 700
    assert derived["name"].getDebugName(2) == "Bold"


def test_tcy_longer_than_three_characters_is_refused() -> None:
    _need(IPAEX)
    with pytest.raises(ValueError):
        derive_vertical_font(FontRef(IPAEX), "年", ["2025"], family="TV")


def test_glyph_headers_and_maxp_hold_for_the_new_glyphs(ipaex: DerivedFont) -> None:
    """The derived font is saved without recalculating bounds: the bounds written in the
    glyph headers and head, and maxp's composite limits, must still be right."""
    derived = _load(ipaex)
    glyf, maxp, hmtx = derived["glyf"], derived["maxp"], derived["hmtx"]
    head_box = (derived["head"].xMin, derived["head"].yMin)
    head_box += (derived["head"].xMax, derived["head"].yMax)
    depth = 0
    for ch in "漢字、。「」ー〜ぁゃっ０":
        name = derived.getBestCmap()[ord(ch)]
        glyph = glyf[name]
        stored = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
        glyph.recalcBounds(glyf)
        actual = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
        assert stored == pytest.approx(actual, abs=1), ch
        assert hmtx[name][1] == stored[0], ch  # left side bearing = xMin
        assert head_box[0] <= actual[0] and head_box[1] <= actual[1], ch
        assert actual[2] <= head_box[2] and actual[3] <= head_box[3], ch
        if glyph.isComposite():
            assert len(glyph.components) <= maxp.maxComponentElements
            depth = max(depth, 1 + any(glyf[c.glyphName].isComposite() for c in glyph.components))
    assert depth <= maxp.maxComponentDepth


def test_an_unreadable_cache_entry_is_derived_again(tmp_path: Path) -> None:
    _need(IPAEX)
    first = derive_vertical_font(FontRef(IPAEX), "縦組", [], family="TV", cache_dir=tmp_path)
    (entry,) = tmp_path.iterdir()
    sealed = entry.read_bytes()
    entry.write_bytes(sealed[:-100] + bytes(100))  # damaged
    again = derive_vertical_font(FontRef(IPAEX), "縦組", [], family="TV", cache_dir=tmp_path)
    assert again.data == first.data and entry.read_bytes() == sealed


def test_font_files_of_older_caches_are_removed(tmp_path: Path) -> None:
    _need(IPAEX)
    old = tmp_path / "vert-0123456789abcdef01234567.ttf"
    old.write_bytes(b"\x00\x01\x00\x00 an older cache's derived font")
    derive_vertical_font(FontRef(IPAEX), "縦組", [], family="TV", cache_dir=tmp_path)
    assert [p.suffix for p in tmp_path.iterdir()] == [".bin"]


def test_the_cache_keeps_the_most_recently_used_fonts(tmp_path: Path) -> None:
    from tougen_pub.pdf.vertical import font

    _need(IPAEX)
    for i in range(font.CACHE_ENTRIES + 2):
        derive_vertical_font(
            FontRef(IPAEX), "縦" + chr(0x4E00 + i), [], family="TV", cache_dir=tmp_path
        )
    assert len(list(tmp_path.iterdir())) == font.CACHE_ENTRIES


def test_cff_glyph_n_is_cid_n(noto: DerivedFont) -> None:
    """The PDF shows CFF glyphs by CID (= the glyph id WeasyPrint writes): a derived
    CID-keyed font whose charset kept the source's CIDs draws other glyphs (or none) in a
    renderer that follows the charset, such as Ghostscript or a print shop's RIP."""
    font = TTFont(io.BytesIO(noto.data))
    top = font["CFF "].cff.topDictIndex[0]
    assert hasattr(top, "ROS")  # CID-keyed
    order = font.getGlyphOrder()
    assert len(order) > 20
    assert all(name == f"cid{gid:05d}" for gid, name in enumerate(order) if gid)
    # the characters still map to their (rotated) glyphs
    cmap = font.getBestCmap()
    assert {ord(c) for c in "漢字、。"} <= cmap.keys()


@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_curly_quotes_in_latin_words_have_a_narrow_sideways_form(request, which: str) -> None:
    """``Russia’s`` in vertical text: the quote next to Latin letters is drawn from a
    narrow, sideways glyph (feature ss19), not the upright full-width one."""
    ref = FontRef(*((IPAEX, 0) if which == "ipaex" else (NOTO, 0)))
    if not ref.path.is_file():
        pytest.skip(f"{ref.path} not installed")
    font = derive_vertical_font(ref, "Russia’s “new” 漢字", [], family="TVQ")
    for quote in "’“”":
        advance, _cut_left, _cut_right = font.latin_quote(quote)
        assert 0 < advance < 0.5, (quote, advance)
    assert font.advance("漢") == 1.0
