"""One edition of a book: the loaded book and its copy passed through the edition's passes
(what the pipeline hands a builder)."""

from __future__ import annotations

from dataclasses import dataclass

from tougen_pub.model import Book
from tougen_pub.transforms.passes import Edition, apply, edition_of


@dataclass(frozen=True)
class EditionBook:
    """``book`` as loaded (paths, locations, config) and ``edited``, its text for this
    edition (kanji numerals, tate-chu-yoko)."""

    book: Book
    edited: Book
    edition: Edition

    @property
    def mode(self) -> str:
        return self.edition.writing_mode


def edition_book(book: Book, mode: str, numerals: str | None = None) -> EditionBook:
    """The edition passes, run once for a build."""
    edition = edition_of(book, mode, numerals)
    return EditionBook(book, apply(book, edition), edition)
