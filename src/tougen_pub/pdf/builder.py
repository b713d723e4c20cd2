"""The print PDF: the edition's book → one HTML document → WeasyPrint → atomic file.

Horizontal books are laid out as they are printed. Vertical books are laid out on a
landscape page (width = the book page's height) with a derived font of pre-rotated glyphs
(:mod:`tougen_pub.pdf.vertical`), and every page gets ``/Rotate 90``. Both share the
templates, the back matter, and the JLReq line composer that makes every full line (or
column) end flush with the measure.

The flow: :func:`prepare_edition` (the HTML, fonts and geometry), then the layout in parts
(:mod:`tougen_pub.pdf.parts`) or as one document (:func:`render`), then the file.
WeasyPrint reads only through :class:`~tougen_pub.pdf.fetch.RestrictedFetcher`: files
under the manuscript and styles folders and the fonts held in memory.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Callable
from html import escape as xml_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tougen_pub.assets.builddate import source_date_epoch
from tougen_pub.assets.fonts import BookFonts, FontRef, book_fonts
from tougen_pub.check import check_glyphs
from tougen_pub.diagnostics import Diagnostic, Diagnostics, SourceLocation, fail_if
from tougen_pub.model import Article, Book, GlossaryEntry
from tougen_pub.options import BuildNotes, BuildOptions
from tougen_pub.output import atomic_path
from tougen_pub.paths import styles_dir
from tougen_pub.pdf.cache import font_cache_dir, page_cache_path, read_page_map, write_page_map
from tougen_pub.pdf.charset import (
    GENERATED_CHARS,
    PAGE_TCY,
    drawn_chars,
    gothic_chars,
    tcy_strings,
)
from tougen_pub.pdf.compose.metrics import metrics_for
from tougen_pub.pdf.compose.xhtml import Settings, compose_fragment
from tougen_pub.pdf.geometry import (
    FAMILIES,
    STYLESHEETS,
    bleed_for,
    geometry,
    image_box,
    page_css,
)
from tougen_pub.pdf.pagerefs import anchor_pages, referenced_anchors, with_page_numbers
from tougen_pub.pdf.parts.layout import render_in_parts
from tougen_pub.pdf.parts.plan import split
from tougen_pub.pdf.prepared import Prepared
from tougen_pub.pdf.press.finish import Finishing, finish
from tougen_pub.pdf.press.ink import gray_image, warn_colour_images
from tougen_pub.pdf.press.pageplan import pad_document
from tougen_pub.pdf.report import find_text, report
from tougen_pub.pdf.vertical.finish import rotate_pages
from tougen_pub.pdf.weasy import (
    html_document,
    load_weasyprint,
    private_font_folder,
    weasy_log,
)
from tougen_pub.render.print import PrintPage, PrintRenderer
from tougen_pub.transforms import passes
from tougen_pub.transforms.edition import EditionBook, edition_book

if TYPE_CHECKING:
    from tougen_pub.pdf.vertical.font import DerivedFont

# A body fragment's place in the skeleton document of a vertical book (see prepare_edition).
PLACEHOLDER = re.compile("\x00([0-9]+)\x00")
# The place of the 傍点 rule in that skeleton's stylesheet (see emphasis_css).
DOT_RULE = "\n/* emphasis dot */"
EMPHASIS_DOT = "﹅"  # drawn by print.css (.bt::after)


# -- fonts ----------------------------------------------------------------------------


def face_bytes(ref: FontRef) -> bytes:
    """The bytes of one face; a face of a collection (.ttc) is extracted."""
    data = ref.path.read_bytes()
    if data[:4] != b"ttcf":
        return data
    from fontTools.ttLib import TTFont  # only for a collection: fontTools loads slowly

    buf = io.BytesIO()
    TTFont(io.BytesIO(data), fontNumber=ref.index).save(buf)
    return buf.getvalue()


def report_missing(book: Book, fonts: BookFonts, diags: Diagnostics) -> None:
    """A located warning for every character the body face cannot draw (no silent tofu).

    Mincho is the face every part of the PDF falls back to (Gothic text included), so a
    character is covered only if the Mincho face has it.
    """
    check_glyphs(book, diags, [fonts.mincho])


def _derive(
    ref: FontRef, chars: frozenset[str], tcy: frozenset[str], family: str, cache: Path | None
) -> DerivedFont:
    from tougen_pub.pdf.vertical.font import derive_vertical_font  # vertical books only

    return derive_vertical_font(ref, chars, tcy, family=family, cache_dir=cache)


def _font_name(ref: FontRef) -> str:
    from fontTools.ttLib import TTFont  # fontTools loads slowly: not for an EPUB build

    try:
        return str(TTFont(ref.path, fontNumber=ref.index, lazy=True)["name"].getBestFamilyName())
    except Exception:  # noqa: BLE001 - the colophon just omits a name it cannot read
        return ref.path.stem


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


# -- before layout ---------------------------------------------------------------------


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
    from tougen_pub.pdf.fetch import FONT_SCHEME, RestrictedFetcher  # imports WeasyPrint

    gray = book.config.print.colour == "gray"
    if gray:
        warn_colour_images(image_uses(book), diags)
    fetcher = RestrictedFetcher(
        [book.root, styles_dir()], image_filter=gray_image if gray else None
    )
    styles = styles_dir()
    vertical = mode == "vertical"
    bleed = bleed_for(press_of(book, options), options.marks)

    def page(font_urls: dict[str, str], extra_css: str) -> PrintPage:
        css = page_css(
            g, title=book.config.title, bleed_mm=bleed, numerals=numerals, font_urls=font_urls
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
            elsewhere_pages=dict(options.elsewhere_pages),
        )

    inline = edition_inline(edition) if vertical else None
    finisher = None
    if vertical:
        from tougen_pub.pdf.vertical.font import (  # vertical books only
            LATIN_QUOTE_FEATURE,
            TCY_FEATURE,
        )

        # The derived fonts hold only the characters the book draws, and the composer
        # needs the derived font's metrics: render the document once with a placeholder
        # for every body fragment, learn the characters (and tate-chu-yoko strings) from
        # the uncomposed fragments, then put the composed fragments in.
        font_urls = {kind: f"{FONT_SCHEME}:{kind}" for kind in ("mincho", "gothic")}
        extra = (
            f'\n.tcy {{ font-feature-settings: "{TCY_FEATURE}"; }}'
            f'\n.lq {{ font-feature-settings: "{LATIN_QUOTE_FEATURE}"; }}'
            f"{DOT_RULE}"
        )
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
            advance=mincho.advance,
            measure=float(g.chars),
            indent=1.0,
            tcy=mincho.tcy_strings,
            latin_quote=mincho.latin_quote,
        )
        html = _fill(skeleton_html, [compose_fragment(frag, settings) for frag in deferred])
        # where the dot goes depends on the derived font: its rule replaces the mark left
        # in the skeleton's stylesheet (the first occurrence: <head> comes before the text)
        html = html.replace(DOT_RULE, emphasis_css(mincho.ink_offset(EMPHASIS_DOT)), 1)
        finisher = rotate_pages(r2l=options.r2l_viewer or book.config.print.r2l_viewer)
        return Prepared(html, fetcher, g, finisher, book.root.resolve().as_uri() + "/")
    font_urls = {
        kind: fetcher.add(kind, face_bytes(getattr(fonts, kind)), "font/ttf")
        for kind in ("mincho", "gothic")
    }
    advance = metrics_for(fonts.mincho.path, fonts.mincho.index)
    settings = Settings(
        advance=advance, measure=float(g.chars), indent=1.0, latin_quote=advance.latin_quote
    )
    html = PrintRenderer(
        ebook,
        page(font_urls, emphasis_css(advance.ink_offset(EMPHASIS_DOT))),
        compose=lambda frag: compose_fragment(frag, settings),
        inline=inline,
    ).render()
    return Prepared(html, fetcher, g, finisher, book.root.resolve().as_uri() + "/")


def emphasis_css(ink_offset: float) -> str:
    """傍点: the sesame dot moved along the line by the distance between the centre of its
    ink and the centre of its advance (``ink_offset``, in em of the dot), so that the ink
    stands centred on its character; most faces draw ﹅ off the centre of its em."""
    return f"\n.bt::after {{ left: {-ink_offset:.4f}em; }}" if ink_offset else ""


def press_of(book: Book, options: BuildOptions) -> str | None:
    """The press the PDF is made for: --press, else book.toml's [print] press."""
    return options.press or book.config.print.press


