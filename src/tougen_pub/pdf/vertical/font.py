"""The derived font for vertical (縦組) pages laid out horizontally on a turned page.

WeasyPrint has no ``writing-mode``. A vertical book page is therefore laid out as a
horizontal *layout page* (width = the book page's height) and every PDF page is turned
90° clockwise afterwards (:mod:`tougen_pub.pdf.vertical.finish`). For that to look
like real vertical text, the font itself is turned the other way:

* every character that stands upright in vertical text (UAX #50 ``U``/``Tu``/``Tr``,
  :mod:`.orientation`) takes the font's ``vert``/``vrt2`` alternate (、。 move to the
  top right of the cell, brackets/ー/〜 turn, small kana shift) and is rotated 90°
  counter-clockwise about the centre of the ideographic em box, with an advance of its
  vertical advance (1 em); full-width ``R`` punctuation with a vertical alternate (…―—)
  is treated the same way;
* all other ``R`` characters (Latin, half-width digits) stay as they are and end up
  sideways, as with CSS ``text-orientation: mixed``;
* the cmap keeps the original code points, so text extraction and search still work;
* the horizontal line metrics become the ideographic em box, which centres the em box
  (the column) on the line box;
* tate-chu-yoko (縦中横): one 1-em glyph per requested string with its characters
  upright side by side, reached by a ligature in the stylistic set ``ss20`` (CSS
  ``font-feature-settings: "ss20"`` on the tcy span) — the text stays in order;
* JLReq compression of consecutive punctuation (」、 。「 「「 …) as ``kern`` pairs;
* the font is renamed (IPA Font License §3.1(4)) and written as a font only into the
  PDF; the optional build cache keeps it sealed (no font file, see :func:`_seal`).

The source is subset to the book's characters first; the transformation then touches
only a few thousand glyphs and takes about a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from tougen_pub.assets.fonts import FontRef
from tougen_pub.diagnostics import TougenError
from tougen_pub.ja import FULL_WIDTH_CLOSING, FULL_WIDTH_OPENING
from tougen_pub.output import atomic_write
from tougen_pub.pdf.compose.metrics import glyph_ink_offset
from tougen_pub.pdf.vertical.glyphs import Matrix, _GlyphAdder
from tougen_pub.pdf.vertical.orientation import vo

# Bump whenever the derivation changes: part of the cache key.
DERIVATION_VERSION = "4"
TCY_FEATURE = "ss20"
# Curly quotes next to Latin letters (Russia’s): sideways, proportional (``span.lq``).
LATIN_QUOTE_FEATURE = "ss19"
LATIN_QUOTES = "‘’“”"
QUOTE_BEARING = 0.06  # em kept on each side of the ink of a trimmed full-width quote
# Always in the derived font: digits (automatic tcy), spaces.
EXTRA_CHARS = "0123456789 \u00a0\u3000"
MAX_TCY_LEN = 3
# Characters whose ink the stylesheet centres: the sesame dot of 傍点.
INK_CHARS = "﹅"


@dataclass(frozen=True)
class DerivedFont:
    """A derived vertical font held in memory (embed it via ``@font-face``)."""

    data: bytes
    family: str
    units_per_em: int
    tcy_strings: frozenset[str]
    missing: frozenset[str]
    tcy_feature: str = TCY_FEATURE
    #: font file extension matching ``data`` ("ttf" for glyf, "otf" for CFF outlines)
    extension: str = "ttf"
    _advances: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    _kern: Mapping[tuple[str, str], int] = field(default_factory=dict, repr=False, compare=False)
    _quotes: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    _ink: Mapping[str, float] = field(default_factory=dict, repr=False, compare=False)

    def advance(self, ch: str) -> float:
        """Advance of ``ch`` along the line (= down the column), in em.

        A tcy string (see :attr:`tcy_strings`) as a whole is 1 em. Characters missing
        from the font are estimated: 1 em when upright in vertical text, ½ em otherwise.
        """
        units = self._advances.get(ch)
        if units is not None:
            return units / self.units_per_em
        if ch in self.tcy_strings:
            return 1.0
        if len(ch) == 1:
            return 1.0 if vo(ch) != "R" else 0.5
        return sum(self.advance(c) for c in ch)

    def latin_quote(self, ch: str) -> tuple[float, float, float]:
        """A curly quote in Latin context (``ss19``, :data:`LATIN_QUOTE_FEATURE`): its
        advance in em, and no blank to cut (the glyph is trimmed already)."""
        units = self._quotes.get(ch)
        return (self.advance(ch) if units is None else units / self.units_per_em), 0.0, 0.0

    def ink_offset(self, ch: str) -> float:
        """How far the centre of the ink of ``ch`` (one of :data:`INK_CHARS`) lies from
        the centre of its advance along the line (down the column), in em."""
        return self._ink.get(ch, 0.0)

    def kern(self, first: str, second: str) -> float:
        """Pair adjustment (em, negative = closer) the font's ``kern`` feature applies."""
        return self._kern.get((first, second), 0) / self.units_per_em

    @property
    def mime_type(self) -> str:
        return "font/otf" if self.extension == "otf" else "font/ttf"


