"""The bad-PDF corpus: one small PDF per preflight fault, each run through the CLI.

Every case starts from a clean base PDF laid out by WeasyPrint (A5, 3 mm bleed, a page
number in the bottom margin of each of its 4 pages, K-only text in IPAex fonts), which
``tougen-pub preflight`` passes without a finding; the case changes one thing, with other
HTML/CSS or with pikepdf. ``tougen-pub preflight FILE.pdf [--press …]`` must report the
case's code at its place (``FILE.pdf#page=N``, or ``FILE.pdf`` for the whole file) and
level, exit 1 on an error (0 when only warnings or info), print no traceback, and report no
other error or warning than the ones the case names.

test_codes.py checks that every ``preflight-…`` code README documents has a case here.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image

from machine import need_font
from tougen_pub.cli import main

MM = 72 / 25.4
FILE = "book.pdf"

# -- the base PDF -------------------------------------------------------------------------

PAGES = tuple(f"<p>本文の{n}ページ目です。日本語の文章が続きます。</p>" for n in range(1, 5))
CSS = """\
@font-face {{ font-family: Mincho; src: url({mincho}); }}
@font-face {{ font-family: Gothic; src: url({gothic}); }}
@page {{ size: A5; bleed: {bleed}; margin: 20mm;
  @bottom-center {{ content: counter(page); font-family: Mincho; font-size: 9pt; }} }}
html {{ color: device-cmyk(0 0 0 1); font-family: Mincho; font-size: 10pt; }}
section {{ break-after: page; }}
h2 {{ font-family: Gothic; font-size: 12pt; }}
a {{ color: inherit; text-decoration: none; }}
{extra}
"""


@functools.cache
def render(pages: tuple[str, ...] = PAGES, css: str = "", bleed: str = "3mm") -> bytes:
    """The base document's PDF with ``pages`` as the page bodies and ``css`` added."""
    import weasyprint

    mincho, gothic = need_font("IPAexMincho")[0], need_font("IPAexGothic")[0]
    style = CSS.format(mincho=mincho.as_uri(), gothic=gothic.as_uri(), bleed=bleed, extra=css)
    body = "".join(f"<section>{page}</section>" for page in pages)
    html = f'<html lang="ja"><head><style>{style}</style></head><body>{body}</body></html>'
    return bytes(weasyprint.HTML(string=html).write_pdf())


def on_page(number: int, html: str, pages: tuple[str, ...] = PAGES) -> tuple[str, ...]:
    """The page bodies with ``html`` added to page ``number``."""
    return tuple(p + html if n == number else p for n, p in enumerate(pages, 1))


def png(mode: str, size: int, colour: int | tuple[int, ...]) -> str:
    """A one-colour PNG as a data: URL."""
    out = io.BytesIO()
    Image.new(mode, (size, size), colour).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / FILE
    path.write_bytes(data)
    return path


def edit(
    data: bytes, change: Callable[[pikepdf.Pdf], None], *, version: str | None = None
) -> bytes:
    """``data`` changed with pikepdf (``version``: saved as that PDF version)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(
            out,
            force_version=version,
            object_stream_mode=(
                pikepdf.ObjectStreamMode.disable
                if version == "1.4"
                else pikepdf.ObjectStreamMode.preserve
            ),
        )
    return out.getvalue()


def own_resources(page: pikepdf.Page) -> pikepdf.Dictionary:
    """The page's resources, no longer shared with the other pages (WeasyPrint shares one
    dictionary), with a font dictionary of its own."""
    shared = page.obj.Resources
    resources = pikepdf.Dictionary({key: value for key, value in shared.items()})
    resources.Font = pikepdf.Dictionary({key: value for key, value in shared.Font.items()})
    page.obj.Resources = resources
    return resources


def draw(pdf: pikepdf.Pdf, page: pikepdf.Page, operators: bytes) -> None:
    """Append ``operators`` to the page's content, in default user space."""
    page.contents_coalesce()
    old = page.obj.Contents.read_bytes()
    page.obj.Contents = pdf.make_stream(b"q\n" + old + b"\nQ\n" + operators)


PDFX = {"x1a": "PDF/X-1a:2003", "x4": "PDF/X-4"}


