"""One font program per face in a bound PDF: the parts' subsets of each face, which keep the
source font's glyph IDs, merged into one program under a fresh subset tag."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pikepdf

TAGGED = re.compile(r"^([A-Z]{6})\+(.+)$")
KINDS = {"/CIDFontType2": ("TrueType", "/FontFile2"), "/CIDFontType0": ("CFF", "/FontFile3")}

# tables rebuilt for a merged program
MERGED_TABLES = frozenset(
    {"glyf", "loca", "CFF ", "hmtx", "hhea", "vmtx", "vhea", "maxp", "head", "cmap", "OS/2"}
    | {"post", "VORG"}
)
# tables indexed by glyph that PDF renderers do not read: left out of a merged program
# (text layout, device metrics, a signature that no longer holds)
DROPPED_TABLES = frozenset(
    {"GDEF", "GSUB", "GPOS", "BASE", "JSTF", "MATH", "kern", "hdmx", "LTSH", "VDMX", "DSIG"}
)
# fields of the merged tables that may differ between subsets of one source: they follow
# the glyphs (bounds, counts, maxima) or the characters (Unicode ranges); the rest of each
# table must be the same in every subset
LOOSE_FIELDS = {
    "head": {"checkSumAdjustment", "indexToLocFormat", "modified", "xMin", "yMin", "xMax", "yMax"},
    "hhea": {
        "numberOfHMetrics",
        "advanceWidthMax",
        "minLeftSideBearing",
        "minRightSideBearing",
        "xMaxExtent",
    },
    "vhea": {
        "numberOfVMetrics",
        "advanceHeightMax",
        "minTopSideBearing",
        "minBottomSideBearing",
        "yMaxExtent",
    },
    "maxp": {
        "numGlyphs",
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    },
    "OS/2": {
        "ulUnicodeRange1",
        "ulUnicodeRange2",
        "ulUnicodeRange3",
        "ulUnicodeRange4",
        "ulCodePageRange1",
        "ulCodePageRange2",
        "usFirstCharIndex",
        "usLastCharIndex",
        "usMaxContext",
        "xAvgCharWidth",
    },
    "post": {"formatType", "extraNames", "mapping", "glyphOrder", "data"},
    "VORG": {"VOriginRecords", "numVertOriginYMetrics"},
}
# how each loose field of the merged program is taken from the subsets' values
_MINIMA = {"xMin", "yMin", "minLeftSideBearing", "minRightSideBearing"}
_MINIMA |= {"minTopSideBearing", "minBottomSideBearing", "usFirstCharIndex"}
_UNIONS = {f"ulUnicodeRange{i}" for i in range(1, 5)} | {"ulCodePageRange1", "ulCodePageRange2"}


@dataclass(frozen=True)
class FaceMerge:
    """What happened to one face (the fonts of one name and kind with a subset tag)."""

    face: str  # the name after the tag, e.g. "TougenMincho"
    kind: str  # "TrueType" or "CFF"
    programs: int  # distinct font programs before
    tags_before: tuple[str, ...]
    tag: str | None  # the fresh tag of the merged program; None: left as it was
    bytes_before: int  # stored (compressed) bytes of the face's programs before
    bytes_after: int  # … after
    note: str = ""  # why the face was left as it was

    @property
    def merged(self) -> bool:
        return self.tag is not None

    def describe(self) -> str:
        before = "/".join(self.tags_before)
        if self.merged:
            return (
                f"{before}+{self.face} ({self.kind}): {self.programs} programs → 1 as "
                f"{self.tag}+{self.face}, {self.bytes_before:,} → {self.bytes_after:,} bytes"
            )
        return f"{before}+{self.face} ({self.kind}): {self.programs} program(s), kept: {self.note}"


@dataclass(frozen=True)
class MergeReport:
    """Every subset face of the PDF, merged or kept, in name order."""

    faces: tuple[FaceMerge, ...] = field(default_factory=tuple)

    @property
    def merged(self) -> tuple[FaceMerge, ...]:
        return tuple(face for face in self.faces if face.merged)

    @property
    def kept(self) -> tuple[FaceMerge, ...]:
        """Faces with more than one program left as they were."""
        return tuple(face for face in self.faces if not face.merged and face.programs > 1)

    @property
    def bytes_before(self) -> int:
        return sum(face.bytes_before for face in self.faces)

    @property
    def bytes_after(self) -> int:
        return sum(face.bytes_after for face in self.faces)

    def __str__(self) -> str:
        return "\n".join(face.describe() for face in self.faces)


class Refused(Exception):
    """The programs of a face cannot be merged safely (the message says why)."""


def merge_subsets(pdf: pikepdf.Pdf) -> MergeReport:
    """Merge the subsets of every face of ``pdf`` in place into one program per face under
    a fresh tag; what happened, face by face. Save ``pdf`` afterwards.

    Every part of a book laid out in parts embeds its own subset of each face, all under
    the same tag (``AHKXXD+TougenMincho`` five times over, five different programs): ISO
    32000-1 §9.6.4 wants different tags for different subsets, preflight reports the face
    as embedded five times, and the copies are most of the file. WeasyPrint subsets with
    retained glyph IDs, so the subsets of one face index one glyph space:

    * a face is the fonts whose ``BaseFont`` names it after a subset tag, of one kind:
      TrueType (``CIDFontType2``, ``FontFile2``) or CID-keyed CFF in OpenType
      (``CIDFontType0``, ``FontFile3``/``OpenType``, glyph ID = CID as in Noto CJK);
    * it is merged only if every font maps CIDs to glyph IDs one to one and its programs
      agree on everything but the glyphs (units per em, header, line metrics, names,
      hinting tables, CFF font dicts) and on every glyph more than one of them holds;
    * the merged program holds each glyph a font *declares* (its ``/W`` or ``/W2``
      widths; every glyph of its program when it has none) with the glyphs those are
      built from (TrueType composite components), their metrics, each at its glyph ID.
      Glyphs no font declares are left out: a subsetter may append glyphs it did not
      retain after the last retained one, and those differ from part to part;
    * every font keeps its dictionary, widths and ``/ToUnicode``; its font descriptor
      points to the merged program and every name of the face takes a fresh tag, six
      letters from a hash of the merged program (the same input gives the same bytes);
    * a face whose programs disagree is left as it was, with the reason in the report.
    """
    faces, taken = _faces(pdf)
    report = []
    for (name, kind), face in sorted(faces.items()):
        tags = tuple(sorted(face.tags))
        before = sum(_stored_size(prog) for prog in face.programs.values())
        result = FaceMerge(name, kind, len(face.programs), tags, None, before, before)
        if len(face.programs) < 2:
            report.append(replace(result, note="one program"))
            continue
        try:
            problem = face.problem()
            if problem:
                raise Refused(problem)
            datas = [bytes(prog.read_bytes()) for prog in face.programs.values()]
            declared = [face.declared[objgen] for objgen in face.programs]
            merged, glyphs = merge_programs(kind, datas, declared)
        except Refused as why:
            report.append(replace(result, note=str(why)))
            continue
        tag = fresh_tag(merged, taken)
        taken.add(tag)
        after = face.install(pdf, merged, glyphs, tag)
        report.append(FaceMerge(name, kind, len(face.programs), tags, tag, before, after))
    return MergeReport(tuple(report))


def fresh_tag(program: bytes, taken: Iterable[str] = ()) -> str:
    """Six capital letters from a hash of ``program``, none of ``taken``."""
    used = set(taken)
    digest = hashlib.sha256(program).digest()
    while True:
        tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
        if tag not in used:
            return tag
        digest = hashlib.sha256(digest).digest()


# -- the faces of a PDF -----------------------------------------------------------------


@dataclass
class _Face:
    name: str
    kind: str
    key: str  # the font descriptor's key of the program
    fonts: list[Any] = field(default_factory=list)  # CIDFont dictionaries
    parents: list[Any] = field(default_factory=list)  # their Type0 fonts
    programs: dict[tuple[int, int], Any] = field(default_factory=dict)  # objgen → stream
    declared: dict[tuple[int, int], set[int] | None] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    def install(self, pdf: Any, program: bytes, glyphs: set[int], tag: str) -> int:
        """Point every font of the face to ``program`` under ``tag``; its stored size."""
        import pikepdf

        first = next(iter(self.programs.values()))
        stream = _stream(pdf, program)
        if self.key == "/FontFile2":
            stream.Length1 = len(program)
        elif "/Subtype" in first:
            stream.Subtype = first.Subtype
        cidset = None
        name = pikepdf.Name(f"/{tag}+{self.name}")
        for font in self.fonts:
            descriptor = font.FontDescriptor
            descriptor[self.key] = stream
            descriptor.FontName = name
            if "/CIDSet" in descriptor:
                cidset = cidset or _stream(pdf, _cidset(glyphs))
                descriptor.CIDSet = cidset
            font.BaseFont = name
        for parent in self.parents:
            match = TAGGED.match(str(parent.BaseFont)[1:])
            if match:
                parent.BaseFont = pikepdf.Name(f"/{tag}+{match.group(2)}")
        return len(stream.read_raw_bytes())


def _faces(pdf: Any) -> tuple[dict[tuple[str, str], _Face], set[str]]:
    """The subset faces of ``pdf`` by (name after the tag, kind), and every subset tag of
    its fonts."""
    import pikepdf

    parents: dict[tuple[int, int], list[Any]] = {}
    cidfonts = []
    tags: set[str] = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        tagged = TAGGED.match(str(obj.get("/BaseFont", "/"))[1:])
        if tagged:
            tags.add(tagged.group(1))
        subtype = obj.get("/Subtype")
        if subtype == "/Type0":
            for descendant in obj.get("/DescendantFonts", []):
                if descendant.is_indirect:
                    parents.setdefault(descendant.objgen, []).append(obj)
        elif subtype in KINDS and obj.is_indirect:
            cidfonts.append(obj)
    faces: dict[tuple[str, str], _Face] = {}
    for font in cidfonts:
        match = TAGGED.match(str(font.get("/BaseFont", "/"))[1:])
        descriptor = font.get("/FontDescriptor")
        if match is None or not isinstance(descriptor, pikepdf.Dictionary):
            continue
        kind, key = KINDS[str(font.Subtype)]
        program = descriptor.get(key)
        if not isinstance(program, pikepdf.Stream) or not program.is_indirect:
            continue
        face = faces.setdefault((match.group(2), kind), _Face(match.group(2), kind, key))
        face.fonts.append(font)
        face.parents.extend(parents.get(font.objgen, []))
        face.tags.add(match.group(1))
        face.programs.setdefault(program.objgen, program)
        declared = face.declared.setdefault(program.objgen, set())
        widths = _declared(font)
        if widths is None or declared is None:
            face.declared[program.objgen] = None
        else:
            declared |= widths
        cid_to_gid = font.get("/CIDToGIDMap", pikepdf.Name.Identity)
        if not isinstance(cid_to_gid, pikepdf.Name) or cid_to_gid != "/Identity":
            face.problems.append("a font maps CIDs to glyphs through a CIDToGIDMap stream")
        if kind == "CFF" and str(program.get("/Subtype")) != "/OpenType":
            face.problems.append(f"a bare CFF program ({program.get('/Subtype')})")
    return faces, tags


def _declared(font: Any) -> set[int] | None:
    """The CIDs ``font`` gives widths for (/W, /W2); None: it has no widths at all."""
    import pikepdf

    if "/W" not in font and "/W2" not in font:
        return None
    cids: set[int] = set()
    for key, per_glyph in (("/W", 1), ("/W2", 3)):
        items = list(font.get(key, []))
        i = 0
        while i + 1 < len(items):
            first = int(items[i])
            if isinstance(items[i + 1], pikepdf.Array):
                cids.update(range(first, first + len(items[i + 1]) // per_glyph))
                i += 2
            else:
                cids.update(range(first, int(items[i + 1]) + 1))
                i += 2 + per_glyph
    return cids


def _stored_size(stream: Any) -> int:
    return len(stream.read_raw_bytes())


def _cidset(glyphs: set[int]) -> bytes:
    """A CIDSet: one bit per CID present in the program (CID = glyph ID), first bit high."""
    bits = bytearray(max(glyphs) // 8 + 1 if glyphs else 1)
    for gid in glyphs:
        bits[gid // 8] |= 0x80 >> (gid % 8)
    return bytes(bits)


def _stream(pdf: Any, data: bytes) -> Any:
    """A new indirect stream of ``data``, compressed."""
    import pikepdf

    stream = pikepdf.Stream(pdf, zlib.compress(data, 9))
    stream.Filter = pikepdf.Name.FlateDecode
    return stream if stream.is_indirect else pdf.make_indirect(stream)


# -- merging programs -------------------------------------------------------------------


def merge_programs(
    kind: str, datas: list[bytes], declared: list[set[int] | None]
) -> tuple[bytes, set[int]]:
    """One program of ``kind`` ("TrueType" or "CFF") holding every glyph the subsets
    ``datas`` declare (None: every glyph of that subset) with the glyphs those are built
    from, each at its own glyph ID; the program and its glyph IDs.

    Raises :class:`Refused` when the subsets are not of one source."""
    from fontTools.ttLib import TTFont

    try:
        fonts = [
            TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False) for data in datas
        ]
        for font in fonts:
            tags = font.keys()
            for tag in tags:
                font[tag]  # decompile every table while the subset's glyph names hold
    except Exception as error:  # a program fontTools cannot read is kept as it is
        raise Refused(f"a program fontTools cannot read ({error})") from error
    glyphs: _Glyphs = _TrueTypeGlyphs(fonts) if kind == "TrueType" else _CffGlyphs(fonts)
    _same_source(fonts, glyphs.tables)
    chosen, codes = _choose(fonts, glyphs, declared)
    count = max(chosen) + 1
    names = [".notdef"] + [glyphs.name(gid) for gid in range(1, count)]
    merged = fonts[0]
    _loosen(merged, fonts)
    merged.setGlyphOrder(names)
    glyphs.install(merged, {gid: item[0] for gid, item in chosen.items()}, names)
    for tag, slot in (("hmtx", 1), ("vmtx", 2)):
        if tag in merged:
            merged[tag].metrics = {
                name: chosen[gid][slot] if gid in chosen else (0, 0)
                for gid, name in enumerate(names)
            }
    if "VORG" in merged:
        merged["VORG"].VOriginRecords = {
            names[gid]: item[3] for gid, item in sorted(chosen.items()) if item[3] is not None
        }
    _build_cmap(merged, codes, names)
    post = merged["post"]
    post.formatType = 3.0  # no glyph names: a PDF reader does not need them
    for attr in ("extraNames", "mapping", "glyphOrder", "data"):
        if hasattr(post, attr):
            delattr(post, attr)
    for tag in DROPPED_TABLES & set(merged.keys()):
        del merged[tag]
    out = io.BytesIO()
    merged.save(out, reorderTables=True)
    return out.getvalue(), set(chosen)


# what a subset says about one glyph: its outline (as compared), horizontal and vertical
# metrics, vertical origin (CFF VORG)
_Item = tuple[Any, tuple[int, int], tuple[int, int] | None, int | None]


def _choose(
    fonts: list[Any], glyphs: _Glyphs, declared: list[set[int] | None]
) -> tuple[dict[int, _Item], dict[tuple[int, int, int, int], dict[Any, int | None]]]:
    """The merged program's glyphs by glyph ID, and its character mappings by cmap subtable.

    Each subset contributes the glyphs it declares that it holds (glyph IDs past its end are
    drawn as .notdef), .notdef, and the glyphs those are built from. A glyph more than one
    subset contributes must be the same in each (.notdef: an empty one gives way)."""
    chosen: dict[int, _Item] = {}
    codes: dict[tuple[int, int, int, int], dict[Any, int | None]] = {}
    absent: set[int] = set()  # declared, but not in the subset: drawn as .notdef
    for index, (font, wanted) in enumerate(zip(fonts, declared, strict=True)):
        count = glyphs.count(index)
        held = set(range(count)) if wanted is None else {gid for gid in wanted if gid < count}
        absent |= set() if wanted is None else {gid for gid in wanted if gid >= count}
        closure = _closure(held | {0}, lambda gid, i=index: glyphs.parts(i, gid), count)
        order = font.getGlyphOrder()
        hmtx = font["hmtx"].metrics
        vmtx = font["vmtx"].metrics if "vmtx" in font else None
        vorg = font["VORG"].VOriginRecords if "VORG" in font else None
        for gid in sorted(closure):
            name = order[gid]
            item: _Item = (
                glyphs.outline(index, gid),
                tuple(hmtx[name]),
                tuple(vmtx[name]) if vmtx else None,
                vorg.get(name) if vorg is not None else None,
            )
            have = chosen.get(gid)
            if have is None or (gid == 0 and glyphs.empty(have[0])):
                chosen[gid] = item
            elif have != item and not (gid == 0 and glyphs.empty(item[0])):
                raise Refused(f"glyph {gid} differs between the programs")
        _collect_cmap(font, closure, codes)
    if any(gid <= max(chosen) for gid in absent):
        raise Refused("a glyph one program lacks is drawn from another")
    return chosen, codes


def _closure(gids: set[int], parts: Any, count: int) -> set[int]:
    """``gids`` and every glyph they are built from."""
    done: set[int] = set()
    todo = sorted(gids)
    while todo:
        gid = todo.pop()
        if gid in done or gid >= count:
            continue
        done.add(gid)
        todo.extend(parts(gid))
    return done


class _Glyphs:
    """The glyphs of one kind of program: read by glyph ID, compared, installed."""

    tables: frozenset[str] = frozenset()  # the tables merged glyph by glyph

    def __init__(self, fonts: list[Any]) -> None:
        self.fonts = fonts

    def count(self, index: int) -> int:
        return int(self.fonts[index]["maxp"].numGlyphs)

    def outline(self, index: int, gid: int) -> Any:
        raise NotImplementedError

    def parts(self, index: int, gid: int) -> list[int]:
        return []

    def empty(self, outline: Any) -> bool:
        raise NotImplementedError

    def name(self, gid: int) -> str:
        return f"glyph{gid:05d}"

    def install(self, merged: Any, outlines: dict[int, Any], names: list[str]) -> None:
        raise NotImplementedError


class _TrueTypeGlyphs(_Glyphs):
    """``glyf`` outlines as stored: a composite names its components by glyph ID, which
    the merged program keeps, so the bytes are copied as they are."""

    tables = frozenset({"glyf", "loca", "hmtx", "vmtx", "cmap"})

    def __init__(self, fonts: list[Any]) -> None:
        super().__init__(fonts)
        if any("glyf" not in font or "loca" not in font for font in fonts):
            raise Refused("a TrueType program without glyf outlines")
        self.raw = [_raw_glyphs(font) for font in fonts]

    def count(self, index: int) -> int:
        return len(self.raw[index])

    def outline(self, index: int, gid: int) -> bytes:
        return self.raw[index][gid]

    def parts(self, index: int, gid: int) -> list[int]:
        return components(self.raw[index][gid])

    def empty(self, outline: Any) -> bool:
        return not outline

    def install(self, merged: Any, outlines: dict[int, Any], names: list[str]) -> None:
        from fontTools.ttLib.tables._g_l_y_f import Glyph

        glyf = merged["glyf"]
        glyf.setGlyphOrder(names)
        glyf.glyphs = {name: Glyph(outlines.get(gid, b"")) for gid, name in enumerate(names)}


class _CffGlyphs(_Glyphs):
    """CID-keyed CFF charstrings (without subroutines) by glyph ID, each with the font dict
    (FDArray entry) it is drawn with; glyph ID = CID, as in subsets of Noto CJK."""

    tables = frozenset({"CFF ", "hmtx", "vmtx", "cmap", "VORG"})

    def __init__(self, fonts: list[Any]) -> None:
        super().__init__(fonts)
        if any("CFF " not in font for font in fonts):
            raise Refused("an OpenType program without a CFF table (CFF2?)")
        self.tops = [font["CFF "].cff.topDictIndex[0] for font in fonts]
        if any(not hasattr(top, "ROS") for top in self.tops):
            raise Refused("a name-keyed CFF program (only CID-keyed CFF is merged)")
        for font, top in zip(fonts, self.tops, strict=True):
            cff = font["CFF "].cff
            privates = [fd.Private for fd in top.FDArray]
            if len(cff.GlobalSubrs) or any(getattr(p, "Subrs", None) for p in privates):
                raise Refused("a CFF program with subroutines")
        prints = {_cff_fields(top) for top in self.tops}
        if len(prints) > 1:
            raise Refused("the CFF top dicts differ: not subsets of one font")
        self.fd_keys = [[_fd_key(fd) for fd in top.FDArray] for top in self.tops]
        self.fds: dict[Any, Any] = {}  # key → font dict
        for top, keys in zip(self.tops, self.fd_keys, strict=True):
            for fd, key in zip(top.FDArray, keys, strict=True):
                self.fds.setdefault(key, fd)

    def outline(self, index: int, gid: int) -> tuple[bytes, Any, str]:
        top = self.tops[index]
        charstring = top.CharStrings.charStringsIndex[gid]
        if charstring.bytecode is None:
            charstring.compile()
        fd = self.fd_keys[index][top.FDSelect[gid]]
        return (bytes(charstring.bytecode), fd, top.charset[gid])

    def empty(self, outline: Any) -> bool:
        from fontTools.misc.psCharStrings import T2CharString

        charstring = T2CharString(bytecode=outline[0])
        charstring.decompile()
        return not any(token in _MOVES for token in charstring.program)

    def name(self, gid: int) -> str:
        return f"cid{gid:05d}"

    def install(self, merged: Any, outlines: dict[int, Any], names: list[str]) -> None:
        from fontTools.cffLib import FDSelect
        from fontTools.misc.psCharStrings import T2CharString

        for gid, (_, _, cid) in outlines.items():
            if gid and cid != names[gid]:
                raise Refused("a CFF program whose CIDs are not its glyph IDs")
        keys = sorted({outline[1] for outline in outlines.values()}, key=repr)  # FDs in use
        top = merged["CFF "].cff.topDictIndex[0]
        top.FDArray.items = [self.fds[key] for key in keys]
        select = FDSelect()
        number = {key: i for i, key in enumerate(keys)}
        select.gidArray = [
            number[outlines[gid][1]] if gid in outlines else 0 for gid in range(len(names))
        ]
        top.FDSelect = select
        top.charset = names
        top.CIDCount = max(int(getattr(top, "CIDCount", 0)), len(names))
        charstrings = top.CharStrings
        charstrings.charStringsAreIndexed = 0
        charstrings.charStrings = {}
        for gid, name in enumerate(names):
            code, key, _ = outlines.get(gid, (b"\x0e", keys[0], name))  # empty: endchar
            charstrings.charStrings[name] = T2CharString(
                bytecode=code, private=self.fds[key].Private, globalSubrs=top.GlobalSubrs
            )


_MOVES = frozenset({"rmoveto", "hmoveto", "vmoveto"})


def _cff_fields(top: Any) -> tuple[tuple[str, str], ...]:
    skip = {"charset", "FDSelect", "FDArray", "CharStrings", "CIDCount", "Private", "FontBBox"}
    return tuple((key, repr(getattr(top, key))) for key in sorted(top.rawDict) if key not in skip)


def _fd_key(fd: Any) -> tuple[tuple[tuple[str, str], ...], ...]:
    """A CFF font dict by content: its entries and its private dict's."""
    own = tuple((key, repr(getattr(fd, key))) for key in sorted(fd.rawDict) if key != "Private")
    private = fd.Private
    hints = tuple(
        (key, repr(getattr(private, key))) for key in sorted(private.rawDict) if key != "Subrs"
    )
    return (own, hints)