def derive_vertical_font(
    source: FontRef,
    chars: Iterable[str],
    tcy: Iterable[str],
    *,
    family: str,
    cache_dir: Path | None = None,
    bold: bool = False,
) -> DerivedFont:
    """Derive the vertical font for ``chars`` (+ digits, spaces) and tcy strings ``tcy``.

    ``family`` is the name the derived font carries (name table and ``DerivedFont.family``;
    use it in ``@font-face``). ``bold`` marks the font as bold (weight 700, style "Bold");
    pass a bold/Gothic ``source`` for bold text. With ``cache_dir`` the derived font is
    cached there, keyed by source digest, character set, tcy strings, family, weight and
    :data:`DERIVATION_VERSION` (the :data:`CACHE_ENTRIES` most recently used are kept).
    The derivation is deterministic: a cached font has the bytes a fresh one would have.
    """
    charset = _charset(chars)
    tcy_set = frozenset(s for s in tcy if s)
    for s in tcy_set:
        if len(s) > MAX_TCY_LEN:
            raise ValueError(f"tate-chu-yoko string longer than {MAX_TCY_LEN}: {s!r}")
    wanted = charset | set(EXTRA_CHARS) | {c for s in tcy_set for c in s}

    key = _cache_key(source, wanted, tcy_set, family, bold) if cache_dir is not None else ""
    if cache_dir is not None:
        cached = cache_dir / f"vert-{key}.bin"
        try:
            return _describe(_unseal(cached.read_bytes(), source, key), family, charset, tcy_set)
        except Exception:  # noqa: BLE001 - a missing or unreadable entry is derived again
            pass
        finally:
            with contextlib.suppress(OSError):
                os.utime(cached)  # recently used: kept by _prune
    data = _derive(source, wanted, tcy_set, family=family, bold=bold)
    if cache_dir is not None:
        with contextlib.suppress(OSError, TougenError):  # the cache is only a speed-up
            atomic_write(cache_dir / f"vert-{key}.bin", _seal(data, source, key))
            _prune(cache_dir)
    return _describe(data, family, charset, tcy_set)


# A cache entry is not a font file: the derived font is only ever written as a font into
# the PDF (IPA Font License §3.1). The entry is the font XOR a key stream drawn from the
# source face's digest, so it is usable only where the source face is installed (where the
# font can be derived again anyway) and is no font anywhere else.
SEAL_MAGIC = b"tougen-pub derived glyph cache; not a font\n"


def _keystream(source: FontRef, key: str, n: int) -> bytes:
    return hashlib.shake_256(f"{source.digest()}|{source.index}|{key}".encode()).digest(n)


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def _seal(data: bytes, source: FontRef, key: str) -> bytes:
    check = hashlib.sha256(data).digest()
    return SEAL_MAGIC + check + _xor(data, _keystream(source, key, len(data)))


