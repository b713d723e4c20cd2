"""The print PDF: the edition's book → one HTML document → WeasyPrint → atomic file.

Horizontal books are laid out as they are printed. Vertical books are laid out on a
landscape page (width = the book page's height) with a derived font of pre-rotated glyphs
(:mod:`tougen_pub.pdf.vertical`), and every page gets ``/Rotate 90``. Both share the
templates, the back matter, and the JLReq line composer that makes every full line (or
column) end flush with the measure.

WeasyPrint reads only through :class:`~tougen_pub.pdf.fetch.RestrictedFetcher`: files
under the manuscript and styles folders and the fonts held in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape as xml_escape
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tougen_pub.assets.builddate import source_date_epoch
from tougen_pub.assets.fonts import BookFonts, FontRef, book_fonts
from tougen_pub.config import Margins
from tougen_pub.diagnostics import Diagnostics, SourceLocation, TougenError, fail_if
from tougen_pub.model import Book
from tougen_pub.options import BuildOptions
from tougen_pub.output import atomic_path, atomic_write
from tougen_pub.paths import styles_dir
from tougen_pub.pdf.compose.metrics import metrics_for
from tougen_pub.pdf.compose.xhtml import Settings, compose_fragment
from tougen_pub.render.print import PrintPage, PrintRenderer
from tougen_pub.transforms import passes
from tougen_pub.transforms.edition import EditionBook, edition_book

if TYPE_CHECKING:
    from tougen_pub.pdf.fetch import Refusal, RestrictedFetcher

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
BLEED_MM = 3.0
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


def image_box(g: Geometry) -> tuple[float, float]:
    """The largest printed image (pt, book page orientation): the text block, less one line
    in the block direction for the figure's margins."""
    line = g.font_size * g.line_height
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
    g: Geometry, *, title: str, marks: bool, numerals: str, font_urls: dict[str, str]
) -> str:
    """The generated part of the stylesheet: fonts, page size and margins, body size."""
    out = [
        f'@font-face {{ font-family: {FAMILIES["mincho"]}; src: url("{font_urls["mincho"]}"); }}',
        f'@font-face {{ font-family: {FAMILIES["gothic"]}; src: url("{font_urls["gothic"]}"); }}',
        f"html {{ font-size: {g.font_size}pt; line-height: {g.line_height}; }}",
    ]
    bleed = f"marks: crop cross; bleed: {BLEED_MM}mm;" if marks else ""
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
        out += [
            f"@page {{ size: {g.page_h:.3f}pt {g.page_w:.3f}pt; {bleed}"
            f" margin-left: {g.top:.3f}pt; margin-right: {g.bottom:.3f}pt; }}",
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
                f'.toc a::after {{ content: leader(dotted) " " {counter}; }}',
                f'.pageref::after {{ content: " " {counter}; }}',
                f'.see-also a.internal::after {{ content: "（" {counter} "）"; }}',
            ]
    return "\n".join(out)


# -- fonts ----------------------------------------------------------------------------


def face_bytes(ref: FontRef) -> bytes:
    """The bytes of one face; a face of a collection (.ttc) is extracted."""
    data = ref.path.read_bytes()
    if data[:4] != b"ttcf":
        return data
    import io

    from fontTools.ttLib import TTFont

    buf = io.BytesIO()
    TTFont(io.BytesIO(data), fontNumber=ref.index).save(buf)
    return buf.getvalue()


def report_missing(book: Book, fonts: BookFonts, diags: Diagnostics) -> None:
    """A located warning for every character the body face cannot draw (no silent tofu).

    Mincho is the face every part of the PDF falls back to (Gothic text included), so a
    character is covered only if the Mincho face has it.
    """
    from tougen_pub.check import check_glyphs

    check_glyphs(book, diags, [fonts.mincho])


# -- dates and identifiers ------------------------------------------------------------


def build_date(book: Book) -> str | None:
    """``SOURCE_DATE_EPOCH`` when set, else the edition date of book.toml: never "now",
    so that the same input gives the same bytes."""
    epoch = source_date_epoch()  # an invalid value is an error, as for the EPUB
    if epoch is not None:
        return epoch.strftime("%Y-%m-%dT%H:%M:%SZ")
    if book.config.date:
        return book.config.date.isoformat()
    return None


def pdf_identifier(book: Book, mode: str, trim: str) -> bytes:
    """The permanent half of /ID: stable for one book, edition and trim."""
    key = f"{book.config.identifier}|{mode}|{trim}".encode()
    return hashlib.md5(key, usedforsecurity=False).hexdigest().encode()


