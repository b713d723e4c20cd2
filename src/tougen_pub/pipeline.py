"""The build, top to bottom: load → check → edition passes → builder → atomic write.

Every build goes through :func:`build_book`; it fails in one place (:func:`fail_if`), and
nothing is written before the model is complete and valid: the builder writes into a
temporary file in the output folder, renamed into place only when the build succeeded.
The builders (``BUILDERS``) know their format and nothing of the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tougen_pub.assets.cover import keep_rendered_covers, prefetch_cover
from tougen_pub.check import check_book
from tougen_pub.diagnostics import Diagnostics, fail_if
from tougen_pub.epub.builder import EpubBuilder
from tougen_pub.ingest.articles import ARTICLES_DIR, PARALLEL_MIN_ARTICLES
from tougen_pub.ingest.loader import load_book, read_config
from tougen_pub.model import Book
from tougen_pub.options import BuildNotes, BuildOptions
from tougen_pub.output import atomic_path, atomic_write
from tougen_pub.parallel import jobs_for
from tougen_pub.pdf.builder import PdfBuilder
from tougen_pub.transforms.edition import EditionBook, edition_book


class Builder(Protocol):
    """One output format: where its file goes, and how it is written."""

    #: what the builder is doing, for "N error(s) while … ; nothing written"
    doing: str
    #: whether its book has a cover image (drawn while the manuscript loads)
    cover: bool

    def output_path(self, book: Book, mode: str, out: Path) -> Path: ...

    def write(
        self, job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path
    ) -> BuildNotes:
        """Write the output into ``tmp``; problems go into ``diags``."""


BUILDERS: dict[str, Builder] = {"epub": EpubBuilder(), "pdf": PdfBuilder()}


def check_manuscript(root: Path) -> tuple[Book | None, Diagnostics]:
    """Load and check (alt text of images); the caller prints the diagnostics."""
    book, diags = load_book(root)
    if book is not None:
        check_book(book, diags)
    return book, diags


def load_or_fail(root: Path, strict: bool) -> tuple[Book, Diagnostics]:
    """The loaded book, or :class:`BuildFailed` with every problem found."""
    book, diags = load_book(root)
    fail_if(diags, strict, f"in {root}")
    assert book is not None  # load_book gives None only with errors
    return book, diags


@dataclass(frozen=True)
class Built:
    """A finished build: the output file, every diagnostic, the builder's notes."""

    path: Path
    diagnostics: Diagnostics
    notes: BuildNotes


def build(kind: str, options: BuildOptions, builder: Builder | None = None) -> Built:
    """Build one output ("epub" or "pdf"): load, check, run the edition passes, let the
    builder write a temporary file, fail on errors, then rename it into place and write
    the files the builder puts beside it."""
    builder = builder or BUILDERS[kind]
    if builder.cover:
        start_cover(options)
    book, diags = load_or_fail(options.manuscript, options.strict)
    mode = options.writing_mode or book.config.writing_mode
    job = edition_book(book, mode, options.numerals)
    target = builder.output_path(book, mode, options.out)
    with atomic_path(target) as tmp:
        notes = builder.write(job, options, diags, tmp)
        fail_if(diags, options.strict, f"while {builder.doing}")
    for suffix, data in notes.beside.items():
        atomic_write(target.with_name(target.stem + suffix), data)
    keep_rendered_covers()  # the cover cache is written only once the book is
    return Built(target, diags, notes)


def build_book(
    kind: str, options: BuildOptions, builder: Builder | None = None
) -> tuple[Path, Diagnostics]:
    """:func:`build`, returning the output's path and the diagnostics."""
    built = build(kind, options, builder)
    return built.path, built.diagnostics


def start_cover(options: BuildOptions) -> None:
    """Draw the cover on another core while the articles load. Large books load in worker
    processes instead (forked, so no thread may be running then)."""
    folder = options.manuscript / ARTICLES_DIR
    if not folder.is_dir():
        return
    articles = sum(1 for _ in folder.glob("*.md"))
    if jobs_for(articles, minimum_tasks=PARALLEL_MIN_ARTICLES) == 1:
        prefetch_cover(options.manuscript, options.writing_mode, options.cache_dir, read_config)


__all__ = [
    "BUILDERS",
    "BuildOptions",
    "Builder",
    "Built",
    "build",
    "build_book",
    "check_manuscript",
]