def _unseal(sealed: bytes, source: FontRef, key: str) -> bytes:
    """The font of a cache entry; ValueError for anything but an intact entry."""
    if not sealed.startswith(SEAL_MAGIC):
        raise ValueError("not a cache entry")
    check = sealed[len(SEAL_MAGIC) : len(SEAL_MAGIC) + 32]
    body = sealed[len(SEAL_MAGIC) + 32 :]
    data = _xor(body, _keystream(source, key, len(body)))
    if hashlib.sha256(data).digest() != check:
        raise ValueError("damaged cache entry")
    return data


# --------------------------------------------------------------------------- helpers


def _charset(chars: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for item in chars:
        out.update(item)  # accept single characters and whole strings
    return frozenset(out)


# Derived fonts kept in a cache folder (the most recently used ones).
CACHE_ENTRIES = 8


def _prune(cache_dir: Path) -> None:
    """Keep the :data:`CACHE_ENTRIES` most recently used derived fonts."""
    entries = []
    for path in cache_dir.glob("vert-*.*"):
        if path.suffix != ".bin":  # a font file of an older version: never keep one
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime_ns, path.name, path))
    for _mtime, _name, path in sorted(entries, reverse=True)[CACHE_ENTRIES:]:
        with contextlib.suppress(OSError):
            path.unlink()


def _cache_key(
    source: FontRef, wanted: frozenset[str] | set[str], tcy: frozenset[str], family: str, bold: bool
) -> str:
    h = hashlib.sha256()
    for part in (
        source.digest(),
        str(source.index),
        "".join(sorted(wanted)),
        "\x1f".join(sorted(tcy)),
        family,
        "bold" if bold else "regular",
        DERIVATION_VERSION,
    ):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:24]


def _ignorable(ch: str) -> bool:
    return ch.isspace() or not ch.isprintable()