def declare(
    pdf: pikepdf.Pdf, press: str, *, intent: bool = True, version: bool = True, trapped: bool = True
) -> None:
    """The PDF/X keys by hand (not with tougen-pub's own pdfx module): the Japan Color
    output intent, GTS_PDFXVersion and /Trapped."""
    if intent:
        pdf.Root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFX,
                    OutputConditionIdentifier=pikepdf.String("JC200103"),
                    RegistryName=pikepdf.String("http://www.color.org"),
                )
            ]
        )
    if version:
        pdf.docinfo["/GTS_PDFXVersion"] = pikepdf.String(PDFX[press])
    if trapped:
        pdf.docinfo["/Trapped"] = pikepdf.Name("/False")


def pressed(data: bytes, press: str | None, **keys: bool) -> bytes:
    """``data`` as a file for ``press``: PDF/X keys for x1a and x4 (X-1a: PDF 1.4)."""
    if press not in PDFX:
        return data
    return edit(
        data, lambda pdf: declare(pdf, press, **keys), version="1.4" if press == "x1a" else None
    )


def kdp_base() -> bytes:
    return render(bleed="0.125in")


# -- the faults -----------------------------------------------------------------------------


def _no_trimbox(tmp_path: Path) -> Path:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[1].obj["/TrimBox"]

    return write(tmp_path, edit(render(), change))


def _no_bleed(tmp_path: Path) -> Path:
    return write(tmp_path, render(bleed="0"))


def _kdp_short_bleed(tmp_path: Path) -> Path:
    return write(tmp_path, render())  # 3 mm: KDP asks for 0.125 in (3.175 mm)


def _bleed_box_beyond_media(tmp_path: Path) -> Path:
    """A BleedBox 3 mm beyond a MediaBox that is only the trim: there is nothing to cut."""

    def change(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            page.obj.MediaBox = page.obj.TrimBox

    return write(tmp_path, edit(render(), change))


def grow_media(pdf: pikepdf.Pdf, mm: float = 10.0) -> None:
    """The MediaBox 10 mm larger on every side (room for crop marks), the BleedBox kept."""
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
        page.obj.BleedBox = pikepdf.Array([x0, y0, x1, y1])
        d = mm * MM
        page.obj.MediaBox = pikepdf.Array([x0 - d, y0 - d, x1 + d, y1 + d])


def _kdp_marks(tmp_path: Path) -> Path:
    return write(tmp_path, edit(kdp_base(), grow_media))


def _rotated(tmp_path: Path) -> Path:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.pages[2].obj.Rotate = 90

    return write(tmp_path, edit(render(), change))


def _three_pages(tmp_path: Path) -> Path:
    return write(tmp_path, render(PAGES[:3]))


def _no_folio(tmp_path: Path) -> Path:
    return write(tmp_path, render(css="@page :nth(3) { @bottom-center { content: none; } }"))


def _folio_in_the_text(line: str) -> Callable[[Path], Path]:
    """Page 3 has no number in its margins, only a line "3" in its text."""

    def make(tmp_path: Path) -> Path:
        css = "@page :nth(3) { @bottom-center { content: none; } }"
        return write(tmp_path, render(on_page(3, line), css))

    return make


MID_PAGE_3 = '<p style="margin-top: 60mm; text-align: center">3</p>'  # far from every edge
LINE_START_3 = "<p>3</p>"  # at the start of a line: 20 mm from the left edge


TYPE3_GLYPH = b"1000 0 0 0 750 750 d1 0 0 750 750 re f"


def _type3_font(tmp_path: Path) -> Path:
    def change(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[1]
        own_resources(page).Font.T3 = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type3,
                FontBBox=pikepdf.Array([0, 0, 1000, 1000]),
                FontMatrix=pikepdf.Array([0.001, 0, 0, 0.001, 0, 0]),
                CharProcs=pikepdf.Dictionary(a=pdf.make_stream(TYPE3_GLYPH)),
                Encoding=pikepdf.Dictionary(
                    Type=pikepdf.Name.Encoding, Differences=pikepdf.Array([97, pikepdf.Name.a])
                ),
                FirstChar=97,
                LastChar=97,
                Widths=pikepdf.Array([1000]),
                Resources=pikepdf.Dictionary(),
            )
        )
        draw(pdf, page, b"0 0 0 1 k BT /T3 12 Tf 150 300 Td (a) Tj ET")

    return write(tmp_path, edit(render(), change))


def _font_not_embedded(tmp_path: Path) -> Path:
    def change(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[1]
        own_resources(page).Font.F9 = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica,
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        )
        draw(pdf, page, b"0 0 0 1 k BT /F9 12 Tf 150 300 Td (x) Tj ET")

    return write(tmp_path, edit(render(), change))


