"""The page of one edition: trim sizes and margins, the type area (:class:`Geometry`), and
the generated part of the print stylesheet (fonts, page size and margins, body size)."""

from __future__ import annotations

from dataclasses import dataclass

from tougen_pub.config import Margins
from tougen_pub.model import Book

MM = 72 / 25.4  # points per millimetre

# Trim sizes (portrait, mm) and default margins (mm, book page orientation).
TRIMS: dict[str, tuple[float, float]] = {
    "a5": (148.0, 210.0),
    "b6": (128.0, 182.0),
    "bunko": (105.0, 148.0),
    "shinsho": (103.0, 182.0),
}
MARGIN_PRESETS: dict[str, dict[str, Margins]] = {
    "horizontal": {
        "a5": Margins(top=20, bottom=22, inner=20, outer=16),
        "b6": Margins(top=17, bottom=19, inner=17, outer=14),
        "bunko": Margins(top=14, bottom=16, inner=14, outer=11),
        "shinsho": Margins(top=17, bottom=19, inner=15, outer=12),
    },
    "vertical": {
        "a5": Margins(top=24, bottom=20, inner=20, outer=16),
        "b6": Margins(top=20, bottom=17, inner=17, outer=14),
        "bunko": Margins(top=16, bottom=14, inner=14, outer=11),
        "shinsho": Margins(top=20, bottom=17, inner=15, outer=12),
    },
}
SMALL_TRIMS = frozenset({"bunko", "shinsho"})  # pocket books: a compact colophon
SAFE_MM = 5.0  # text this far inside the trim at least (printers cut up to ~3 mm off)
HEAD_GAP_MM = 4.0  # between the text block and a running head, where the margin allows
HEAD_PT = 7.5  # size of the running heads (print-*.css)
BLEED_MM = 3.0  # beyond the trim, for the printer; KDP asks for 0.125 in
KDP_BLEED_MM = 3.175
STYLESHEETS = {
    "horizontal": ("print.css", "print-horizontal.css"),
    "vertical": ("print.css", "print-vertical.css"),
}
FAMILIES = {"mincho": "TougenMincho", "gothic": "TougenGothic"}


@dataclass(frozen=True)
class Geometry:
    """The type area of one edition: a whole number of characters per line (column)."""

    mode: str
    trim: str
    page_w: float  # pt, book page (portrait)
    page_h: float
    margins: Margins  # mm, as configured or preset
    font_size: float  # pt
    line_height: float  # multiple of font_size
    chars: int  # characters per line (horizontal) or per column (vertical)
    # final margins in pt, book orientation, after rounding the measure to whole characters
    top: float
    bottom: float
    inner: float
    outer: float

    @property
    def measure_pt(self) -> float:
        return self.chars * self.font_size