# -- comparing and merging tables -------------------------------------------------------


def _same_source(fonts: list[Any], by_glyph: frozenset[str]) -> None:
    """Refuse unless ``fonts`` are subsets of one font: the same tables but those merged
    glyph by glyph, the same fields of the merged tables but the loose ones."""
    tags = set().union(*(set(font.keys()) for font in fonts)) - {"GlyphOrder"}
    if len({font.sfntVersion for font in fonts}) > 1:
        raise Refused("the programs' sfnt versions differ")
    for tag in sorted(tags - MERGED_TABLES - DROPPED_TABLES):
        blobs = {_stored(font, tag) for font in fonts}
        if len(blobs) > 1:
            raise Refused(f"the {tag!r} table differs between the programs")
    for tag in sorted(tags & MERGED_TABLES):
        if any(tag not in font for font in fonts):
            raise Refused(f"the {tag!r} table is not in every program")
        if tag in by_glyph:
            continue
        if tag not in LOOSE_FIELDS:
            raise Refused(f"a {tag!r} table in this kind of program")
        prints = {_fields(font[tag], LOOSE_FIELDS[tag]) for font in fonts}
        if len(prints) > 1:
            raise Refused(f"the {tag!r} tables differ: not subsets of one font")


def _stored(font: Any, tag: str) -> bytes | None:
    try:
        return bytes(font.reader[tag])
    except KeyError:
        return None