def _two_subsets(tmp_path: Path) -> Path:
    """Pages 1–2 and 3–4 laid out separately (as parts of a book are), bound without merging
    their fonts: the face is embedded as two programs under one subset tag."""
    first = render(PAGES[:2])
    second = render(PAGES[2:], "@page :first { counter-reset: page 3; }")
    with pikepdf.open(io.BytesIO(first)) as pdf, pikepdf.open(io.BytesIO(second)) as other:
        pdf.pages.extend(other.pages)
        out = io.BytesIO()
        pdf.save(out)
    return write(tmp_path, out.getvalue())


def _one_tag_two_faces(tmp_path: Path) -> Path:
    """The Gothic subset renamed to the Mincho subset's tag: one tag names two programs."""
    pages = on_page(2, "<h2>見出しの文字</h2>")

    def change(pdf: pikepdf.Pdf) -> None:
        fonts = {str(f.BaseFont): f for f in pdf.pages[1].Resources.Font.values()}
        mincho = next(name for name in fonts if name.endswith("+Mincho"))
        gothic = next(name for name in fonts if "+Gothic" in name)
        renamed = pikepdf.Name(mincho.split("+")[0] + "+" + gothic.split("+")[1])
        font = fonts[gothic]
        font.BaseFont = renamed
        font.DescendantFonts[0].BaseFont = renamed
        font.DescendantFonts[0].FontDescriptor.FontName = renamed

    return write(tmp_path, edit(render(pages), change))


def _red_text(tmp_path: Path) -> Path:
    return write(tmp_path, render(on_page(2, '<p style="color: red">赤い文字。</p>')))


def _kdp_red_text(tmp_path: Path) -> Path:
    pages = on_page(2, '<p style="color: red">赤い文字。</p>')
    return write(tmp_path, render(pages, bleed="0.125in"))


def _rgb_image(tmp_path: Path) -> Path:
    image = f'<img src="{png("RGB", 400, (200, 30, 30))}" style="width: 25.4mm" alt="">'
    return write(tmp_path, render(on_page(2, image)))  # 400 ppi: only the colour is wrong


def _rgb_vector(tmp_path: Path) -> Path:
    block = '<div style="height: 10mm; background: rgb(0, 90, 200)"></div>'
    return write(tmp_path, render(on_page(2, block)))


def _half_opaque(press: str | None) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        pages = on_page(2, '<p style="opacity: .5">薄い文字。</p>')
        return write(tmp_path, pressed(render(pages), press))

    return make


def _link(press: str | None) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        pages = on_page(2, '<p><a href="https://example.org/">外へのリンク</a></p>')
        return write(tmp_path, pressed(render(pages), press))

    return make


def _declared(press: str, **keys: bool) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        return write(tmp_path, pressed(render(), press, **keys))

    return make


def _x1a_as_pdf17(tmp_path: Path) -> Path:
    return write(tmp_path, edit(render(), lambda pdf: declare(pdf, "x1a"), version="1.7"))


def _x4_declares_x3(tmp_path: Path) -> Path:
    def change(pdf: pikepdf.Pdf) -> None:
        declare(pdf, "x4")
        pdf.docinfo["/GTS_PDFXVersion"] = pikepdf.String("PDF/X-3:2002")

    return write(tmp_path, edit(render(), change))


def _text_at_the_edge(tmp_path: Path) -> Path:
    """A line whose top is 2 mm below the top edge of the trim (the margin is 20 mm)."""
    near = '<div style="position: absolute; top: -18mm; left: 40mm; line-height: 1">端の文字</div>'
    return write(tmp_path, render(on_page(2, near)))


def _low_resolution_image(tmp_path: Path) -> Path:
    image = f'<img src="{png("L", 72, 128)}" style="width: 25.4mm" alt="">'  # 72 ppi, gray
    return write(tmp_path, render(on_page(2, image)))


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]  # tmp_path → the PDF
    code: str
    page: int | None  # None: a finding about the whole file
    level: str
    press: str | None = None
    multiple: int = 4
    also: frozenset[str] = field(default_factory=frozenset)  # other codes that may appear
    says: str = ""  # a part of the message, checked when given

    kind = "preflight"

    @property
    def expected_level(self) -> str:
        return self.level

    @property
    def exit(self) -> int:
        return 1 if self.level == "error" else 0

    def args(self, pdf: Path) -> list[str]:
        press = ["--press", self.press] if self.press else []
        return ["preflight", str(pdf), *press, "--pages-multiple", str(self.multiple)]