def _describe(
    data: bytes, family: str, charset: frozenset[str], tcy: frozenset[str]
) -> DerivedFont:
    """Metrics the line composer needs, read back from the derived font itself."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    cmap = font.getBestCmap() or {}
    hmtx = font["hmtx"]
    advances = {chr(cp): hmtx[g][0] for cp, g in cmap.items()}
    quotes = {}
    if "GSUB" in font:
        gsub = font["GSUB"].table
        for record in gsub.FeatureList.FeatureRecord:
            if record.FeatureTag == LATIN_QUOTE_FEATURE:
                for index in record.Feature.LookupListIndex:
                    for sub in gsub.LookupList.Lookup[index].SubTable:
                        for c in LATIN_QUOTES:
                            if ord(c) in cmap and cmap[ord(c)] in sub.mapping:
                                quotes[c] = hmtx[sub.mapping[cmap[ord(c)]]][0]
    glyphs = font.getGlyphSet()
    upm = font["head"].unitsPerEm
    ink = {
        c: glyph_ink_offset(glyphs, cmap[ord(c)], hmtx[cmap[ord(c)]][0], upm)
        for c in INK_CHARS
        if ord(c) in cmap
    }
    kern = {}
    # JLReq, consecutive brackets, commas and full stops: a full-width closing one followed
    # by a closing or opening one, and two opening ones, are set half an em closer
    closing = [c for c in sorted(FULL_WIDTH_CLOSING) if ord(c) in cmap]
    opening = [c for c in sorted(FULL_WIDTH_OPENING) if ord(c) in cmap]
    half = font["head"].unitsPerEm // 2
    for a in closing:
        for b in closing + opening:
            kern[(a, b)] = -half
    for a in opening:
        for b in opening:
            kern[(a, b)] = -half
    return DerivedFont(
        data=data,
        family=family,
        units_per_em=font["head"].unitsPerEm,
        tcy_strings=frozenset(s for s in tcy if all(ord(c) in cmap for c in s)),
        missing=frozenset(c for c in charset if not _ignorable(c) and ord(c) not in cmap),
        extension="otf" if "CFF " in font else "ttf",
        _advances=MappingProxyType(advances),
        _kern=MappingProxyType(kern),
        _quotes=MappingProxyType(quotes),
        _ink=MappingProxyType(ink),
    )


def _is_cff(source: FontRef) -> bool:
    from fontTools.ttLib import TTFont

    return "CFF " in TTFont(str(source.path), fontNumber=source.index, lazy=True)


def _subset(source: FontRef, wanted: Iterable[str]):
    from fontTools import subset

    opts = subset.Options()
    opts.font_number = source.index
    opts.layout_features = ["vert", "vrt2", "hwid"]
    # Rotated glyphs are drawn without hints. Stripping the hints of the others costs
    # ~0.8 s for CID-keyed CFF and gains nothing in a PDF, so CFF keeps them.
    opts.hinting = _is_cff(source)
    opts.desubroutinize = True  # plain charstrings are simpler to extend
    opts.notdef_outline = True
    opts.glyph_names = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    opts.name_languages = ["*"]
    opts.drop_tables += ["DSIG", "BASE", "GDEF", "JSTF", "MATH"]
    font = subset.load_font(str(source.path), opts, lazy=True)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted({ord(c) for c in wanted}))
    sub.subset(font)
    return font


def _single_subst(font, tags: tuple[str, ...]) -> dict[str, str]:
    """Union of the single substitutions of GSUB features ``tags`` (later tags win)."""
    result: dict[str, str] = {}
    if "GSUB" not in font or not font["GSUB"].table.FeatureList:
        return result
    gsub = font["GSUB"].table
    for tag in tags:
        for rec in gsub.FeatureList.FeatureRecord:
            if rec.FeatureTag != tag:
                continue
            for index in rec.Feature.LookupListIndex:
                lookup = gsub.LookupList.Lookup[index]
                for sub in lookup.SubTable:
                    if lookup.LookupType == 7:
                        sub = sub.ExtSubTable
                    mapping = getattr(sub, "mapping", None)
                    if mapping:
                        result.update(mapping)
    return result


def _em_box(font, source: FontRef) -> tuple[int, int]:
    """(bottom, top) of the ideographic em box in font units: BASE ``ideo``, else typo."""
    from fontTools.ttLib import TTFont

    upm = font["head"].unitsPerEm
    original = TTFont(str(source.path), fontNumber=source.index, lazy=True)
    if "BASE" in original:
        axis = original["BASE"].table.HorizAxis
        if axis and axis.BaseTagList and "ideo" in axis.BaseTagList.BaselineTag:
            i = axis.BaseTagList.BaselineTag.index("ideo")
            for rec in axis.BaseScriptList.BaseScriptRecord:
                if rec.BaseScriptTag in ("hani", "kana", "DFLT") and rec.BaseScript.BaseValues:
                    bottom = rec.BaseScript.BaseValues.BaseCoord[i].Coordinate
                    return bottom, bottom + upm
    bottom = font["OS/2"].sTypoDescender
    if font["OS/2"].sTypoAscender - bottom != upm:  # typo metrics not the em box
        bottom = -round(upm * 0.12)
    return bottom, bottom + upm


def _ccw(vorg: float, h_adv: float, em_cy: float) -> Matrix:
    """Rotate 90° counter-clockwise so that the top of the vertical cell (y = ``vorg``)
    becomes the left edge (x = 0) and the cell's centre line (x = ``h_adv``/2) the em-box
    centre (y = ``em_cy``): x' = vorg − y, y' = x − h_adv/2 + em_cy."""
    return (0, 1, -1, 0, vorg, em_cy - h_adv / 2)


def _mul(m2: Matrix, m1: Matrix) -> Matrix:
    """Affine product: apply ``m1`` first, then ``m2``."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _vertical_origin(font, adder: _GlyphAdder, name: str, em_top: int) -> float:
    """Top of the glyph's vertical cell (its vertical origin y)."""
    if "VORG" in font:
        vorg = font["VORG"]
        return vorg.VOriginRecords.get(name, vorg.defaultVertOriginY)
    if "vmtx" in font and "glyf" in font:
        box = adder.bounds(name)
        if box is not None:
            return box[3] + font["vmtx"][name][1]
    return em_top


