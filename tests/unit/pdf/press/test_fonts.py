"""One font program per face (pdf/press/fonts.py): the parts' subsets of a face merged into
one program under a fresh tag, drawing every page as before."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from machine import need_font, need_tool
from tougen_pub.pdf.press import fonts
from tougen_pub.pdf.press.fonts import (
    MergeReport,
    Refused,
    components,
    fresh_tag,
    merge_programs,
    merge_subsets,
)

EPOCH = "1739081580"
TAG = re.compile(r"^[A-Z]{6}$")


def _save(pdf: pikepdf.Pdf, path: Path) -> Path:
    pdf.save(
        path,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
    )
    return path


@dataclass
class Face:
    """What a PDF embeds of one face (the name after the subset tag)."""

    tags: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # Type0 and CIDFont BaseFont, FontName
    programs: dict[tuple[int, int], Any] = field(default_factory=dict)  # objgen → stream
    fonts: list[Any] = field(default_factory=list)  # CIDFont dictionaries


def _faces(pdf: pikepdf.Pdf) -> dict[str, Face]:
    faces: dict[str, Face] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Subtype") != "/Type0":
            continue
        cidfont = obj.DescendantFonts[0]
        descriptor = cidfont.FontDescriptor
        program: Any = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        tag, _, name = str(obj.BaseFont)[1:].partition("+")
        face = faces.setdefault(name, Face())
        face.tags.add(tag)
        face.names |= {str(obj.BaseFont), str(cidfont.BaseFont), str(descriptor.FontName)}
        face.programs[program.objgen] = program
        face.fonts.append(cidfont)
    return faces


def _declared(cidfont: Any) -> list[int]:
    """The glyph IDs a font gives widths for (= draws, for WeasyPrint)."""
    items, i = list(cidfont.W), 0
    out: list[int] = []
    while i < len(items):
        if isinstance(items[i + 1], pikepdf.Array):
            out += range(int(items[i]), int(items[i]) + len(items[i + 1]))
            i += 2
        else:
            out += range(int(items[i]), int(items[i + 1]) + 1)
            i += 3
    return out


def _texts(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")


def _renders(path: Path, folder: Path, resolution: int = 50) -> list[bytes]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", str(path), str(folder / "p")], check=True
    )
    pages = []
    for png in sorted(folder.glob("p-*.png")):
        with Image.open(png) as image:
            pages.append(image.convert("RGB").tobytes())
    return pages


def _need_qpdf() -> str:
    path = shutil.which("qpdf")
    if path is None:
        pytest.skip("qpdf not installed: apt-get install qpdf")
    return path


# -- building blocks ----------------------------------------------------------------------


def test_fresh_tag_is_six_capitals_from_the_program() -> None:
    tag = fresh_tag(b"program")
    assert TAG.match(tag)
    assert fresh_tag(b"program") == tag != fresh_tag(b"other program")
    other = fresh_tag(b"program", taken={tag})
    assert TAG.match(other) and other != tag


def _synthetic_font(square: tuple[int, int, int, int] = (100, 0, 300, 200)) -> bytes:
    """A TrueType font: .notdef, a (a square), b (a triangle), c = a + b moved right (a
    composite), d (a bar)."""

    def polygon(*points: tuple[int, int]) -> Any:
        pen = TTGlyphPen(None)
        pen.moveTo(points[0])
        for point in points[1:]:
            pen.lineTo(point)
        pen.closePath()
        return pen.glyph()

    x0, y0, x1, y1 = square
    glyphs = {
        ".notdef": polygon((50, 0), (50, 700), (450, 700), (450, 0)),
        "a": polygon((x0, y0), (x0, y1), (x1, y1), (x1, y0)),
        "b": polygon((0, 0), (100, 300), (200, 0)),
    }
    composite = TTGlyphPen(glyphs)
    composite.addComponent("a", (1, 0, 0, 1, 0, 0))
    composite.addComponent("b", (1, 0, 0, 1, 300, 50))
    glyphs["c"] = composite.glyph()
    glyphs["d"] = polygon((100, 0), (100, 700), (180, 700), (180, 0))
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(list(glyphs))
    builder.setupCharacterMap({0x61: "a", 0x62: "b", 0x63: "c", 0x64: "d"})
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics({name: (800, getattr(glyf[name], "xMin", 0)) for name in glyphs})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Synth", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _subset(data: bytes, gids: list[int]) -> bytes:
    """``data`` subset to ``gids`` (and what they are built from), glyph IDs retained."""
    from fontTools import subset

    options = subset.Options(retain_gids=True, notdef_outline=True, glyph_names=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    font = TTFont(io.BytesIO(data))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _synthetic_pdf(
    parts: list[tuple[bytes, list[int]]], name: str = "ABCDEF+Synth", cidset: bool = False
) -> Any:
    """One page per (program, glyph IDs): its own Type0 font under ``name`` drawing them
    (with a CIDSet in PDF 1.4 fashion if ``cidset``)."""
    pdf = pikepdf.new()
    for data, gids in parts:
        program = pdf.make_stream(data)
        program.Length1 = len(data)
        descriptor = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor,
                FontName=pikepdf.Name(f"/{name}"),
                Flags=4,
                FontBBox=[0, -200, 1000, 800],
                ItalicAngle=0,
                Ascent=800,
                Descent=-200,
                CapHeight=700,
                StemV=80,
                FontFile2=program,
            )
        )
        if cidset:
            descriptor.CIDSet = pdf.make_stream(_bits(set(gids)))
        widths: list[Any] = []
        for gid in gids:
            widths += [gid, [800]]
        cidfont = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.CIDFontType2,
                BaseFont=pikepdf.Name(f"/{name}"),
                CIDSystemInfo=pikepdf.Dictionary(
                    Registry=pikepdf.String("Adobe"),
                    Ordering=pikepdf.String("Identity"),
                    Supplement=0,
                ),
                CIDToGIDMap=pikepdf.Name.Identity,
                W=pikepdf.Array(widths),
                FontDescriptor=descriptor,
            )
        )
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type0,
                BaseFont=pikepdf.Name(f"/{name}"),
                Encoding=pikepdf.Name("/Identity-H"),
                DescendantFonts=pikepdf.Array([cidfont]),
            )
        )
        page = pdf.add_blank_page(page_size=(600, 300))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        shown = b"".join(b"<%04x> Tj " % gid for gid in gids)
        page.Contents = pdf.make_stream(b"BT /F1 100 Tf 40 100 Td " + shown + b"ET")
    return pdf


def _bits(gids: set[int]) -> bytes:
    return bytes(
        sum(0x80 >> bit for bit in range(8) if byte * 8 + bit in gids)
        for byte in range(max(gids) // 8 + 1)
    )


def test_components_of_a_composite_glyph() -> None:
    font = TTFont(io.BytesIO(_synthetic_font()))
    glyf = font["glyf"]
    assert components(glyf["c"].compile(glyf)) == [1, 2]  # c = a + b
    assert components(glyf["a"].compile(glyf)) == [] and components(b"") == []


def test_composite_glyphs_keep_their_components(tmp_path: Path) -> None:
    source = _synthetic_font()
    # part 1 draws c only (its subset holds a and b as c's components), part 2 d, part 3 a
    parts = [(_subset(source, [3]), [3]), (_subset(source, [4]), [4]), (_subset(source, [1]), [1])]
    pdf = _synthetic_pdf(parts, cidset=True)
    before = _save(pdf, tmp_path / "before.pdf")
    assert len(_faces(pdf)["Synth"].programs) == 3

    report = merge_subsets(pdf)
    after = _save(pdf, tmp_path / "after.pdf")

    (face,) = report.faces
    assert (face.face, face.kind, face.programs, face.tags_before) == (
        "Synth",
        "TrueType",
        3,
        ("ABCDEF",),
    )
    assert face.merged and TAG.match(face.tag or "") and face.tag != "ABCDEF"
    merged_pdf = pikepdf.open(after)
    merged_face = _faces(merged_pdf)["Synth"]
    assert len(merged_face.programs) == 1
    assert merged_face.names == {f"/{face.tag}+Synth"}
    (program,) = merged_face.programs.values()
    merged = TTFont(io.BytesIO(program.read_bytes()))
    glyf, order = merged["glyf"], merged.getGlyphOrder()
    assert [merged.getGlyphID(part.glyphName) for part in glyf[order[3]].components] == [1, 2]
    assert all(glyf[name].numberOfContours for name in order)  # a, b, c, d and .notdef
    cidsets = {bytes(font.FontDescriptor.CIDSet.read_bytes()) for font in merged_face.fonts}
    assert cidsets == {_bits({0, 1, 2, 3, 4})}  # the CIDs the one program holds
    glyphs, original = merged.getGlyphSet(), TTFont(io.BytesIO(source)).getGlyphSet()
    for gid, name in enumerate([".notdef", "a", "b", "c", "d"]):
        assert _outline(glyphs, merged.getGlyphOrder()[gid]) == _outline(original, name)
        assert merged["hmtx"][merged.getGlyphOrder()[gid]][0] == 800
    if shutil.which("pdftoppm"):
        assert _renders(before, tmp_path / "a") == _renders(after, tmp_path / "b")


def _outline(glyphs: Any, name: str) -> list[Any]:
    pen = DecomposingRecordingPen(glyphs)
    glyphs[name].draw(pen)
    return pen.value


def test_only_declared_glyphs_are_merged() -> None:
    source = _synthetic_font()
    # the first subset holds a and d but its font declares (draws) only a
    program, glyphs = merge_programs(
        "TrueType", [_subset(source, [1, 4]), _subset(source, [2])], [{1}, {2}]
    )
    merged = TTFont(io.BytesIO(program))
    assert glyphs == {0, 1, 2} and merged["maxp"].numGlyphs == 3


def test_a_face_whose_programs_disagree_is_kept() -> None:
    other = _synthetic_font(square=(100, 0, 400, 400))  # the same name, another "a"
    parts = [(_subset(_synthetic_font(), [1]), [1]), (_subset(other, [1]), [1])]
    pdf = _synthetic_pdf(parts)
    programs = set(_faces(pdf)["Synth"].programs)

    report = merge_subsets(pdf)

    (face,) = report.kept
    assert not face.merged and "glyph 1 differs" in face.note
    assert face.bytes_before == face.bytes_after
    assert set(_faces(pdf)["Synth"].programs) == programs
    assert _faces(pdf)["Synth"].tags == {"ABCDEF"}
    with pytest.raises(Refused):
        merge_programs("TrueType", [data for data, _ in parts], [{1}, {1}])


def test_a_face_of_one_program_or_without_tag_is_left_alone() -> None:
    source = _synthetic_font()
    pdf = _synthetic_pdf([(_subset(source, [1]), [1]), (_subset(source, [2]), [2])], "Synth")
    single = _synthetic_pdf([(_subset(source, [1]), [1])])
    assert merge_subsets(pdf).faces == ()
    (face,) = merge_subsets(single).faces
    assert (face.merged, face.programs, face.note) == (False, 1, "one program")


# -- a book laid out in parts -------------------------------------------------------------

# case → (writing mode, the fonts book.toml names: None for the installed IPAex)
CASES = {
    "ipaex-vertical": ("vertical", None),  # derived TrueType fonts with composite glyphs
    "ipaex-horizontal": ("horizontal", None),
    "noto-horizontal": ("horizontal", ("Noto Serif CJK JP", "Noto Sans CJK JP")),  # CFF
}


@dataclass
class Book:
    case: str
    before: Path  # the PDF as the parts were bound
    after: Path  # … with merge_subsets
    report: MergeReport


def _build(root: Path, out: Path, mode: str) -> Path:
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOUGEN_JOBS", "2")
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        # the book as the parts were bound: the finishing step does not merge
        mp.setattr(fonts, "merge_subsets", lambda pdf: MergeReport())
        path, diags = build_book("pdf", BuildOptions(root, out, mode))
    assert not diags.errors, [d.format() for d in diags.errors]
    return path


@pytest.fixture(scope="module", params=list(CASES))
def book(
    request: pytest.FixtureRequest, tiny_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Book]:
    need_tool("pdftotext")
    need_tool("pdftoppm")
    mode, families = CASES[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    root = tiny_root
    if families is None:
        need_font("IPAexMincho")
        need_font("IPAexGothic")
    else:
        (mincho, m_index), (gothic, g_index) = (need_font(family) for family in families)
        root = tmp / "manuscript"
        shutil.copytree(tiny_root, root)
        with (root / "book.toml").open("a", encoding="utf-8") as toml:
            toml.write(f'\n[fonts]\nmincho = "{mincho}:{m_index}"\ngothic = "{gothic}:{g_index}"\n')
    before = _build(root, tmp / "out", mode)
    pdf = pikepdf.open(before)
    report = merge_subsets(pdf)
    yield Book(request.param, before, _save(pdf, tmp / "merged.pdf"), report)


@pytest.mark.slow
def test_parts_embed_each_face_many_times_under_one_tag(book: Book) -> None:
    pdf = pikepdf.open(book.before)
    faces = _faces(pdf)
    assert {"TougenMincho", "TougenGothic"} <= set(faces)
    for name, face in faces.items():
        assert len(face.programs) > 1, name  # else merging would have nothing to do
        assert len(face.tags) == 1, name


@pytest.mark.slow
def test_each_face_has_one_program_under_a_fresh_tag(book: Book) -> None:
    pdfs = pikepdf.open(book.before), pikepdf.open(book.after)
    before, after = _faces(pdfs[0]), _faces(pdfs[1])
    assert set(after) == set(before)
    kind = "CFF" if book.case.startswith("noto") else "TrueType"
    assert {(f.face, f.kind, f.programs) for f in book.report.merged} == {
        (name, kind, len(face.programs)) for name, face in before.items()
    }
    for name, face in after.items():
        (tag,) = face.tags
        assert len(face.programs) == 1, name
        assert TAG.match(tag) and tag not in before[name].tags
        assert face.names == {f"/{tag}+{name}"}
        (merge,) = [f for f in book.report.merged if f.face == name]
        assert merge.tag == tag and merge.bytes_after < merge.bytes_before
    assert book.after.stat().st_size < book.before.stat().st_size


@pytest.mark.slow
def test_every_glyph_a_font_draws_is_the_same_in_the_merged_program(book: Book) -> None:
    pdfs = pikepdf.open(book.before), pikepdf.open(book.after)
    before, after = _faces(pdfs[0]), _faces(pdfs[1])
    composites = 0
    for name, face in before.items():
        (program,) = after[name].programs.values()
        merged = TTFont(io.BytesIO(program.read_bytes()))
        merged_glyphs, merged_order = merged.getGlyphSet(), merged.getGlyphOrder()
        for cidfont in face.fonts:
            subset = TTFont(io.BytesIO(cidfont.FontDescriptor[_key(cidfont)].read_bytes()))
            glyphs, order = subset.getGlyphSet(), subset.getGlyphOrder()
            for gid in _declared(cidfont):
                if gid >= len(order):
                    continue  # a character the face lacks: drawn as .notdef
                assert _outline(merged_glyphs, merged_order[gid]) == _outline(glyphs, order[gid]), (
                    name,
                    gid,
                )
                assert merged["hmtx"][merged_order[gid]] == subset["hmtx"][order[gid]]
                if "glyf" in subset:
                    composites += subset["glyf"][order[gid]].isComposite()
    if book.case == "ipaex-vertical":
        assert composites  # the derived vertical fonts build turned glyphs from others


def _key(cidfont: Any) -> str:
    return "/FontFile2" if "/FontFile2" in cidfont.FontDescriptor else "/FontFile3"


@pytest.mark.slow
def test_text_and_pages_are_unchanged(book: Book, tmp_path: Path) -> None:
    texts = _texts(book.before)
    assert len(texts) > 5 and _texts(book.after) == texts
    pages = _renders(book.before, tmp_path / "before")
    assert len(pages) == len(texts) - 1  # pdftotext ends every page with a form feed
    assert _renders(book.after, tmp_path / "after") == pages


@pytest.mark.slow
def test_qpdf_finds_nothing_wrong(book: Book) -> None:
    qpdf = _need_qpdf()
    run = subprocess.run([qpdf, "--check", str(book.after)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stdout + run.stderr


@pytest.mark.slow
def test_merging_again_changes_nothing(book: Book, tmp_path: Path) -> None:
    pdf = pikepdf.open(book.after)
    report = merge_subsets(pdf)
    assert report.merged == () and report.kept == ()
    assert {face.note for face in report.faces} == {"one program"}
    assert _save(pdf, tmp_path / "again.pdf").read_bytes() == book.after.read_bytes()


@pytest.mark.slow
def test_merging_is_reproducible(book: Book, tmp_path: Path) -> None:
    pdf = pikepdf.open(book.before)
    assert [f.tag for f in merge_subsets(pdf).faces] == [f.tag for f in book.report.faces]
    assert _save(pdf, tmp_path / "again.pdf").read_bytes() == book.after.read_bytes()
