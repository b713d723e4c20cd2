"""Press-ready PDFs end to end: the fixture books (tiny and full) built through the pipeline
with ``--press x1a`` and ``--press x4``, vertical and horizontal, on several trims, with and
without ``--marks``, and measured as a print shop does: the page count and the page plan
(台割), a page number on every page, ink on the black plate only, the PDF/X output intent
and keys, no annotations or transparency in PDF/X-1a, portrait pages, one font program per
face, qpdf and Ghostscript clean, our own preflight passing, crop marks outside the bleed,
text inside the safe zone, the title page and colophon on one page each. Also: a plain
build (no press) fails the preflight for its missing bleed only, the bound PDF is about as
small as the book laid out whole, colour images print in gray in a one-colour book, and a
press build is reproducible byte for byte.

The matrix is a covering set, not every combination: every factor value (book, writing
mode, trim, press, marks) at least twice for each book; the full book on all four trims in
both modes with ``x1a`` (the safe-zone check). Each book is built once per case per module,
lazily (a narrow test id builds only what it needs: see tests/mutants/press.toml).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main
from tougen_pub.diagnostics import BuildFailed, Diagnostics
from tougen_pub.options import BuildOptions
from tougen_pub.pdf.geometry import TRIMS
from tougen_pub.pipeline import BUILDERS, Built, build

pytestmark = pytest.mark.slow

BOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "books"
EPOCH = "1741910400"  # 2025-03-14T00:00:00Z
MM = 72 / 25.4
BLEED_MM = 3.0
SLUG_MM = 10.0
TO_KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")
PDFX_VERSION = {"x1a": "PDF/X-1a:2003", "x4": "PDF/X-4"}
DPI = 40  # crop-mark rendering


@dataclass(frozen=True)
class Case:
    """One press build."""

    book: str
    mode: str
    trim: str
    press: str
    marks: bool = False
    numerals: str | None = None

    def __str__(self) -> str:
        marks = "-marks" if self.marks else ""
        kanji = "-kanji" if self.numerals == "kanji" else ""
        return f"{self.book}-{self.mode}-{self.trim}-{self.press}{marks}{kanji}"


V, H = "vertical", "horizontal"
# The full book on every trim in both modes with x1a (safe zone, title page and colophon),
# two x4 builds of it; the tiny book on a5 and bunko, both modes, both presses.
FULL_X1A = [
    Case("full", V, "a5", "x1a", marks=True),
    Case("full", V, "b6", "x1a"),
    Case("full", V, "bunko", "x1a"),
    Case("full", V, "shinsho", "x1a", marks=True, numerals="kanji"),
    Case("full", H, "a5", "x1a"),
    Case("full", H, "b6", "x1a", marks=True),
    Case("full", H, "bunko", "x1a", marks=True),
    Case("full", H, "shinsho", "x1a"),
]
PRESS = [
    *FULL_X1A,
    Case("full", V, "bunko", "x4", marks=True),
    Case("full", H, "a5", "x4"),
    Case("tiny", V, "a5", "x4"),
    Case("tiny", V, "bunko", "x4", marks=True),
    Case("tiny", H, "a5", "x4", marks=True),
    Case("tiny", H, "bunko", "x4"),
    Case("tiny", V, "a5", "x1a", marks=True),
    Case("tiny", H, "bunko", "x1a"),
]
X1A = [c for c in PRESS if c.press == "x1a"]
X4 = [c for c in PRESS if c.press == "x4"]
MARKS = [c for c in PRESS if c.marks]
REPRODUCED = Case("tiny", V, "bunko", "x4", marks=True)

# Trims where the colophon (奥付) once ran onto a second page (none now).
COLOPHON_OVERFLOWS: set[tuple[str, str]] = set()


def test_the_matrix_covers_every_factor_twice_per_book() -> None:
    for book in ("tiny", "full"):
        cases = [c for c in PRESS if c.book == book]
        for factor, values in (
            ("mode", (V, H)),
            ("trim", ("a5", "bunko")),
            ("press", ("x1a", "x4")),
            ("marks", (True, False)),
        ):
            for value in values:
                count = sum(getattr(c, factor) == value for c in cases)
                assert count >= 2, (book, factor, value)


# -- building ---------------------------------------------------------------------------


class Recording:
    """The pipeline's PDF builder, keeping the build's diagnostics: a failed build (a press
    build fails on any preflight error) says which."""

    def __init__(self) -> None:
        self.inner = BUILDERS["pdf"]
        self.doing = self.inner.doing
        self.cover = self.inner.cover
        self.diags: Diagnostics | None = None

    def output_path(self, book: Any, mode: str, out: Path) -> Path:
        return self.inner.output_path(book, mode, out)

    def write(self, job: Any, options: BuildOptions, diags: Diagnostics, tmp: Path) -> Any:
        self.diags = diags
        return self.inner.write(job, options, diags, tmp)


def run_build(root: Path, out: Path, **options: Any) -> Built:
    """``build("pdf", …)`` as ``tougen-pub build pdf`` runs it, with a fixed build date."""
    recording = Recording()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.setenv("TOUGEN_PROGRESS", "0")
        try:
            return build("pdf", BuildOptions(root, out, **options), recording)
        except BuildFailed as exc:
            found = [d.format() for d in recording.diags or [] if d.level.value != "info"]
            pytest.fail(f"{exc}:\n" + "\n".join(found), pytrace=False)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def page_texts(path: Path) -> list[str]:
    """The text of every page (pdftotext: pages end with a form feed)."""
    text = run("pdftotext", "-enc", "UTF-8", str(path), "-").stdout
    return text.split("\f")[:-1]


def inkcov(path: Path) -> list[tuple[float, float, float, float]]:
    """Ghostscript's ink coverage (C, M, Y, K) of every page."""
    result = run("gs", "-q", "-o", "-", "-sDEVICE=inkcov", str(path))
    assert result.returncode == 0, result.stderr
    rows = re.findall(
        r"^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+CMYK OK", result.stdout, re.M
    )
    return [tuple(float(v) for v in row) for row in rows]  # type: ignore[misc]