CASES = [
    # -- boxes and bleed ----------------------------------------------------------------------
    Case("no-trimbox", _no_trimbox, "preflight-boxes", 2, "error", says="no TrimBox"),
    Case("no-bleed", _no_bleed, "preflight-bleed", 1, "error", says="bleed 0.0 mm"),
    Case(
        "kdp-3mm-bleed",
        _kdp_short_bleed,
        "preflight-bleed",
        1,
        "error",
        press="kdp",
        says="(pages 1–4)",  # the four pages' findings are one
    ),
    Case("kdp-crop-marks", _kdp_marks, "preflight-marks", 1, "error", press="kdp"),
    Case("rotated-page", _rotated, "preflight-rotate", 3, "warning", says="1 page(s)"),
    # -- pages ----------------------------------------------------------------------------------
    Case("three-pages", _three_pages, "preflight-page-count", None, "error", says="1 blank"),
    Case(
        "four-of-eight",
        lambda tmp_path: write(tmp_path, render()),
        "preflight-page-count",
        None,
        "error",
        multiple=8,
        says="4 blank page(s) short",
    ),
    Case("page-without-number", _no_folio, "preflight-folio", 3, "error"),
    Case("number-in-the-text", _folio_in_the_text(MID_PAGE_3), "preflight-folio", 3, "error"),
    # -- fonts ----------------------------------------------------------------------------------
    Case("type3-font", _type3_font, "preflight-font-type3", 2, "error"),
    Case(
        "font-not-embedded",
        _font_not_embedded,
        "preflight-font-embed",
        2,
        "error",
        says="Helvetica",
    ),
    Case(
        "face-in-two-subsets",
        _two_subsets,
        "preflight-font-duplicate",
        None,
        "error",
        says="2 different programs",
    ),
    Case(
        "one-tag-two-faces",
        _one_tag_two_faces,
        "preflight-font-duplicate",
        None,
        "error",
        says="subset tag",
    ),
    # -- colour and transparency -----------------------------------------------------------------
    Case("rgb-text", _red_text, "preflight-rgb", 2, "error", says="DeviceRGB"),
    Case("rgb-image", _rgb_image, "preflight-rgb", 2, "error", says="image"),
    Case("rgb-background", _rgb_vector, "preflight-rgb", 2, "error"),
    Case("kdp-rgb-text", _kdp_red_text, "preflight-rgb", 2, "warning", press="kdp"),
    Case("x1a-opacity", _half_opaque("x1a"), "preflight-transparency", 2, "error", press="x1a"),
    Case("opacity", _half_opaque(None), "preflight-transparency", 2, "info"),
    Case("x1a-link", _link("x1a"), "preflight-annotations", 2, "error", press="x1a"),
    # -- PDF/X ----------------------------------------------------------------------------------
    Case(
        "x4-no-output-intent",
        _declared("x4", intent=False),
        "preflight-output-intent",
        None,
        "error",
        press="x4",
    ),
    Case(
        "x1a-nothing-declared",
        lambda tmp_path: write(tmp_path, render()),
        "preflight-output-intent",
        None,
        "error",
        press="x1a",
        also=frozenset({"preflight-pdfx-version"}),  # no version, no /Trapped, PDF 1.7 too
    ),
    Case(
        "x4-no-version",
        _declared("x4", version=False),
        "preflight-pdfx-version",
        None,
        "error",
        press="x4",
        says="no PDF/X version",
    ),
    Case(
        "x4-declares-x3",
        _x4_declares_x3,
        "preflight-pdfx-version",
        None,
        "error",
        press="x4",
        says="PDF/X-3:2002",
    ),
    Case(
        "x1a-no-trapped",
        _declared("x1a", trapped=False),
        "preflight-pdfx-version",
        None,
        "error",
        press="x1a",
        says="/Trapped",
    ),
    Case(
        "x1a-pdf-1.7",
        _x1a_as_pdf17,
        "preflight-pdfx-version",
        None,
        "error",
        press="x1a",
        says="PDF 1.7",
    ),
    # -- placement ------------------------------------------------------------------------------
    Case(
        "text-at-the-edge", _text_at_the_edge, "preflight-safe-zone", 2, "warning", says="端の文字"
    ),
    Case("72-ppi-image", _low_resolution_image, "preflight-image-ppi", 2, "warning", says="72 ppi"),
]