def geometry(book: Book, mode: str, trim: str) -> Geometry:
    cfg = book.config.print
    w_mm, h_mm = TRIMS[trim]
    m = cfg.margins.get(trim) or MARGIN_PRESETS[mode][trim]  # type: ignore[call-overload]
    size = cfg.font_size
    top, bottom, inner, outer = (m.top * MM, m.bottom * MM, m.inner * MM, m.outer * MM)
    if mode == "horizontal":
        avail = w_mm * MM - inner - outer
        chars = max(int(avail // size), 5)
        spare = avail - chars * size
        inner += spare / 2
        outer += spare / 2
    else:
        avail = h_mm * MM - top - bottom
        chars = max(int(avail // size), 5)
        spare = avail - chars * size
        top += spare / 2
        bottom += spare / 2
    return Geometry(
        mode, trim, w_mm * MM, h_mm * MM, m, size, cfg.line_height, chars, top, bottom, inner, outer
    )


# Lines of the text block a printed image leaves free: the figure's margins and a heading
# (## or ###, with its space before) that print.css keeps on the image's page.
IMAGE_FREE_LINES = 3


def image_box(g: Geometry) -> tuple[float, float]:
    """The largest printed image (pt, book page orientation): the text block, less
    :data:`IMAGE_FREE_LINES` lines in the block direction, so that a heading followed by a
    full-page image moves to the image's page with it (never ends a page alone)."""
    line = g.font_size * g.line_height * IMAGE_FREE_LINES
    width = g.page_w - g.inner - g.outer
    height = g.page_h - g.top - g.bottom
    if g.mode == "vertical":
        return width - line, height
    return width, height - line


def _css_string(text: str) -> str:
    return (
        '"'
        + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
        + '"'
    )


def page_css(
    g: Geometry, *, title: str, bleed_mm: float, numerals: str, font_urls: dict[str, str]
) -> str:
    """The generated part of the stylesheet: fonts, page size and margins, body size.

    ``bleed_mm``: room beyond the trim (press output); crop marks are drawn after layout
    (:mod:`tougen_pub.pdf.press.marks`), never by WeasyPrint."""
    out = [
        f'@font-face {{ font-family: {FAMILIES["mincho"]}; src: url("{font_urls["mincho"]}"); }}',
        f'@font-face {{ font-family: {FAMILIES["gothic"]}; src: url("{font_urls["gothic"]}"); }}',
        f"html {{ font-size: {g.font_size}pt; line-height: {g.line_height}; }}",
    ]
    bleed = f"bleed: {bleed_mm:g}mm;" if bleed_mm else ""
    if g.mode == "horizontal":
        out += [
            f"@page {{ size: {g.page_w:.3f}pt {g.page_h:.3f}pt; {bleed}"
            f" margin-top: {g.top:.3f}pt; margin-bottom: {g.bottom:.3f}pt; }}",
            f"@page :right {{ margin-left: {g.inner:.3f}pt; margin-right: {g.outer:.3f}pt; }}",
            f"@page :left {{ margin-left: {g.outer:.3f}pt; margin-right: {g.inner:.3f}pt;"
            f" @top-left {{ content: {_css_string(title)}; }} }}",
        ]
    else:
        # Landscape layout page: its left edge is the book page's top (天), its right
        # edge the foot (地). A right-bound book: odd pages are left-hand pages, whose
        # spine (のど) is on the book page's right = the layout page's top.
        # 柱 in the fore-edge margin: as close to the text as needed to stay in the
        # safe zone of small trims
        gap = max(1.0, min(HEAD_GAP_MM, g.margins.outer - SAFE_MM - HEAD_PT / MM))
        out += [
            f"@page {{ size: {g.page_h:.3f}pt {g.page_w:.3f}pt; {bleed}"
            f" margin-left: {g.top:.3f}pt; margin-right: {g.bottom:.3f}pt;"
            f" @top-left {{ padding-bottom: {gap:.2f}mm; }}"
            f" @bottom-left {{ padding-top: {gap:.2f}mm; }} }}",
            f"@page :left {{ margin-top: {g.inner:.3f}pt; margin-bottom: {g.outer:.3f}pt; }}",
            f"@page :right {{ margin-top: {g.outer:.3f}pt; margin-bottom: {g.inner:.3f}pt;"
            f" @top-left {{ content: {_css_string(title)}; }} }}",
        ]
        if numerals == "kanji":
            counter = "target-counter(attr(href), page, cjk-decimal)"
            out += [
                # kanji page numbers read as vertical text: no quarter turn
                "@page :left { @right-bottom { content: counter(page, cjk-decimal);"
                " transform: none; height: auto; } }",
                "@page :right { @right-top { content: counter(page, cjk-decimal);"
                " transform: none; height: auto; } }",
                "@page front, colophon, pad, :blank, :nth(1 of article), :nth(1 of back) {"
                " @top-right { content: counter(page, cjk-decimal); }"
                " @bottom-right { content: counter(page, cjk-decimal); } }",
                f'.toc a::after {{ content: leader(dotted) " " {counter}; }}',
                f'.pageref::after {{ content: " " {counter}; }}',
                f'.see-also a.internal::after {{ content: "（" {counter} "）"; }}',
            ]
    if g.trim in SMALL_TRIMS:
        # the colophon on one page of a pocket book: smaller type, no space above it
        out.append(
            ".colophon { font-size: 0.85em; padding-top: 0; }"
            " .colophon .part-title { font-size: 1.2em; margin: 0 0 0.75em 0; }"
            " .colophon table { margin-top: 0.25em; }"
            " .colophon .rights { margin-top: 0.5em; }"
        )
        # and the title page (扉)
        out.append(
            ".titlepage { padding-top: 6%; }"
            " .titlepage .book-title { font-size: 2em; margin: 0.5em 0; }"
            " .titlepage .creators, .titlepage .publisher { margin-top: 1em; }"
        )
    return "\n".join(out)


def bleed_for(press: str | None, marks: bool) -> float:
    """The bleed of an edition: none for reading, 3 mm for a press (0.125 in for KDP)."""
    if press == "kdp":
        return KDP_BLEED_MM
    return BLEED_MM if (press or marks) else 0.0