def _fields(table: Any, loose: set[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for name, value in sorted(vars(table).items()):
        if name in loose or name.startswith("_") or name in {"tableTag", "reader"}:
            continue
        if hasattr(value, "__dict__"):
            value = sorted(vars(value).items())
        out.append((name, repr(value)))
    return tuple(out)


def _loosen(merged: Any, fonts: list[Any]) -> None:
    """The loose fields of ``merged`` (the first subset) over all subsets: least minima,
    greatest maxima, unions of bit ranges (``usFirstCharIndex`` etc. follow the cmap when
    the program is saved)."""
    for tag, loose in LOOSE_FIELDS.items():
        if tag not in merged or tag in {"post", "VORG"}:
            continue
        table = merged[tag]
        for name in sorted(loose):
            values = [getattr(font[tag], name) for font in fonts if hasattr(font[tag], name)]
            if not values or not all(isinstance(v, int) for v in values):
                continue
            if name in _UNIONS:
                value = 0
                for v in values:
                    value |= v
            elif name in _MINIMA:
                value = min(values)
            else:
                value = max(values)
            setattr(table, name, value)
    if "CFF " in merged:
        boxes = [font["CFF "].cff.topDictIndex[0].FontBBox for font in fonts]
        top = merged["CFF "].cff.topDictIndex[0]
        top.FontBBox = [
            min(box[0] for box in boxes),
            min(box[1] for box in boxes),
            max(box[2] for box in boxes),
            max(box[3] for box in boxes),
        ]


def _raw_glyphs(font: Any) -> list[bytes]:
    """Each glyph's bytes by glyph ID, from ``loca`` and ``glyf`` as stored, padded to four
    bytes (so that subsets that pad differently compare equal)."""
    count = font["maxp"].numGlyphs
    glyf = font.reader["glyf"]
    loca = font.reader["loca"]
    if font["head"].indexToLocFormat == 0:
        offsets = [2 * x for x in struct.unpack(f">{count + 1}H", loca[: 2 * (count + 1)])]
    else:
        offsets = list(struct.unpack(f">{count + 1}I", loca[: 4 * (count + 1)]))
    glyphs = []
    for start, end in zip(offsets, offsets[1:], strict=False):
        if not start <= end <= len(glyf):
            raise Refused("a program's loca table points outside its glyf table")
        data = glyf[start:end]
        glyphs.append(data + b"\0" * (-len(data) % 4))
    return glyphs


def components(data: bytes) -> list[int]:
    """The glyph IDs a TrueType composite glyph is built from ([] for a simple glyph)."""
    if len(data) < 10 or struct.unpack(">h", data[:2])[0] >= 0:
        return []
    out = []
    pos = 10
    more = True
    while more and pos + 4 <= len(data):
        flags, gid = struct.unpack(">HH", data[pos : pos + 4])
        out.append(gid)
        pos += 4 + (4 if flags & 0x0001 else 2)  # ARG_1_AND_2_ARE_WORDS
        if flags & 0x0008:  # WE_HAVE_A_SCALE
            pos += 2
        elif flags & 0x0040:  # WE_HAVE_AN_X_AND_Y_SCALE
            pos += 4
        elif flags & 0x0080:  # WE_HAVE_A_TWO_BY_TWO
            pos += 8
        more = bool(flags & 0x0020)  # MORE_COMPONENTS
    return out


def _collect_cmap(
    font: Any, closure: set[int], codes: dict[tuple[int, int, int, int], dict[Any, int | None]]
) -> None:
    """Add the subset's mappings of characters to glyphs it contributes to ``codes``."""
    if "cmap" not in font:
        return
    ids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    for sub in font["cmap"].tables:
        key = (sub.platformID, sub.platEncID, sub.format, getattr(sub, "language", 0))
        table = codes.setdefault(key, {})
        if sub.format == 14:
            pairs: Iterable[tuple[Any, str | None]] = (
                ((uv, selector), name)
                for selector, entries in sub.uvsDict.items()
                for uv, name in entries
            )
        else:
            pairs = sub.cmap.items()
        for code, name in pairs:
            gid = None if name is None else ids.get(name)
            if name is not None and (gid is None or gid not in closure):
                continue  # a glyph the subset does not hold for its own text
            if table.get(code, gid) != gid:
                raise Refused("the programs map a character to different glyphs")
            table[code] = gid


def _build_cmap(
    merged: Any, codes: dict[tuple[int, int, int, int], dict[Any, int | None]], names: list[str]
) -> None:
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    if "cmap" not in merged:
        return
    tables = []
    for (platform, encoding, fmt, language), mapping in sorted(codes.items()):
        sub = CmapSubtable.newSubtable(fmt)
        sub.platformID, sub.platEncID, sub.language = platform, encoding, language
        if fmt == 14:
            uvs: dict[int, list[tuple[int, str | None]]] = {}
            for (uv, selector), gid in sorted(mapping.items()):
                uvs.setdefault(selector, []).append((uv, None if gid is None else names[gid]))
            sub.cmap, sub.uvsDict = {}, uvs
        else:
            sub.cmap = {
                code: names[gid] for code, gid in sorted(mapping.items()) if gid is not None
            }
        tables.append(sub)
    merged["cmap"].tables = tables