# -- WeasyPrint -----------------------------------------------------------------------


def load_weasyprint() -> None:
    """Import WeasyPrint without its library probe spawning processes.

    WeasyPrint tries several names for each native library; every name that does not load
    makes ``ctypes.util.find_library`` run ``ldconfig -p`` and gcc (some 50 processes and
    0.1 s). On Linux the names with the soname load directly, so the probe is skipped
    there; should the import fail that way, it is retried with the probe.
    """
    import sys

    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        return
    import ctypes.util

    probe = ctypes.util.find_library
    ctypes.util.find_library = lambda _name: None
    try:
        import weasyprint  # noqa: F401
    except OSError:
        ctypes.util.find_library = probe
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        import weasyprint  # noqa: F401, F811
    finally:
        ctypes.util.find_library = probe


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _PageStatus(logging.Handler):
    """Turns WeasyPrint's per-page progress messages into the build's status line."""

    def __init__(self, update: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.update = update

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.msg
        if isinstance(msg, str) and msg.startswith("Step 5") and "Page" in msg and record.args:
            self.update(f"laying out page {record.args[0]}")  # type: ignore[index]


@contextlib.contextmanager
def _weasy_log(show_pages: bool = True) -> Iterator[_LogCollector]:
    """Collect WeasyPrint's warnings; on a terminal, show the page being laid out."""
    from weasyprint import LOGGER, PROGRESS_LOGGER

    from tougen_pub.progress import enabled, status

    handler = _LogCollector()
    LOGGER.addHandler(handler)
    old = LOGGER.propagate
    LOGGER.propagate = False
    with contextlib.ExitStack() as stack:
        if show_pages and enabled():
            pages = _PageStatus(stack.enter_context(status("PDF")))
            old_level, old_propagate = PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate
            PROGRESS_LOGGER.addHandler(pages)
            PROGRESS_LOGGER.setLevel(logging.INFO)
            PROGRESS_LOGGER.propagate = False

            def restore() -> None:
                PROGRESS_LOGGER.removeHandler(pages)
                PROGRESS_LOGGER.setLevel(old_level)
                PROGRESS_LOGGER.propagate = old_propagate

            stack.callback(restore)
        try:
            yield handler
        finally:
            LOGGER.removeHandler(handler)
            LOGGER.propagate = old


@dataclass
class Prepared:
    """Everything decided before layout (inspectable in tests)."""

    html: str
    fetcher: RestrictedFetcher
    geometry: Geometry
    finisher: Callable[[Any, Any], None] | None
    base_url: str
    #: page numbers of the link targets from the previous build (see :func:`render`)
    page_cache: Path | None = None
    numerals: str = "arabic"


def prepare(book: Book, mode: str, options: BuildOptions, diags: Diagnostics) -> Prepared:
    """:func:`prepare_edition` with the edition passes run here (the pipeline runs them)."""
    return prepare_edition(edition_book(book, mode, options.numerals), options, diags)


def prepare_edition(job: EditionBook, options: BuildOptions, diags: Diagnostics) -> Prepared:
    """The print HTML of one edition, its fonts and page geometry: all decided before layout."""
    book, ebook, edition, mode = job.book, job.edited, job.edition, job.mode
    trim = options.trim or book.config.trim
    numerals = edition.numerals
    fonts = book_fonts(book.config, book.root)
    report_missing(book, fonts, diags)
    g = geometry(book, mode, trim)
    load_weasyprint()
    from tougen_pub.pdf.fetch import FONT_SCHEME, RestrictedFetcher

    fetcher = RestrictedFetcher([book.root, styles_dir()])
    styles = styles_dir()
    vertical = mode == "vertical"

    def page(font_urls: dict[str, str], extra_css: str = "") -> PrintPage:
        css = page_css(
            g, title=book.config.title, marks=options.marks, numerals=numerals, font_urls=font_urls
        )
        return PrintPage(
            mode=mode,
            lang=book.config.language,
            stylesheets=tuple((styles / name).resolve().as_uri() for name in STYLESHEETS[mode]),
            inline_css=css + extra_css,
            created=build_date(book),
            fonts_note=f"{_font_name(fonts.mincho)}・{_font_name(fonts.gothic)}",
            image_box=image_box(g),
            rotate_images=vertical,
        )

    inline = edition_inline(edition) if vertical else None
    finisher = None
    if vertical:
        from tougen_pub.pdf.vertical.finish import rotate_pages
        from tougen_pub.pdf.vertical.font import TCY_FEATURE

        # The derived fonts hold only the characters the book draws, and the composer
        # needs the derived font's metrics: render the document once with a placeholder
        # for every body fragment, learn the characters (and tate-chu-yoko strings) from
        # the uncomposed fragments, then put the composed fragments in.
        font_urls = {kind: f"{FONT_SCHEME}:{kind}" for kind in ("mincho", "gothic")}
        extra = f'\n.tcy {{ font-feature-settings: "{TCY_FEATURE}"; }}'
        deferred: list[str] = []

        def defer(fragment: str) -> str:
            deferred.append(fragment)
            return f"\x00{len(deferred) - 1}\x00"

        skeleton = PrintRenderer(ebook, page(font_urls, extra), compose=defer, inline=inline)
        skeleton_html = skeleton.render()
        draft = _fill(skeleton_html, deferred)
        chars = drawn_chars(draft) | frozenset(GENERATED_CHARS)
        tcy = tcy_strings(draft) | PAGE_TCY
        cache = font_cache_dir(options.out)
        mincho = _derive(fonts.mincho, chars, tcy, FAMILIES["mincho"], cache)
        gothic = _derive(fonts.gothic, gothic_chars(draft), tcy, FAMILIES["gothic"], cache)
        for kind, derived in (("mincho", mincho), ("gothic", gothic)):
            if fetcher.add(kind, derived.data, derived.mime_type) != font_urls[kind]:
                raise AssertionError(f"font URL of {kind} is not {font_urls[kind]}")
        settings = Settings(
            advance=mincho.advance, measure=float(g.chars), indent=1.0, tcy=mincho.tcy_strings
        )
        html = _fill(skeleton_html, [compose_fragment(frag, settings) for frag in deferred])
        finisher = rotate_pages(r2l=options.r2l_viewer or book.config.print.r2l_viewer)
        return Prepared(html, fetcher, g, finisher, book.root.resolve().as_uri() + "/")
    font_urls = {
        kind: fetcher.add(kind, face_bytes(getattr(fonts, kind)), "font/ttf")
        for kind in ("mincho", "gothic")
    }
    advance = metrics_for(fonts.mincho.path, fonts.mincho.index)
    settings = Settings(advance=advance, measure=float(g.chars), indent=1.0)
    html = PrintRenderer(
        ebook,
        page(font_urls),
        compose=lambda frag: compose_fragment(frag, settings),
        inline=inline,
    ).render()
    return Prepared(html, fetcher, g, finisher, book.root.resolve().as_uri() + "/")


PLACEHOLDER = re.compile("\x00([0-9]+)\x00")


def _fill(skeleton: str, fragments: list[str]) -> str:
    """The document with each fragment placeholder replaced by its fragment."""
    return PLACEHOLDER.sub(lambda m: fragments[int(m.group(1))], skeleton)


# Characters that only the stylesheets draw (separators, leaders, kanji page numbers).
GENERATED_CHARS = "／→、（）. 0123456789〇一二三四五六七八九十百•◦▪\u00a0"
# Page numbers up to 99 are set as tate-chu-yoko in vertical books.
PAGE_TCY = frozenset(str(n) for n in range(1, 100))
TAG = re.compile(r"<[^>]*>")
TCY_SPAN = re.compile(r'<span class="tcy">([^<]*)</span>')
MAX_TCY = 3


def drawn_chars(html: str) -> frozenset[str]:
    """Every character of the document's text (tags removed, entities decoded)."""
    body = html[html.find("<body") :]
    text = unescape(TAG.sub("", body))
    head_title = re.search(r"<title>(.*?)</title>", html, re.S)
    if head_title:
        text += unescape(head_title.group(1))
    return frozenset(c for c in text if not c.isspace()) | frozenset(" \u3000")


GOTHIC_ELEMENTS = re.compile(
    r"<(h[1-6]|dt|strong|b|th|title)\b[^>]*>(.*?)</\1>"
    r'|<(span|p) class="(?:label|series|publisher)">(.*?)</\3>'
    r'|<li class="toc-back">(.*?)</li>',
    re.S,
)


def gothic_chars(html: str) -> frozenset[str]:
    """Characters set in the Gothic face: headings, terms, labels, running heads."""
    parts = [m.group(2) or m.group(4) or m.group(5) or "" for m in GOTHIC_ELEMENTS.finditer(html)]
    text = unescape(TAG.sub("", "".join(parts)))
    return frozenset(c for c in text if not c.isspace()) | frozenset(GENERATED_CHARS)


def tcy_strings(html: str) -> frozenset[str]:
    return frozenset(
        t for t in (unescape(m) for m in TCY_SPAN.findall(html)) if 0 < len(t) <= MAX_TCY
    )


def edition_inline(edition: passes.Edition) -> Callable[[str], str]:
    """Plain text (dates, numbers) → XHTML with the edition's rules (numerals, tcy)."""
    steps = [func for _name, func in passes.passes_for(edition)]

    def run(text: str) -> str:
        out = xml_escape(text, quote=False)
        for func in steps:
            out = func(out)
        return out

    return run


def font_cache_dir(out: Path | None) -> Path | None:
    """Where derived vertical fonts are cached: ``<out>/.cache/fonts/`` (a build folder,
    never shipped: the derived fonts are only ever distributed inside the PDF)."""
    return Path(out) / ".cache" / "fonts" if out is not None else None


def _derive(
    ref: FontRef, chars: frozenset[str], tcy: frozenset[str], family: str, cache: Path | None
) -> Any:
    from tougen_pub.pdf.vertical.font import derive_vertical_font

    return derive_vertical_font(ref, chars, tcy, family=family, cache_dir=cache)


def _font_name(ref: FontRef) -> str:
    from fontTools.ttLib import TTFont

    try:
        return str(TTFont(ref.path, fontNumber=ref.index, lazy=True)["name"].getBestFamilyName())
    except Exception:  # noqa: BLE001 - the colophon just omits a name it cannot read
        return ref.path.stem


def render(prepared: Prepared, book: Book, diags: Diagnostics) -> Any:
    """Lay the document out; refusals and WeasyPrint errors become diagnostics.

    Page references (table of contents, glossary and bibliography page lists, related
    articles) are ``target-counter()``s, which make WeasyPrint lay out every page that
    holds a forward reference again (twice) once its target is placed. With the page
    numbers of the previous build (``prepared.page_cache``) the references are written as
    numbers instead and the book is laid out once; if any target then lands on another
    page, the book is laid out again with the ``target-counter()``s. Both give the same
    PDF bytes.
    """
    refs = referenced_anchors(prepared.html)
    guess = _read_page_map(prepared.page_cache)
    document = None
    seen = len(prepared.fetcher.refused)
    if guess and refs and refs <= guess.keys():
        literal = with_page_numbers(prepared, guess)
        if literal is not None:
            with _weasy_log() as log:
                attempt = html_document(prepared, literal).render(optimize_images=False)
            if anchor_pages(attempt, refs) == {a: guess[a] for a in refs}:
                document = attempt
            else:
                del prepared.fetcher.refused[seen:]  # reported by the layout below
    if document is None:
        with _weasy_log() as log:
            document = html_document(prepared).render(optimize_images=False)
    _report(prepared.fetcher.refused, log.messages, book, diags)
    if prepared.page_cache is not None:
        _write_page_map(prepared.page_cache, anchor_pages(document, refs))
    return document


# -- laying out in parts ----------------------------------------------------------------


class _PartsStatus:
    """The status line of a round of parts: how many are laid out, with how many pages."""

    def __init__(self, update: Callable[[str], None], total: int, workers: int) -> None:
        self.update, self.total, self.workers = update, total, workers
        self.parts = self.pages = 0

    def __call__(self, result: Any) -> None:
        self.parts += 1
        self.pages += result.pages
        self.update(
            f"{self.parts}/{self.total} parts laid out "
            f"({self.pages} pages, {self.workers} processes)"
        )


def render_in_parts(
    prepared: Prepared, book: Book, diags: Diagnostics, identifier: bytes
) -> bytes | None:
    """The PDF laid out in parts on every idle core (:mod:`.parts`), bound into one; None
    when the book is laid out whole instead (a single worker and a small book, a document
    without part marks, stylesheets that renumber pages, or numbers that do not settle).

    Refused fetches and WeasyPrint's warnings become diagnostics as in :func:`render`;
    the caller writes nothing when they include errors.
    """
    from tougen_pub.pdf import parts as P
    from tougen_pub.progress import status

    split = P.split(prepared.html)
    if split is None:
        return None
    head, units, tail = split
    if sum(1 for u in units if u.kind == "article") < 2:
        return None
    if with_page_numbers(prepared, {}) is None:
        return None
    groups = P.group(units)
    workers = P.workers_for(len(groups))
    ids = [frozenset(P.ID_ATTR.findall(part.html)) for part in groups]
    every_id = frozenset().union(*ids)
    known = {k: v for k, v in _read_page_map(prepared.page_cache).items() if k in every_id}
    times_path = prepared.page_cache.with_suffix(".times.json") if prepared.page_cache else None
    times = _read_times(times_path)
    # what each part cost last time (its first anchor names it), else an estimate by size
    weights = [times.get(part.anchor or "", len(part.html) * 3e-5) for part in groups]
    # Without the numbers of a previous build, the articles are written in the first
    # round, the front matter is only counted, and the back matter waits for them.
    first_build = not known
    links = [referenced_anchors(part.html) for part in groups]
    # the links whose page numbers a part prints: only these must be right before writing
    shown = [numbered_links(prepared, head + part.html + tail) for part in groups]
    shown = [links[i] if names is None else names for i, names in enumerate(shown)]
    refs = referenced_anchors(prepared.html)
    side = "left" if prepared.geometry.mode == "vertical" else "right"
    last = len(groups) - 1

    def work(job: P.Job) -> P.Laid:
        import io
        import time

        began = time.perf_counter()
        seen = len(prepared.fetcher.refused)
        with _weasy_log(show_pages=False) as log, P.folios(job) as folio:
            document = html_document(prepared, job.html).render(optimize_images=False)
            if job.sentinel and len(document.pages) > 1:
                document.pages.pop()  # the page of the element that forced the side
            if "start" not in folio:  # no page margins were made
                P.publish(job.index, len(document.pages))
                folio["start"] = P.first_page(job.index)
            anchors: dict[str, int] = {}
            for number, page in enumerate(document.pages):
                for name in page.anchors:
                    anchors.setdefault(name, number)
            out = io.BytesIO()
            if job.write:
                # links to other parts: a stand-in anchor keeps the link; binding points
                # the name at the anchor of the part that has it
                for name in sorted((links[job.index] & every_id) - anchors.keys()):
                    document.pages[0].anchors[name] = (0, 0, 0, 0)
                document.write_pdf(out, finisher=prepared.finisher, pdf_identifier=identifier)
        return P.Laid(
            job.index,
            out.getvalue(),
            len(document.pages),
            anchors,
            prepared.fetcher.refused[seen:],
            log.messages,
            folio["start"],
            time.perf_counter() - began,
        )

    counts: list[int | None] = [None] * len(groups)
    laid: list[P.Laid | None] = [None] * len(groups)
    used: list[dict[str, int]] = [{}] * len(groups)
    todo = list(range(len(groups)))
    actual: dict[str, int] = {}
    for round_ in range(P.MAX_ROUNDS):
        plan = P.plan(groups, counts, known)
        pages = dict(plan.pages)
        for index, names in enumerate(ids):
            for name in names:
                pages.setdefault(name, plan.starts[index])
        numbered = with_page_numbers(prepared, {k: v for k, v in pages.items() if k in refs})
        resplit = P.split(numbered) if numbered is not None else None
        if resplit is None or len(resplit[1]) != len(units):
            return None
        numbered_parts = P.regroup(resplit[1], groups)
        jobs = []
        for index in todo:
            html = P.part_document(
                resplit[0],
                numbered_parts[index],
                tail,
                start=plan.starts[index],
                side=side if index < last else None,
            )
            # the front and back matter's numbers are all guesses the first time: they are
            # only counted (and their anchors placed), then written with the true numbers
            write = not (
                first_build and round_ == 0 and groups[index].units[0].kind in ("front", "back")
            )
            # a part waits for the parts before it when one of them has not been laid out
            # yet (a first build); otherwise its first page is known
            wait = (first_build and round_ == 0) or any(counts[i] is None for i in range(index))
            jobs.append(
                P.Job(index, html, index < last, write, plan.starts[index], wait, weights[index])
            )
            used[index] = {n: pages[n] for n in shown[index] if n in pages}
        with status("PDF") as update:
            done = _PartsStatus(update, len(jobs), workers)

            update(f"laying out {len(jobs)} parts on {workers} processes")
            for result in P.lay_out(jobs, work, workers, done, counts):
                laid[result.index] = result
                counts[result.index] = result.pages
        # the true numbers, and the parts that printed others or are not written yet
        start = 1
        actual = {}
        starts = []
        for result in laid:
            starts.append(start)
            if result is None:
                break
            for name, number in result.anchors.items():
                actual.setdefault(name, start + number)
            start += result.pages
        todo = [
            index
            for index, result in enumerate(laid)
            if result is None
            or not result.pdf
            or result.start != starts[index]
            or any(actual.get(name, number) != number for name, number in used[index].items())
        ]
        known = actual
        if not todo:
            break
    else:
        return None
    done = [r for r in laid if r is not None]
    _report(
        [x for r in done for x in r.refused], [m for r in done for m in r.messages], book, diags
    )
    if prepared.page_cache is not None:
        _write_page_map(prepared.page_cache, {k: v for k, v in actual.items() if k in refs})
    if times_path is not None:
        _write_times(times_path, {groups[r.index].anchor or "": r.seconds for r in done})
    if diags.errors:
        return b""
    return P.bind(done, identifier)


INTERNAL_HREF = re.compile(r'<a\b[^>]*?\shref="#([^"]+)"[^>]*>')
TARGET_COUNTER_RULE = re.compile(
    r"([^{}]+)\{\s*content:([^;{}]*?)target-counter\(attr\(href\), page(?:, [a-z-]+)?\)"
    r"([^;{}]*);?\s*\}"
)
PAGE_COUNTER_CHANGE = re.compile(r"counter-(?:reset|set|increment)\s*:[^;{}]*\bpage\b")
KANJI_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def referenced_anchors(html: str) -> frozenset[str]:
    """The anchors that internal links point to."""
    return frozenset(unescape(m.group(1)) for m in INTERNAL_HREF.finditer(html))


def anchor_pages(document: Any, anchors: frozenset[str]) -> dict[str, int]:
    """Page number (1-based) of each of ``anchors`` in a laid-out document."""
    out: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            if name in anchors and name not in out:
                out[name] = number
    return out


def _stylesheets(prepared: Prepared) -> list[str] | None:
    """The text of the document's stylesheets (comments removed), or None when they change
    the page counter (page numbers are then not page indexes)."""
    stylesheets = [
        (styles_dir() / name).read_text(encoding="utf-8")
        for name in STYLESHEETS[prepared.geometry.mode]
    ]
    style = re.search(r"<style[^>]*>(.*?)</style>", prepared.html, re.S)
    if style is None:
        return None
    stylesheets = [re.sub(r"/\*.*?\*/", "", css, flags=re.S) for css in (*stylesheets, style[1])]
    if any(PAGE_COUNTER_CHANGE.search(css) for css in stylesheets):
        return None
    return stylesheets


def numbered_links(prepared: Prepared, html: str) -> frozenset[str] | None:
    """The anchors that links showing a page number (``target-counter``) point to in the
    document ``html``; None when that cannot be told (then every link counts)."""
    import cssselect2

    stylesheets = _stylesheets(prepared)
    root = parse_as_html5(html)
    if stylesheets is None or root is None:
        return None
    matcher = cssselect2.Matcher()
    try:
        for css in stylesheets:
            for m in TARGET_COUNTER_RULE.finditer(css):
                selector = re.sub(r"::?(?:after|before)\b", "", m.group(1).strip())
                for compiled in cssselect2.compile_selector_list(selector):
                    matcher.add_selector(compiled, None)
    except cssselect2.SelectorError:
        return None
    out = set()
    for element in cssselect2.ElementWrapper.from_html_root(root).iter_subtree():
        href = element.etree_element.get("href") or ""
        if href.startswith("#") and matcher.match(element):
            out.add(unescape(href[1:]))
    return frozenset(out)


def with_page_numbers(prepared: Prepared, pages: dict[str, int]) -> str | None:
    """The prepared HTML with every ``target-counter(attr(href), page…)`` of the
    stylesheets replaced by the number in a ``data-page`` attribute of the link."""
    stylesheets = _stylesheets(prepared)
    if stylesheets is None:
        return None
    rules = [
        f"{m.group(1).strip()} {{ content:{m.group(2)}attr(data-page){m.group(3)}; }}"
        for css in stylesheets
        for m in TARGET_COUNTER_RULE.finditer(css)
    ]
    kanji = prepared.numerals == "kanji" and prepared.geometry.mode == "vertical"

    def number(m: re.Match[str]) -> str:
        page = pages.get(unescape(m.group(1)))
        if page is None:
            return m.group(0)
        text = str(page).translate(KANJI_DIGITS) if kanji else str(page)
        return f'{m.group(0)[:-1]} data-page="{text}">'

    html = INTERNAL_HREF.sub(number, prepared.html)
    head_end = html.find("</style>")
    return html[:head_end] + "\n" + "\n".join(rules) + "\n" + html[head_end:]


def page_cache_path(book: Book, mode: str, out: Path | None) -> Path | None:
    """Where the page numbers of one edition's link targets are kept between builds."""
    if out is None:
        return None
    return Path(out) / ".cache" / "pages" / f"{book.config.name}-{mode}.json"


def _read_cache_map(path: Path | None) -> dict[str, Any]:
    """A JSON object of the build cache; empty when missing or unreadable."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str)} if isinstance(data, dict) else {}


def _write_cache_map(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    with contextlib.suppress(OSError, TougenError):  # only a speed-up for the next build
        atomic_write(path, text)


def _read_page_map(path: Path | None) -> dict[str, int]:
    return {k: v for k, v in _read_cache_map(path).items() if type(v) is int}


def _write_page_map(path: Path, pages: dict[str, int]) -> None:
    _write_cache_map(path, pages)


def _read_times(path: Path | None) -> dict[str, float]:
    """Seconds each part took in the previous build (by its first anchor)."""
    return {
        k: float(v) for k, v in _read_cache_map(path).items() if type(v) in (int, float) and v >= 0
    }


def _write_times(path: Path, times: dict[str, float]) -> None:
    _write_cache_map(path, {k: round(v, 3) for k, v in times.items() if k})


def html_document(prepared: Prepared, html: str | None = None) -> Any:
    """The WeasyPrint document of the prepared HTML (or of ``html`` in its place).

    Our documents are well-formed XHTML, so they are parsed with the XML parser (about 50×
    faster than the HTML5 parser) and given the tree the HTML5 parser would build; a
    document where HTML5 parsing would restructure anything goes to the HTML5 parser.
    """
    load_weasyprint()
    import weasyprint

    html = prepared.html if html is None else html
    root = parse_as_html5(html)
    if root is None or not hasattr(weasyprint.HTML, "_ua_stylesheets"):
        return weasyprint.HTML(
            string=html, base_url=prepared.base_url, url_fetcher=prepared.fetcher
        )
    import cssselect2

    document = weasyprint.HTML.__new__(weasyprint.HTML)
    document.base_url = prepared.base_url  # our documents have no <base>
    document.url_fetcher = prepared.fetcher
    document.media_type = "print"
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    from tougen_pub.pdf.vertical.weasy import print_ua_stylesheets

    document._ua_stylesheets = print_ua_stylesheets  # one computed style per element
    return document


# An open <p> is closed by these start tags in HTML5 (they cannot be inside a <p>).
_CLOSES_P = frozenset(
    (
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dialog",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "ul",
        "li",
        "dd",
        "dt",
    )
)
_TABLE_PARTS = frozenset(["caption", "colgroup", "thead", "tbody", "tfoot", "tr"])
_ROW_GROUPS = frozenset(["thead", "tbody", "tfoot"])


def parse_as_html5(html: str) -> Any:
    """The tree the HTML5 parser builds for ``html``, when it is well-formed XHTML of the
    shapes our templates and composer write; None when the HTML5 parser is needed."""
    import xml.etree.ElementTree as ET

    if "&" in html.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").replace(
        "&quot;", ""
    ).replace("&#", ""):
        return None  # named HTML entities are not XML
    try:
        root = ET.fromstring(html.encode("utf-8"))
    except ET.ParseError:
        return None
    if root.tag != "html" or [c.tag for c in root] != ["head", "body"]:
        return None
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or ":" in tag or "{" in tag or tag != tag.lower():
            return None
        if tag == "p" and any(d.tag in _CLOSES_P for d in el.iter() if d is not el):
            return None
        if tag == "a" and any(d.tag == "a" for d in el.iter() if d is not el):
            return None
        if tag == "table":
            if any(c.tag not in _TABLE_PARTS for c in el) or (el.text or "").strip():
                return None
            if any((c.tail or "").strip() for c in el):
                return None
            _wrap_rows(el)
        elif (
            tag in _ROW_GROUPS
            and any(c.tag != "tr" for c in el)
            or tag == "tr"
            and any(c.tag not in ("td", "th") for c in el)
        ):
            return None
    # whitespace: none between <html> and <head>; after </body> it joins the body's end
    head, body = root
    root.text = None
    if (body.tail or "").strip():
        return None
    if body.tail:
        if len(body):
            body[-1].tail = (body[-1].tail or "") + body.tail
        else:
            body.text = (body.text or "") + body.tail
        body.tail = None
    return root


def _wrap_rows(table: Any) -> None:
    """Put rows that are direct children of a table into a <tbody>, as HTML5 does."""
    import xml.etree.ElementTree as ET

    children = list(table)
    if not any(c.tag == "tr" for c in children):
        return
    new: list[Any] = []
    group = None
    for child in children:
        if child.tag == "tr":
            if group is None:
                group = ET.Element("tbody")
                new.append(group)
            group.append(child)
        else:
            group = None
            new.append(child)
    table[:] = new


def _report(refused: list[Refusal], messages: list[str], book: Book, diags: Diagnostics) -> None:
    book_toml = SourceLocation(str(book.root / "book.toml"))
    for refusal in refused:
        diags.error(
            "pdf-fetch-refused",
            f"not fetched: {refusal.url} ({refusal.reason})",
            _locate_url(book, refusal.url) or book_toml,
        )
    refused_urls = {r.url for r in refused}
    reported = {(d.code, d.message) for d in diags}
    for message in dict.fromkeys(messages):  # once each, however many parts logged it
        if any(url in message for url in refused_urls):
            continue
        if is_environment_message(message):
            code, where = "pdf-environment", None  # the machine, not the manuscript
        else:
            code, where = "pdf-layout", book_toml
        if (code, message) not in reported:
            reported.add((code, message))
            diags.warning(code, message, where)


# WeasyPrint's warnings about the machine it runs on (libraries, fonts setup), not the book.
ENVIRONMENT_MARKERS = ("HarfBuzz", "Please install", "with your package manager", "Fontconfig")


def is_environment_message(message: str) -> bool:
    """True for a WeasyPrint warning about a missing or old library, not about the book."""
    return any(marker in message for marker in ENVIRONMENT_MARKERS)


def _locate_url(book: Book, url: str) -> SourceLocation | None:
    """Where a refused URL is written: an article, or an SVG image that references it."""
    tail = url.rsplit("/", 1)[-1]
    for art in book.articles:
        loc = _find_text(art.location, tail, book.root)
        if loc is not None:
            return loc
    svgs = dict.fromkeys(
        img
        for owner in (*book.articles, *book.glossary)
        for img in getattr(owner, "images", ())
        if img.lower().endswith(".svg")
    )
    for img in svgs:
        loc = _find_text(SourceLocation(str(book.root / img)), tail, book.root)
        if loc is not None:
            return loc
    return None


def _find_text(loc: SourceLocation, needle: str, root: Path) -> SourceLocation | None:
    if not needle:
        return None
    for candidate in (Path(loc.path), root / loc.path):
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError:
            continue
        pos = text.find(needle)
        if pos >= 0:
            return loc.at(text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1)
    return None


def output_path(book: Book, mode: str, out: Path) -> Path:
    return out / f"{book.config.name}-{mode}.pdf"


class PdfBuilder:
    """The PDF builder of the pipeline (see :class:`tougen_pub.pipeline.Builder`)."""

    doing = "laying out the PDF"
    cover = False

    def output_path(self, book: Book, mode: str, out: Path) -> Path:
        return output_path(book, mode, out)

    def write(self, job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path) -> None:
        write_edition(job, options, diags, tmp)


def build(
    book: Book, mode: str, options: BuildOptions, diags: Diagnostics
) -> tuple[Path, Prepared]:
    """Build ``<out>/<name>-<mode>.pdf`` as the pipeline does, also returning what was
    prepared (HTML, geometry) for inspection."""
    target = output_path(book, mode, options.out)
    with atomic_path(target) as tmp:
        prepared = write_edition(edition_book(book, mode, options.numerals), options, diags, tmp)
        fail_if(diags, options.strict, f"while {PdfBuilder.doing}")
    return target, prepared


def write_edition(
    job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path
) -> Prepared:
    """Lay out one edition and write it into ``tmp`` (which exists from the start of the
    layout: an interrupted or failed build removes it and leaves a previous PDF as it was)."""
    book, mode = job.book, job.mode
    prepared = prepare_edition(job, options, diags)
    prepared.page_cache = page_cache_path(book, mode, options.out)
    prepared.numerals = job.edition.numerals
    trim = options.trim or book.config.trim
    identifier = pdf_identifier(book, mode, trim)
    laying_out = f"while {PdfBuilder.doing}"
    bound = render_in_parts(prepared, book, diags, identifier) if options.parts else None
    if bound is not None:
        fail_if(diags, options.strict, laying_out)
        tmp.write_bytes(bound)
        return prepared
    document = render(prepared, book, diags)
    fail_if(diags, options.strict, laying_out)
    seen = len(prepared.fetcher.refused)
    with _weasy_log() as log:
        document.write_pdf(tmp, finisher=prepared.finisher, pdf_identifier=identifier)
        # Images referenced by SVG images are fetched while drawing, not during layout.
        late = prepared.fetcher.refused[seen:]
        _report(late, log.messages, book, diags)
        if late:
            fail_if(diags, False, "while writing the PDF")
    return prepared


__all__ = ["Geometry", "PdfBuilder", "build", "geometry", "prepare", "render", "write_edition"]