def _kanji_folios(tmp_path: Path) -> Path:
    css = "@page { @bottom-center { content: counter(page, cjk-decimal); } }"
    return write(tmp_path, render(css=css))


def _fine_image(tmp_path: Path) -> Path:
    image = f'<img src="{png("L", 400, 90)}" style="width: 25.4mm" alt="">'  # 400 ppi, gray
    return write(tmp_path, render(on_page(2, image)))


# (name, make, press, pages multiple): PDFs that pass without an error or warning.
FINE: list[tuple[str, Callable[[Path], Path], str | None, int]] = [
    ("base", lambda tmp_path: write(tmp_path, render()), None, 4),
    ("x1a", _declared("x1a"), "x1a", 4),
    ("x4", _declared("x4"), "x4", 4),
    ("x4-link", _link("x4"), "x4", 4),  # PDF/X-4 allows links
    ("kdp", lambda tmp_path: write(tmp_path, kdp_base()), "kdp", 4),
    ("crop-marks", lambda tmp_path: write(tmp_path, edit(render(), grow_media)), None, 4),
    ("kanji-folios", _kanji_folios, None, 4),
    ("three-pages-any-count", _three_pages, None, 1),
    ("gray-400-ppi-image", _fine_image, None, 4),
]

# -- running the CLI ---------------------------------------------------------------------------

# The line of the preflight's table for each code.
TABLE_ROWS = {
    "preflight-boxes": "boxes and bleed",
    "preflight-bleed": "boxes and bleed",
    "preflight-marks": "boxes and bleed",
    "preflight-rotate": "portrait pages",
    "preflight-page-count": "page count",
    "preflight-folio": "ノンブル on every page",
    "preflight-font-type3": "fonts",
    "preflight-font-embed": "fonts",
    "preflight-font-duplicate": "fonts",
    "preflight-rgb": "colour spaces",
    "preflight-transparency": "transparency",
    "preflight-annotations": "annotations",
    "preflight-output-intent": "PDF/X output intent and keys",
    "preflight-pdfx-version": "PDF/X output intent and keys",
    "preflight-safe-zone": "text in the safe zone",
    "preflight-image-ppi": "image resolution",
}