def preflight_cli(path: Path, press: str | None = None) -> tuple[int, str]:
    args = ["preflight", str(path)] + (["--press", press] if press else [])
    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def folio(number: int, numerals: str | None) -> str:
    return str(number).translate(TO_KANJI) if numerals == "kanji" else str(number)


@dataclass
class Press:
    """One press build and what the checks read from it (each read once)."""

    case: Case
    built: Built

    @property
    def path(self) -> Path:
        return self.built.path

    @cached_property
    def texts(self) -> list[str]:
        return page_texts(self.path)

    @cached_property
    def plan(self) -> str:
        return self.path.with_name(self.path.stem + ".plan.txt").read_text(encoding="utf-8")

    @cached_property
    def preflight(self) -> tuple[int, str]:
        return preflight_cli(self.path, self.case.press)


@pytest.fixture(scope="module")
def press_build(tmp_path_factory: pytest.TempPathFactory):
    """``press_build(case)``: the book built for ``case`` (once per module)."""
    done: dict[Case, Press] = {}

    def get(case: Case) -> Press:
        if case not in done:
            out = tmp_path_factory.mktemp(str(case))
            built = run_build(
                BOOKS / case.book,
                out,
                writing_mode=case.mode,
                trim=case.trim,
                press=case.press,
                marks=case.marks,
                numerals=case.numerals,
            )
            done[case] = Press(case, built)
        return done[case]

    return get


# -- reading a PDF ----------------------------------------------------------------------


def objects(pdf: Any):
    """Every dictionary of the PDF (indirect objects and the direct ones inside them)."""
    import pikepdf

    def inner(obj: Any):
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            yield obj
            children = [obj.get(key) for key in obj.keys()]  # noqa: SIM118 - pikepdf keys
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            return
        for child in children:
            if isinstance(child, pikepdf.Object) and not child.is_indirect:
                yield from inner(child)

    for obj in pdf.objects:
        yield from inner(obj)


