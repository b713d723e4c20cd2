"""Refused fetches and WeasyPrint's warnings → diagnostics: located in the manuscript where
possible; warnings about the machine WeasyPrint runs on are told apart from the book's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.model import Book

if TYPE_CHECKING:
    from tougen_pub.pdf.fetch import Refusal

# WeasyPrint's warnings about the machine it runs on (libraries, fonts setup), not the book.
ENVIRONMENT_MARKERS = ("HarfBuzz", "Please install", "with your package manager", "Fontconfig")


def report(refused: list[Refusal], messages: list[str], book: Book, diags: Diagnostics) -> None:
    """An error for every refused fetch and a warning for every distinct message."""
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


def is_environment_message(message: str) -> bool:
    """True for a WeasyPrint warning about a missing or old library, not about the book."""
    return any(marker in message for marker in ENVIRONMENT_MARKERS)


def _locate_url(book: Book, url: str) -> SourceLocation | None:
    """Where a refused URL is written: an article, or an SVG image that references it."""
    tail = url.rsplit("/", 1)[-1]
    for art in book.articles:
        loc = find_text(art.location, tail, book.root)
        if loc is not None:
            return loc
    svgs = dict.fromkeys(
        img
        for owner in (*book.articles, *book.glossary)
        for img in getattr(owner, "images", ())
        if img.lower().endswith(".svg")
    )
    for img in svgs:
        loc = find_text(SourceLocation(str(book.root / img)), tail, book.root)
        if loc is not None:
            return loc
    return None


def find_text(loc: SourceLocation, needle: str, root: Path) -> SourceLocation | None:
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