FINDING = re.compile(
    r"^(?P<path>.+?): (?P<level>error|warning|info): (?P<msg>.+) \[(?P<code>[a-z0-9-]+)\]$"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    return result.exit_code, result.output


def findings(output: str) -> list[re.Match[str]]:
    found = []
    for line in output.splitlines():
        if re.search(r": (error|warning|info): ", line):
            m = FINDING.match(line)
            assert m, f"finding not in FILE.pdf[#page=N]: level: message [code] form: {line!r}"
            found.append(m)
    return found


def location(pdf: Path, page: int | None) -> str:
    return f"{pdf}#page={page}" if page else str(pdf)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_pdf(tmp_path: Path, case: Case) -> None:
    pdf = case.make(tmp_path)
    code, out = run(*case.args(pdf))
    assert "Traceback" not in out, out
    assert code == case.exit, out
    found = findings(out)
    hits = [f for f in found if f["code"] == case.code and f["path"] == location(pdf, case.page)]
    assert hits, f"expected [{case.code}] at {location(pdf, case.page)}:\n{out}"
    assert {f["level"] for f in hits} == {case.level}, out
    assert any(case.says in f["msg"] for f in hits), f"expected {case.says!r} in:\n{out}"
    unexpected = {
        f["code"]
        for f in found
        if f["level"] != "info" and f["code"] not in {case.code, *case.also}
    }
    assert not unexpected, f"one fault, but also {unexpected}:\n{out}"
    assert all(f["path"].startswith(str(pdf)) for f in found), out
    # The table's line for the check that found it gives its level.
    row = rf"^  {re.escape(TABLE_ROWS[case.code])} +{case.level}: \d+ finding\(s\)$"
    assert re.search(row, out, re.M), out


@pytest.mark.parametrize("name, make, press, multiple", FINE, ids=[f[0] for f in FINE])
def test_fine_pdf(
    tmp_path: Path, name: str, make: Callable[[Path], Path], press: str | None, multiple: int
) -> None:
    pdf = make(tmp_path)
    args = ["preflight", str(pdf), "--pages-multiple", str(multiple)]
    code, out = run(*args, *(["--press", press] if press else []))
    assert code == 0, out
    assert "Traceback" not in out
    assert not [f.group(0) for f in findings(out) if f["level"] != "info"], out


def test_base_pdf_has_no_finding_at_all(tmp_path: Path) -> None:
    pdf = write(tmp_path, render())
    code, out = run("preflight", str(pdf))
    assert code == 0, out
    assert findings(out) == [], out
    table = out.strip().splitlines()
    assert table[0] == "preflight (any press), 4 pages:", out
    assert len(table) == 12 and all(line.endswith("  ok") for line in table[1:]), out


def test_quiet_prints_only_the_findings(tmp_path: Path) -> None:
    """-q: no table, no info; errors and warnings stay."""
    pdf = _half_opaque(None)(tmp_path)
    code, out = run("preflight", str(pdf), "-q")
    assert code == 0 and out == "", out
    code, out = run("preflight", str(_no_folio(tmp_path)), "-q")
    assert code == 1, out
    assert [f["code"] for f in findings(out)] == ["preflight-folio"], out
    assert "preflight (" not in out


def test_findings_are_ordered_file_first_then_by_page(tmp_path: Path) -> None:
    """Several faults at once: the findings about the file first, then page by page."""

    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[3].obj["/TrimBox"]
        pdf.pages[1].obj.Rotate = 90

    data = edit(render(PAGES[:3] + (PAGES[0], PAGES[1])), change)  # 5 pages
    pdf = write(tmp_path, data)
    code, out = run("preflight", str(pdf), "-q")
    assert code == 1, out
    assert [(f["path"], f["code"]) for f in findings(out)] == [
        (str(pdf), "preflight-page-count"),
        (f"{pdf}#page=2", "preflight-rotate"),
        (f"{pdf}#page=4", "preflight-boxes"),
    ], out


@pytest.mark.parametrize(
    "content",
    [pytest.param(None, id="missing"), b"", b"not a PDF\n", b"%PDF-1.7\n1 0 obj\n<<"],
    ids=["missing", "empty", "text", "truncated"],
)
def test_unreadable_file_is_one_line(tmp_path: Path, content: bytes | None) -> None:
    pdf = tmp_path / "broken.pdf"
    if content is not None:
        pdf.write_bytes(content)
    code, out = run("preflight", str(pdf))
    assert code == 1, out
    assert "Traceback" not in out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tougen-pub: {pdf}: "), out


# -- known misjudgements (strict: each must fail until the preflight is fixed) ---------------


def test_transparency_only_where_it_is_used(tmp_path: Path) -> None:
    pdf = _half_opaque("x1a")(tmp_path)
    code, out = run("preflight", str(pdf), "--press", "x1a", "-q")
    pages = [f["path"] for f in findings(out) if f["code"] == "preflight-transparency"]
    assert pages == [f"{pdf}#page=2"], out


def test_rgb_gradient_is_found(tmp_path: Path) -> None:
    block = '<div style="height: 10mm; background: linear-gradient(red, blue)"></div>'
    pdf = write(tmp_path, render(on_page(2, block)))
    code, out = run("preflight", str(pdf), "-q")
    assert code == 1 and [f["code"] for f in findings(out)] == ["preflight-rgb"], out


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="bug: a page number is any run within 25 mm (FOLIO_ZONE_MM) of an edge, and every "
    "margin of tougen-pub's trims is narrower: a body line holding just the number passes",
)
def test_number_at_a_line_start_is_no_folio(tmp_path: Path) -> None:
    pdf = _folio_in_the_text(LINE_START_3)(tmp_path)
    code, out = run("preflight", str(pdf), "-q")
    assert code == 1 and f"{pdf}#page=3: error:" in out, out


def test_bleed_box_beyond_the_media_box_is_no_bleed(tmp_path: Path) -> None:
    pdf = _bleed_box_beyond_media(tmp_path)
    code, out = run("preflight", str(pdf), "-q")
    assert code == 1 and "[preflight-bleed]" in out, out


def test_corpus_covers_every_preflight_code() -> None:
    """Every code the preflight can give has a case (test_codes.py checks README's side)."""
    from tougen_pub.pdf.preflight import checks

    source = Path(checks.__file__).read_text("utf-8")
    codes = set(re.findall(r'"(preflight-[a-z0-9-]+)"', source))
    assert codes and codes <= {c.code for c in CASES}, codes - {c.code for c in CASES}
    assert set(TABLE_ROWS) == codes
    names = [c.name for c in CASES] + [f[0] for f in FINE]
    assert len(set(names)) == len(names)
