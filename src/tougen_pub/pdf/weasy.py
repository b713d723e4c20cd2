"""Every place the build touches WeasyPrint's internals (WeasyPrint 70 only): its import,
its log, the fast document, the print user-agent stylesheet, the folios of parts, the PDF
a finisher gets.

WeasyPrint itself is imported only when a PDF is laid out (:func:`load_weasyprint`): an
EPUB build never loads it. Every function here that reaches into WeasyPrint calls
:func:`load_weasyprint` first, which checks the version: another WeasyPrint stops the
build with a message instead of a layout that is subtly wrong.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tougen_pub.diagnostics import TougenError
from tougen_pub.pdf.html5 import parse_as_html5
from tougen_pub.pdf.prepared import Prepared
from tougen_pub.progress import enabled, status

#: The WeasyPrint whose internals this module uses (pyproject.toml pins ``>=70,<71``).
WEASYPRINT_MAJOR = 70
# Universal pseudo-element rules of WeasyPrint's HTML5 stylesheet. Each one gives every
# element of the document a computed style of its own for that pseudo-element (six per
# element), whether or not the pseudo-element is ever drawn. Our print documents have no
# footnotes or notes, and only list items (and <summary>) have markers.
_UA_PSEUDO_RULES = (
    (re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.M), ""),
    (re.compile(r"^::marker \{", re.M), "li::marker, summary::marker {"),
)


def load_weasyprint() -> None:
    """Import WeasyPrint without its library probe spawning processes, and check that it
    is WeasyPrint 70 (:data:`WEASYPRINT_MAJOR`).

    WeasyPrint tries several names for each native library; every name that does not load
    makes ``ctypes.util.find_library`` run ``ldconfig -p`` and gcc (some 50 processes and
    0.1 s). On Linux the names with the soname load directly, so the probe is skipped
    there; should the import fail that way, it is retried with the probe.
    """
    if "weasyprint" not in sys.modules and sys.platform.startswith("linux"):
        import ctypes.util  # only when a PDF is laid out

        probe = ctypes.util.find_library
        ctypes.util.find_library = lambda _name: None  # type: ignore[assignment]
        try:
            import weasyprint  # noqa: F401
        except OSError:
            ctypes.util.find_library = probe
            for name in [
                m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")
            ]:
                del sys.modules[name]
            import weasyprint  # noqa: F401, F811
        finally:
            ctypes.util.find_library = probe
    _check_version()


def _check_version() -> None:
    import weasyprint

    version = str(getattr(weasyprint, "__version__", "?"))
    if version.split(".")[0] != str(WEASYPRINT_MAJOR):
        raise TougenError(
            f"WeasyPrint {version} is installed, but tougen-pub works with WeasyPrint "
            f"{WEASYPRINT_MAJOR} only (it uses its internals); run make setup"
        )


# -- the log ----------------------------------------------------------------------------


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
def private_font_folder() -> Iterator[Path]:
    """A temporary folder of this build for the fonts WeasyPrint writes out.

    WeasyPrint saves every ``@font-face`` font to a ``weasyprint-*`` folder of the system's
    temporary directory and removes it only when its font configuration is garbage
    collected, which never happens in a forked worker that exits: each build would leave
    its fonts behind (tens of MB, and the derived vertical fonts, which must exist as fonts
    only inside the PDF). Within this context, temporary files go to a folder of the build
    (the workers inherit it), removed at the end whatever happens."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tougen-pub-"))
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def weasy_log(show_pages: bool = True) -> Iterator[_LogCollector]:
    """Collect WeasyPrint's warnings; on a terminal, show the page being laid out."""
    load_weasyprint()
    from weasyprint import LOGGER, PROGRESS_LOGGER

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


# -- the document -----------------------------------------------------------------------


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
    document._ua_stylesheets = print_ua_stylesheets  # one computed style per element
    return document


@functools.cache
def _print_ua_stylesheet() -> Any:
    load_weasyprint()
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA, UA_STYLESHEET

    text = UA
    for pattern, replacement in _UA_PSEUDO_RULES:
        text, found = pattern.subn(replacement, text)
        if not found:
            return UA_STYLESHEET  # another WeasyPrint's stylesheet: use it as it is
    # The sheet's @counter-style rules go to a dictionary of their own: those already
    # defined (as they are in WeasyPrint's UA_COUNTER_STYLE, which documents copy) would be
    # refused with a warning. Documents take their counter styles from that copy.
    return CSS(string=text, counter_style=CounterStyle())


def print_ua_stylesheets(forms: bool = False) -> list[Any]:
    """WeasyPrint's user-agent stylesheets for our print documents (in place of
    ``HTML._ua_stylesheets``): the HTML5 stylesheet with the universal ``::footnote-*``
    and ``::note-*`` rules left out and ``::marker`` limited to the elements that have
    markers. The same layout, with one computed style per element instead of seven."""
    if forms:
        from weasyprint.html import UA_FORM_STYLESHEET

        return [_print_ua_stylesheet(), UA_FORM_STYLESHEET]
    return [_print_ua_stylesheet()]


# -- the folios of a part ---------------------------------------------------------------


@contextlib.contextmanager
def margin_page_offset(settle: Callable[[int], int]) -> Iterator[None]:
    """While a document is laid out, ``counter(page)`` of its page margins (the folios,
    drawn after all pages are made) is moved by ``settle(pages)``: called once, when the
    first page margins are made, with the number of pages made. Page breaks never depend
    on it."""
    load_weasyprint()
    import weasyprint.layout as layout

    original = layout.make_margin_boxes
    delta: int | None = None

    def margin_boxes(context: Any, page: Any, page_state: Any) -> Any:
        nonlocal delta
        if delta is None:
            delta = settle(len(context.page_maker) - 1)
        if delta:
            quote_depth, counters, scopes, groups = page_state
            counters = dict(counters)
            counters["page"] = [value + delta for value in counters.get("page", [])]
            page_state = (quote_depth, counters, scopes, groups)
        return original(context, page, page_state)

    layout.make_margin_boxes = margin_boxes
    try:
        yield
    finally:
        layout.make_margin_boxes = original


# -- the PDF a finisher gets ------------------------------------------------------------


def finisher_pages(pdf: Any) -> list[Any]:
    """The page dictionaries of the :class:`pydyf.PDF` that WeasyPrint 70 hands a
    ``write_pdf(finisher=…)`` hook (its ``Kids`` are flat ``number 0 R`` triples)."""
    kids = pdf.pages["Kids"]
    return [pdf.objects[number] for number in kids[::3]]