def box(page: Any, name: str) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in page.obj[name])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def darkest(img: Any) -> int:
    """The darkest value of a gray image (255: all white)."""
    low, _high = img.getextrema()
    return int(low)


def grown(b: tuple[float, float, float, float], by: float) -> tuple[float, ...]:
    return (b[0] - by, b[1] - by, b[2] + by, b[3] + by)


# -- every press build ------------------------------------------------------------------


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_page_count_is_a_multiple_of_4_with_its_page_plan(press_build, case: Case) -> None:
    """Blank pages at the end bring the count to a multiple of 4; NAME-MODE.plan.txt beside
    the PDF adds up to it and names the blanks; the build prints the plan in one line."""
    import pikepdf

    b = press_build(case)
    with pikepdf.open(b.path) as pdf:
        pages = len(pdf.pages)
    assert pages % 4 == 0, pages
    lines = b.plan.splitlines()
    assert lines[0].endswith(f": {pages} pages"), b.plan
    rows = [re.match(r"\s*(\d+)\s+(\d+)\s+(\S.*)", line) for line in lines[3:] if line.strip()]
    assert all(rows), b.plan
    sections = [(int(m[1]), int(m[2]), m[3]) for m in rows if m]
    blank_rows = [s for s in sections if s[2].startswith("白")]
    body = [s for s in sections if not s[2].startswith("白")]
    assert [s[2] for s in body[:2]] == ["扉", "目次"] and body[-1][2] == "奥付", b.plan
    expected = 1
    for first, count, _ in sections:  # contiguous, from page 1 to the last
        assert first == expected and count >= 1, b.plan
        expected = first + count
    assert expected == pages + 1, b.plan
    body_pages = sum(count for _, count, _ in body)
    blanks = (-body_pages) % 4
    assert sum(count for _, count, _ in blank_rows) == blanks, b.plan
    if blanks:
        assert blank_rows == [(body_pages + 1, blanks, blank_rows[0][2])], b.plan
        for number in range(body_pages + 1, pages + 1):  # blank but for the hidden ノンブル
            assert b.texts[number - 1].split() == [folio(number, case.numerals)]
    summary = [line for line in b.built.notes.lines if line.startswith("page plan:")]
    assert len(summary) == 1 and summary[0].startswith(f"page plan: {pages} pages"), summary
    assert (f"+ {blanks} blank" in summary[0]) == bool(blanks), summary


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_page_number_on_every_page(press_build, case: Case) -> None:
    """Every page shows its number (ノンブル), or hides it in the gutter (隠しノンブル):
    blank pages, title page, ToC, article openings and the colophon included."""
    b = press_build(case)
    assert b.texts
    missing = [
        n for n, text in enumerate(b.texts, 1) if folio(n, case.numerals) not in text.split()
    ]
    assert not missing, [(n, b.texts[n - 1][-80:]) for n in missing]


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_black_plate_only(press_build, case: Case) -> None:
    """A one-colour book prints on the black plate alone: no cyan, magenta or yellow ink on
    any page, crop marks included (Ghostscript's inkcov)."""
    b = press_build(case)
    cover = inkcov(b.path)
    assert len(cover) == len(b.texts)
    coloured = [(n, c) for n, c in enumerate(cover, 1) if c[:3] != (0.0, 0.0, 0.0)]
    assert not coloured, coloured
    assert all(c[3] > 0 for c in cover)  # every page has black: its page number at least


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_pdfx_output_intent_and_version(press_build, case: Case) -> None:
    """The GTS_PDFX output intent names Japan Color 2001 Coated (JC200103); the document
    information declares the PDF/X version (and /Trapped for the press)."""
    import pikepdf

    b = press_build(case)
    with pikepdf.open(b.path) as pdf:
        intents = pdf.Root.get("/OutputIntents")
        assert intents is not None and len(intents) == 1
        intent = intents[0]
        assert intent.get("/S") == pikepdf.Name.GTS_PDFX
        assert str(intent.get("/OutputConditionIdentifier")) == "JC200103"
        info = pdf.trailer.Info
        assert str(info.get("/GTS_PDFXVersion")) == PDFX_VERSION[case.press]
        assert info.get("/Trapped") == pikepdf.Name("/False")
        if case.press == "x1a":
            assert str(info.get("/GTS_PDFXConformance")) == "PDF/X-1a:2003"
        xmp = bytes(pdf.Root.Metadata.read_bytes()).decode()
        assert f"GTS_PDFXVersion>{PDFX_VERSION[case.press]}<" in xmp