def _vertical_middle(adder: _GlyphAdder, glyphset, parts: list[str], default: float) -> float:
    """Middle of the vertical extent of the ink of ``parts`` together."""
    if adder.is_cff:
        from fontTools.pens.boundsPen import BoundsPen

        pen = BoundsPen(glyphset)
        for g in parts:
            glyphset[g].draw(pen)
        box = pen.bounds
    else:
        boxes = [b for b in map(adder.bounds, parts) if b is not None]
        box = (0, min(b[1] for b in boxes), 0, max(b[3] for b in boxes)) if boxes else None
    return (box[1] + box[3]) / 2 if box else default


def _derive(
    source: FontRef, wanted: Iterable[str], tcy: frozenset[str], *, family: str, bold: bool
) -> bytes:
    from fontTools.feaLib.builder import addOpenTypeFeaturesFromString

    font = _subset(source, wanted)
    # Bounds are set by the glyph adder; recalculating them would decompile every glyph.
    font.recalcBBoxes = False
    upm = font["head"].unitsPerEm
    em_bottom, em_top = _em_box(font, source)
    em_cy = (em_bottom + em_top) / 2
    hmtx = font["hmtx"]
    vmtx = font.get("vmtx")
    vert = _single_subst(font, ("vrt2", "vert"))  # 'vert' wins where both map
    hwid = _single_subst(font, ("hwid",))
    cmap: dict[int, str] = dict(font.getBestCmap())  # code point -> glyph name

    # which glyph each upright code point is drawn from
    plan: dict[int, str] = {}
    for cp, name in cmap.items():
        orientation = vo(chr(cp))
        if orientation in ("U", "Tu"):
            plan[cp] = vert.get(name, name)
        elif name in vert and (
            orientation == "Tr" or unicodedata.east_asian_width(chr(cp)) in ("W", "F", "A")
        ):
            plan[cp] = vert[name]  # Tr, or full-width R punctuation (…―) with a vertical form

    adder = _GlyphAdder(font)
    rotated: dict[str, str] = {}
    for cp in sorted(plan):
        src = plan[cp]
        if src in rotated:
            continue
        v_adv = vmtx[src][0] if vmtx is not None else upm
        matrix = _ccw(_vertical_origin(font, adder, src, em_top), hmtx[src][0], em_cy)
        rotated[src] = adder.add_rotated(src + ".vrot", src, matrix, v_adv)

    # tate-chu-yoko: the characters upright, side by side, condensed into 1 em
    glyphset = font.getGlyphSet()
    tcy_glyphs: dict[str, str] = {}
    upright_cell = _ccw(em_top, upm, em_cy)
    margin = upm * 0.04
    for text in sorted(tcy):
        if not all(ord(c) in cmap for c in text):
            continue
        parts = [cmap[ord(c)] for c in text]
        if len(parts) > 1:
            parts = [hwid.get(g, g) for g in parts]
        widths = [hmtx[g][0] for g in parts]
        total = sum(widths)
        scale = min(1.0, (upm - 2 * margin) / total) if len(parts) > 1 else min(1.0, upm / total)
        y_mid = _vertical_middle(adder, glyphset, parts, em_cy)
        x = (upm - total * scale) / 2
        drawings: list[tuple[str, Matrix]] = []
        for g, w in zip(parts, widths, strict=True):
            place: Matrix = (scale, 0, 0, 1, x, em_cy - y_mid)
            drawings.append((g, _mul(upright_cell, place)))
            x += w * scale
        tcy_glyphs[text] = adder.add(
            "tcy." + "_".join(f"{ord(c):04X}" for c in text), drawings, upm, parts[0]
        )
    quotes = _latin_quotes(font, adder, cmap, {cp: rotated[plan[cp]] for cp in plan})
    adder.finish()

    for table in font["cmap"].tables:
        if table.isUnicode():
            for cp in list(table.cmap):
                if cp in plan:
                    table.cmap[cp] = rotated[plan[cp]]
    cmap = dict(font.getBestCmap())

    _build_features(font, cmap, tcy_glyphs, addOpenTypeFeaturesFromString, quotes)
    _set_line_metrics(font, em_bottom, em_top)
    _rename(font, family, bold)
    if "post" in font and "glyf" in font:
        font["post"].formatType = 3.0  # no glyph names needed; smaller
    out = io.BytesIO()
    font.save(out)
    if adder.is_cff and adder.cid_keyed:
        return _identity_cids(out.getvalue())
    return out.getvalue()