def image_uses(book: Book) -> list[tuple[Path, SourceLocation]]:
    """Every image of the book once, located where it is first used."""
    seen: dict[str, SourceLocation] = {}
    owners: list[Article | GlossaryEntry] = [*book.articles, *book.glossary]
    for owner in owners:
        for rel in owner.images:
            if rel not in seen:
                where = find_text(owner.location, rel, book.root)  # images/map.png
                seen[rel] = where or SourceLocation(str(book.root / rel))
    return [(book.root / rel, where) for rel, where in seen.items()]


def _fill(skeleton: str, fragments: list[str]) -> str:
    """The document with each fragment placeholder replaced by its fragment."""
    return PLACEHOLDER.sub(lambda m: fragments[int(m.group(1))], skeleton)


def edition_inline(edition: passes.Edition) -> Callable[[str], str]:
    """Plain text (dates, numbers) → XHTML with the edition's rules (numerals, tcy)."""
    steps = [func for _name, func in passes.passes_for(edition)]

    def run(text: str) -> str:
        out = xml_escape(text, quote=False)
        for func in steps:
            out = func(out)
        return out

    return run


# -- layout and the file ---------------------------------------------------------------


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
    guess = read_page_map(prepared.page_cache)
    document = None
    seen = len(prepared.fetcher.refused)
    if guess and refs and refs <= guess.keys():
        literal = with_page_numbers(prepared, guess)
        if literal is not None:
            with weasy_log() as log:
                attempt = html_document(prepared, literal).render(optimize_images=False)
            if anchor_pages(attempt, refs) == {a: guess[a] for a in refs}:
                document = attempt
            else:
                del prepared.fetcher.refused[seen:]  # reported by the layout below
    if document is None:
        with weasy_log() as log:
            document = html_document(prepared).render(optimize_images=False)
    report(prepared.fetcher.refused, log.messages, book, diags)
    if prepared.page_cache is not None:
        write_page_map(prepared.page_cache, anchor_pages(document, refs))
    return document