@pytest.mark.parametrize("case", X1A, ids=str)
def test_x1a_has_no_annotations_no_transparency(press_build, case: Case) -> None:
    """PDF/X-1a:2003: PDF 1.4, no annotations (the links are dropped), no transparency
    groups, soft masks or constant alpha below 1."""
    import pikepdf

    b = press_build(case)
    with pikepdf.open(b.path) as pdf:
        assert pdf.pdf_version == "1.4"
        annotated = [n for n, p in enumerate(pdf.pages, 1) if "/Annots" in p.obj]
        assert not annotated, annotated
        found = []
        for d in objects(pdf):
            if d.get("/S") == pikepdf.Name.Transparency:
                found.append("transparency group")
            smask = d.get("/SMask")
            if smask is not None and smask != pikepdf.Name("/None"):
                found.append("soft mask")
            for key in ("/ca", "/CA"):
                if key in d and float(d[key]) < 1:
                    found.append(f"{key} {float(d[key])}")
        assert not found, sorted(set(found))


@pytest.mark.parametrize("case", X4, ids=str)
def test_x4_keeps_links_and_bookmarks(press_build, case: Case) -> None:
    import pikepdf

    b = press_build(case)
    with pikepdf.open(b.path) as pdf:
        assert any("/Annots" in p.obj for p in pdf.pages)  # the ToC's links
        assert "/Outlines" in pdf.Root and "/First" in pdf.Root.Outlines


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_portrait_pages_of_the_trim_size(press_build, case: Case) -> None:
    """Every page stands upright as stored (no /Rotate anywhere, a vertical book's turned
    pages flattened), its TrimBox the trim size."""
    import pikepdf

    b = press_build(case)
    width, height = (v * MM for v in TRIMS[case.trim])
    with pikepdf.open(b.path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            for name in ("/MediaBox", "/TrimBox"):
                x0, y0, x1, y1 = box(page, name)
                assert x1 - x0 < y1 - y0, (n, name)
            x0, y0, x1, y1 = box(page, "/TrimBox")
            assert (x1 - x0, y1 - y0) == pytest.approx((width, height), abs=0.05), n
        rotated = [d.objgen for d in objects(pdf) if "/Rotate" in d]
        assert not rotated, rotated


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_one_font_program_per_face(press_build, case: Case) -> None:
    """The parts of the book (and the blank pages at the end) are laid out separately;
    their subsets are merged into one embedded program per face."""
    import pikepdf

    b = press_build(case)
    programs: dict[str, set[tuple[int, int]]] = defaultdict(set)
    with pikepdf.open(b.path) as pdf:
        for d in objects(pdf):
            if d.get("/Type") != pikepdf.Name.Font or "/FontDescriptor" not in d:
                continue
            descriptor = d.FontDescriptor
            files = [descriptor[k] for k in ("/FontFile2", "/FontFile3") if k in descriptor]
            assert len(files) == 1, str(d.get("/BaseFont"))  # embedded
            face = str(d.BaseFont).split("+", 1)[-1]
            programs[face].add(files[0].objgen)
    assert programs
    assert {face: len(p) for face, p in programs.items()} == dict.fromkeys(programs, 1)


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_qpdf_and_ghostscript_read_it_cleanly(press_build, case: Case) -> None:
    b = press_build(case)
    check = run("qpdf", "--check", str(b.path))
    assert check.returncode == 0, check.stdout + check.stderr
    gs = run("gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(b.path))
    assert gs.returncode == 0 and not gs.stderr.strip() and not gs.stdout.strip(), gs


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_preflight_passes(press_build, case: Case) -> None:
    """The build's own preflight finds nothing (its one line in the build's output), and
    ``tougen-pub preflight FILE --press …`` exits 0 on the file."""
    b = press_build(case)
    line = f"preflight ({PDFX_VERSION[case.press]}): 0 error(s), 0 warning(s)"
    assert line in b.built.notes.lines, b.built.notes.lines
    status, output = b.preflight
    assert status == 0, output
    errors = [d for d in b.built.diagnostics if d.code.startswith("preflight-")]
    assert not errors, [d.format() for d in errors]


@pytest.mark.parametrize("case", PRESS, ids=str)
def test_bleed_and_slug_boxes(press_build, case: Case) -> None:
    """A 3 mm bleed around the trim; with --marks the MediaBox is 10 mm beyond the bleed
    (the slug, where the crop marks go), without them it is the BleedBox."""
    import pikepdf

    b = press_build(case)
    with pikepdf.open(b.path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            trim, bleed, media = (box(page, k) for k in ("/TrimBox", "/BleedBox", "/MediaBox"))
            assert bleed == pytest.approx(grown(trim, BLEED_MM * MM), abs=0.01), n
            slug = SLUG_MM * MM if case.marks else 0.0
            assert media == pytest.approx(grown(bleed, slug), abs=0.01), n


@pytest.mark.parametrize("case", MARKS, ids=str)
def test_crop_marks_outside_the_bleed(press_build, case: Case, tmp_path: Path) -> None:
    """Rendered at 40 dpi: every edge of the slug holds marks (not all white), the bleed
    band between the trim and the bleed line is white on every page."""
    import pikepdf
    from PIL import Image

    b = press_build(case)
    with pikepdf.open(b.path) as pdf:
        boxes = [(box(p, "/MediaBox"), box(p, "/BleedBox"), box(p, "/TrimBox")) for p in pdf.pages]
    for n, (media, bleed, _) in enumerate(boxes, 1):
        assert media == pytest.approx(grown(bleed, SLUG_MM * MM), abs=0.01), (n, "no slug")
    result = run("pdftoppm", "-r", str(DPI), "-gray", str(b.path), str(tmp_path / "p"))
    assert result.returncode == 0, result.stderr
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == len(boxes)
    s = DPI / 72
    for n, (image, (media, bleed, trim)) in enumerate(zip(images, boxes, strict=True), 1):
        with Image.open(image) as img:
            img.load()
            width, height = img.size

            def px(b: tuple[float, ...], media: tuple[float, ...] = media) -> tuple[float, ...]:
                """A box in pixels: left, top, right, bottom."""
                return ((b[0] - media[0]) * s, (media[3] - b[3]) * s,
                        (b[2] - media[0]) * s, (media[3] - b[1]) * s)  # fmt: skip

            bl, bt, br, bb = px(bleed)
            tl, tt, tr, tb = px(trim)
            slug = {
                "top": (0, 0, width, int(bt) - 1),
                "bottom": (0, int(bb) + 2, width, height),
                "left": (0, 0, int(bl) - 1, height),
                "right": (int(br) + 2, 0, width, height),
            }
            for edge, area in slug.items():
                low = darkest(img.crop(area))
                assert low < 255, (n, edge, "no marks in the slug")
            band = {
                "top": (int(bl) + 2, int(bt) + 2, int(br) - 1, int(tt) - 1),
                "bottom": (int(bl) + 2, int(tb) + 2, int(br) - 1, int(bb) - 1),
                "left": (int(bl) + 2, int(bt) + 2, int(tl) - 1, int(bb) - 1),
                "right": (int(tr) + 2, int(bt) + 2, int(br) - 1, int(bb) - 1),
            }
            for edge, area in band.items():
                assert area[2] > area[0] and area[3] > area[1], (n, edge, area)
                low = darkest(img.crop(area))
                assert low == 255, (n, edge, "ink in the bleed band")


# -- the full book: safe zone, title page and colophon -----------------------------------


@pytest.mark.parametrize("case", FULL_X1A, ids=str)
def test_text_inside_the_safe_zone(press_build, case: Case) -> None:
    """Running heads (柱), page numbers and the hidden ノンブル stay 5 mm inside the trim on
    every trim size, in both writing modes: the preflight finds no preflight-safe-zone."""
    b = press_build(case)
    _, output = b.preflight
    assert "[preflight-safe-zone]" not in output, output
    found = [d.format() for d in b.built.diagnostics if d.code == "preflight-safe-zone"]
    assert not found, found


def _one_page_param(case: Case) -> Any:
    if (case.mode, case.trim) in COLOPHON_OVERFLOWS:
        reason = "product bug: the colophon (奥付) runs onto a second page on this trim"
        return pytest.param(case, id=str(case), marks=pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(case, id=str(case))


@pytest.mark.parametrize(
    "case",
    [_one_page_param(c) for c in PRESS if c.book == "full"],
)
def test_title_page_and_colophon_take_one_page_each(press_build, case: Case) -> None:
    """In the page plan, 扉 is the title page and the blank back that makes the ToC open on
    its side (at most 2 pages, the second blank), 奥付 one page: on small trims (bunko,
    shinsho) as on large ones."""
    b = press_build(case)
    sections = {
        m[3]: (int(m[1]), int(m[2]))
        for m in re.finditer(r"^\s*(\d+)\s+(\d+)\s+(\S.*)$", b.plan, re.M)
    }
    first, pages = sections["扉"]
    assert first == 1 and pages <= 2, b.plan
    if pages == 2:  # the back of the title page: its hidden ノンブル only
        assert b.texts[1].split() == [folio(2, case.numerals)], b.texts[1]
    assert sections["奥付"][1] == 1, b.plan


# -- the plain build: what `make pdf` writes -------------------------------------------


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory):
    """``plain(book, parts)``: the book built as `make pdf` does (no press, no marks)."""
    done: dict[tuple[str, bool], Built] = {}

    def get(book: str, parts: bool = True) -> Built:
        if (book, parts) not in done:
            out = tmp_path_factory.mktemp(f"plain-{book}-{'parts' if parts else 'whole'}")
            done[book, parts] = run_build(BOOKS / book, out, parts=parts)
        return done[book, parts]

    return get


def test_plain_build_fails_the_preflight_for_its_bleed_only(plain) -> None:
    """A plain `make pdf` output is for reading: the preflight fails it, located at pages
    (``#page=``), for the missing bleed; its page numbers, colours, fonts and page count are
    already right."""
    status, output = preflight_cli(plain("tiny").path)
    assert status == 1, output
    assert re.search(r"\.pdf#page=\d+: error: .*\[preflight-bleed\]", output), output
    for code in ("folio", "rgb", "font-duplicate", "page-count"):
        assert f"[preflight-{code}]" not in output, output


@pytest.mark.parametrize(
    "book",
    [
        "tiny",
        "full",
    ],
)
def test_bound_pdf_is_as_small_as_the_whole(plain, book: str) -> None:
    """Laid out in parts and bound (font subsets merged), the PDF is at most 10 % larger
    than the book laid out as one document."""
    bound = plain(book).path.stat().st_size
    whole = plain(book, parts=False).path.stat().st_size
    assert bound <= 1.1 * whole, (bound, whole)


# -- preflight: a page out of order ----------------------------------------------------


def test_preflight_finds_a_page_out_of_order(press_build, tmp_path: Path) -> None:
    """Two pages swapped: each shows another page's number, and the preflight says so at
    both pages (preflight-folio) and exits 1."""
    import pikepdf

    source = press_build(Case("tiny", H, "bunko", "x1a")).path
    swapped = tmp_path / "swapped.pdf"
    with pikepdf.open(source) as pdf:
        fifth, sixth = pdf.pages[4], pdf.pages[5]
        pdf.pages[4], pdf.pages[5] = sixth, fifth
        pdf.save(swapped)
    status, output = preflight_cli(swapped, "x1a")
    assert status == 1, output
    found = re.findall(r"#page=(\d+): error: .*\[preflight-folio\]", output)
    assert found == ["5", "6"], output


# -- images in a one-colour book ---------------------------------------------------------


IMAGE_LINE = "![赤い四角と青い帯の図](../images/colour.png)"


@pytest.fixture(scope="module")
def colour_manuscript(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory):
    """``colour_manuscript(colour)``: a copy of tiny with a red and blue PNG (transparent
    round its edge) in article 1, and book.toml's ``[print] colour`` (None: the default)."""
    from PIL import Image, ImageDraw

    def make(colour: str | None) -> Path:
        root = tmp_path_factory.mktemp(f"colour-{colour}") / "ms"
        shutil.copytree(tiny_root, root)
        (root / "images").mkdir()
        img = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        draw.rectangle([20, 20, 299, 379], fill=(255, 0, 0, 255))
        draw.rectangle([300, 20, 579, 379], fill=(0, 0, 255, 255))
        img.save(root / "images" / "colour.png")
        article = root / "articles" / "01-hajimari.md"
        text = article.read_text(encoding="utf-8").rstrip("\n")
        article.write_text(f"{text}\n\n{IMAGE_LINE}\n", encoding="utf-8")
        if colour:
            toml = root / "book.toml"
            toml.write_text(
                toml.read_text(encoding="utf-8") + f'\n[print]\ncolour = "{colour}"\n',
                encoding="utf-8",
            )
        return root

    return make


def _image_spaces(path: Path) -> list[tuple[str, bool]]:
    """(colour space, has a soft mask) of every image XObject."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return [
            (str(d.get("/ColorSpace")), "/SMask" in d)
            for d in objects(pdf)
            if d.get("/Subtype") == pikepdf.Name.Image
        ]


def test_colour_image_printed_in_gray(colour_manuscript, tmp_path: Path) -> None:
    """[print] colour = "gray" (the default): the image is warned about where the article
    uses it (image-colour), embedded in gray flattened onto white, and no page has
    cyan, magenta or yellow ink."""
    root = colour_manuscript(None)
    built = run_build(root, tmp_path)
    article = root / "articles" / "01-hajimari.md"
    line = article.read_text(encoding="utf-8").splitlines().index(IMAGE_LINE) + 1
    warned = [d for d in built.diagnostics if d.code == "image-colour"]
    assert len(warned) == 1, [d.format() for d in built.diagnostics]
    where = warned[0].location
    assert where is not None and Path(where.path).resolve() == article.resolve(), where
    assert where.line == line, where
    assert _image_spaces(built.path) == [("/DeviceGray", False)]
    cover = inkcov(built.path)
    assert cover and all(c[:3] == (0.0, 0.0, 0.0) for c in cover), cover


def test_colour_book_keeps_colour_images(colour_manuscript, tmp_path: Path) -> None:
    """[print] colour = "colour": the image stays RGB, no warning, and it has ink on the
    colour plates (which the gray test above would see)."""
    built = run_build(colour_manuscript("colour"), tmp_path)
    assert not [d for d in built.diagnostics if d.code == "image-colour"]
    spaces = _image_spaces(built.path)
    assert [space for space, _ in spaces if space != "/DeviceGray"] == ["/DeviceRGB"], spaces
    assert any(c[0] > 0 and c[2] > 0 for c in inkcov(built.path))


# -- reproducible ------------------------------------------------------------------------


def test_press_build_is_reproducible(press_build, tmp_path: Path) -> None:
    """The same press build again (x4 with marks, in another folder, with the page numbers
    of the first build in its cache) gives the same bytes and the same page plan."""
    first = press_build(REPRODUCED)
    again = tmp_path / "again"
    shutil.copytree(first.path.parent, again)
    (again / first.path.name).unlink()
    built = run_build(
        BOOKS / REPRODUCED.book,
        again,
        writing_mode=REPRODUCED.mode,
        trim=REPRODUCED.trim,
        press=REPRODUCED.press,
        marks=True,
    )
    assert built.path.read_bytes() == first.path.read_bytes()
    assert built.path.with_name(built.path.stem + ".plan.txt").read_text(encoding="utf-8") == (
        first.plan
    )