def _identity_cids(data: bytes) -> bytes:
    """A CID-keyed CFF font whose glyph *n* is CID *n*.

    The PDF shows glyphs by CID (WeasyPrint writes glyph ids as CIDs, with an identity
    CIDToGIDMap, as PDF requires for CFF), and subsetting renumbered the glyphs but kept
    the source's CIDs: a renderer that follows the CFF charset (Ghostscript, a print
    shop's RIP) would draw other glyphs or none. Only the CFF table is touched; the other
    tables address glyphs by index and are copied as they are."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data))
    order = font.getGlyphOrder()
    names = [order[0], *(f"cid{gid:05d}" for gid in range(1, len(order)))]
    if names == order:
        return data
    top = font["CFF "].cff.topDictIndex[0]
    renamed = dict(zip(order, names, strict=True))
    charstrings = top.CharStrings
    charstrings.charStrings = {renamed[k]: v for k, v in charstrings.charStrings.items()}
    top.charset = names
    font.setGlyphOrder(names)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _latin_quotes(
    font, adder: _GlyphAdder, cmap: dict[int, str], drawn: dict[int, str]
) -> dict[str, str]:
    """Glyph drawn for each curly quote -> its sideways, proportional form: the horizontal
    glyph as it is when narrow (Noto), else its ink with a thin side bearing (IPAex)."""
    upm = font["head"].unitsPerEm
    hmtx = font["hmtx"]
    out: dict[str, str] = {}
    for c in LATIN_QUOTES:
        src = cmap.get(ord(c))
        if src is None:
            continue
        target = src
        wide = hmtx[src][0] > 0.6 * upm and not adder.is_cff  # CFF sources: Noto, narrow
        box = adder.bounds(src) if wide else None
        if box is not None:
            bearing = round(QUOTE_BEARING * upm)
            move: Matrix = (1, 0, 0, 1, bearing - box[0], 0)
            width = box[2] - box[0] + 2 * bearing
            target = adder.add(f"lq.{ord(c):04X}", [(src, move)], width, src)
        current = drawn.get(ord(c), src)
        if current != target and current not in out:
            out[current] = target
    return out


def _build_features(
    font, cmap: dict[int, str], tcy_glyphs: dict[str, str], add_features, quotes=None
) -> None:
    """Replace GSUB/GPOS with the tcy ligatures (ss20), the Latin-context quotes (ss19)
    and punctuation kerning (kern)."""
    for tag in ("GSUB", "GPOS", "GDEF"):
        if tag in font:
            del font[tag]
    fea = [
        "languagesystem DFLT dflt;",
        "languagesystem latn dflt;",
        "languagesystem kana dflt;",
        "languagesystem hani dflt;",
    ]
    if tcy_glyphs:
        fea.append(f"feature {TCY_FEATURE} {{")
        multi = [(s, g) for s, g in tcy_glyphs.items() if len(s) > 1]
        single = [(s, g) for s, g in tcy_glyphs.items() if len(s) == 1]
        if multi:
            fea.append("  lookup TCY_LIGA {")
            for s, g in sorted(multi, key=lambda item: -len(item[0])):
                fea.append(f"    sub {' '.join(cmap[ord(c)] for c in s)} by {g};")
            fea.append("  } TCY_LIGA;")
        if single:
            fea.append("  lookup TCY_ONE {")
            for s, g in single:
                fea.append(f"    sub {cmap[ord(s)]} by {g};")
            fea.append("  } TCY_ONE;")
        fea.append(f"}} {TCY_FEATURE};")
    if quotes:
        fea.append(f"feature {LATIN_QUOTE_FEATURE} {{")
        fea.extend(f"  sub {a} by {b};" for a, b in sorted(quotes.items()))
        fea.append(f"}} {LATIN_QUOTE_FEATURE};")
    closing = sorted({cmap[ord(c)] for c in FULL_WIDTH_CLOSING if ord(c) in cmap})
    opening = sorted({cmap[ord(c)] for c in FULL_WIDTH_OPENING if ord(c) in cmap})
    half = -(font["head"].unitsPerEm // 2)
    if closing or opening:
        fea.append(f"@TG_CL = [{' '.join(closing)}];")
        fea.append(f"@TG_OP = [{' '.join(opening)}];")
        fea.append("feature kern {")
        if closing:
            fea.append(f"  pos @TG_CL [@TG_CL @TG_OP] {half};")
        if opening:
            fea.append(f"  pos @TG_OP @TG_OP {half};")
        fea.append("} kern;")
    add_features(font, "\n".join(fea))
    if "GDEF" in font:
        del font["GDEF"]


def _set_line_metrics(font, em_bottom: int, em_top: int) -> None:
    """Line box = ideographic em box, so the em box is centred on the column."""
    hhea = font["hhea"]
    hhea.ascent, hhea.descent, hhea.lineGap = em_top, em_bottom, 0
    os2 = font["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = em_top, em_bottom, 0
    os2.usWinAscent, os2.usWinDescent = max(em_top, 0), max(-em_bottom, 0)
    if os2.version < 4:
        os2.version = 4
    os2.fsSelection |= 1 << 7  # USE_TYPO_METRICS


def _rename(font, family: str, bold: bool) -> None:
    """New names (IPA Font License §3.1(4)); copyright and licence notices stay."""
    style = "Bold" if bold else "Regular"
    ps_name = (
        "".join(c for c in family if c.isascii() and (c.isalnum() or c == "-"))[:50] or "TougenVert"
    )
    ps_name = f"{ps_name}-{style}"
    name = font["name"]
    original = name.getDebugName(4) or name.getDebugName(1) or "unknown"
    version = name.getDebugName(5) or "Version 1.0"
    keep = {0, 7, 13, 14}
    name.names = [rec for rec in name.names if rec.nameID in keep]
    full = family if not bold else f"{family} Bold"
    for name_id, value in (
        (1, family),
        (2, style),
        (3, f"{ps_name};derived from {original};tougen-pub {DERIVATION_VERSION}"),
        (4, full),
        (5, version),
        (6, ps_name),
        (10, f"Derived from {original} for vertical typesetting (rotated glyphs)."),
    ):
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    os2 = font["OS/2"]
    os2.usWeightClass = 700 if bold else 400
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = (font["head"].macStyle & ~0b11) | (1 if bold else 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [ps_name]
        top = cff.topDictIndex[0]
        for attr, value in (("FullName", full), ("FamilyName", family), ("Weight", style)):
            if hasattr(top, attr):
                setattr(top, attr, value)
        for fd in getattr(top, "FDArray", None) or []:
            if hasattr(fd, "FontName"):
                fd.FontName = f"{ps_name}-{fd.FontName.rsplit('-', 1)[-1]}"