def output_path(book: Book, mode: str, out: Path) -> Path:
    return out / f"{book.config.name}-{mode}.pdf"


class PdfBuilder:
    """The PDF builder of the pipeline (see :class:`tougen_pub.pipeline.Builder`)."""

    doing = "laying out the PDF"
    cover = False

    def output_path(self, book: Book, mode: str, out: Path) -> Path:
        return output_path(book, mode, out)

    def write(
        self, job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path
    ) -> BuildNotes:
        return write_edition(job, options, diags, tmp).notes


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
    """:func:`_write_edition` with WeasyPrint's temporary font files kept in a folder of
    this build, removed when it ends."""
    with private_font_folder():
        return _write_edition(job, options, diags, tmp)


def _write_edition(
    job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path
) -> Prepared:
    """Lay out one edition, finish it for the printer and write it into ``tmp`` (which
    exists from the start of the layout: an interrupted or failed build removes it and
    leaves a previous PDF as it was). A press build is checked by the preflight."""
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
        data = bound
    else:
        document = render(prepared, book, diags)
        fail_if(diags, options.strict, laying_out)
        seen = len(prepared.fetcher.refused)
        with weasy_log() as log:
            data = document.write_pdf(finisher=prepared.finisher, pdf_identifier=identifier)
            # Images referenced by SVG images are fetched while drawing, not during layout.
            late = prepared.fetcher.refused[seen:]
            report(late, log.messages, book, diags)
            if late:
                fail_if(diags, False, "while writing the PDF")
    press = press_of(book, options)
    finishing = Finishing(
        mode=mode,
        multiple=book.config.print.pages_multiple,
        press=press,
        marks=options.marks,
        bleed_mm=bleed_for(press, options.marks),
        identifier=identifier,
        title=book.config.title,
        date=build_date(book),
        one_colour=book.config.print.colour == "gray",
    )
    data, plan = finish(data, job.edited, finishing, functools.partial(_pad_pages, prepared))
    tmp.write_bytes(data)
    prepared.notes.lines.append(plan.summary())
    prepared.notes.beside[".plan.txt"] = plan.text(book.config.title).encode()
    if press:
        from tougen_pub.pdf.preflight import preflight

        checked = preflight(tmp, press, plan.multiple)
        diags.extend(relocate(checked.diagnostics, tmp, output_path(book, mode, options.out)))
        prepared.notes.lines.append(
            f"preflight ({checked.press.title}): "
            f"{len(checked.diagnostics.errors)} error(s), "
            f"{len(checked.diagnostics.warnings)} warning(s)"
        )
    return prepared


def _pad_pages(prepared: Prepared, start: int, count: int) -> bytes:
    """``count`` blank pages numbered from ``start``, in the book's stylesheets."""
    head, _units, tail = split(prepared.html) or (prepared.html, [], "")
    html = pad_document(head, tail, start=start, count=count, mode=prepared.geometry.mode)
    with weasy_log(show_pages=False):
        document = html_document(prepared, html).render(optimize_images=False)
        return bytes(document.write_pdf(finisher=prepared.finisher))


def relocate(found: Diagnostics, tmp: Path, target: Path) -> list[Diagnostic]:
    """The preflight's findings on the temporary file, located in the output file."""
    out = []
    for diag in found:
        loc = diag.location
        if loc is not None and loc.path.startswith(str(tmp)):
            loc = SourceLocation(str(target) + loc.path[len(str(tmp)) :], loc.line, loc.column)
        out.append(Diagnostic(diag.level, diag.code, diag.message, loc))
    return out


__all__ = ["PdfBuilder", "build", "prepare", "prepare_edition", "render", "write_edition"]
