"""The build, top to bottom: load → check → transform → render → package.

Nothing is written before the model is complete and valid; outputs are written to a
temporary file in the output folder and renamed into place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tougen_pub.diagnostics import BuildFailed, Diagnostics
from tougen_pub.ingest.loader import load_book
from tougen_pub.model import Book


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked for on the command line (None: take book.toml's value)."""

    manuscript: Path
    out: Path
    writing_mode: str | None = None
    strict: bool = False
    trim: str | None = None
    marks: bool = False
    numerals: str | None = None
    r2l_viewer: bool = False


def check_manuscript(root: Path) -> tuple[Book | None, Diagnostics]:
    """Load and check (including alt text of images); the caller prints the diagnostics."""
    book, diags = load_book(root)
    if book is not None:
        from tougen_pub.assets.images import warn_missing_alt

        warn_missing_alt(book, diags)
    return book, diags


def load_or_fail(root: Path, strict: bool) -> tuple[Book, Diagnostics]:
    book, diags = load_book(root)
    if book is None or diags.failed(strict):
        raise BuildFailed(
            f"{len(diags.errors)} error(s), {len(diags.warnings)} warning(s) in {root}; nothing written",
            [d for d in diags.sorted() if d.level.value != "info"],
        )
    return book, diags


def build_book(kind: str, options: BuildOptions) -> tuple[Path, Diagnostics]:
    """Build one output ("epub" or "pdf") and return its path."""
    book, diags = load_or_fail(options.manuscript, options.strict)
    mode = options.writing_mode or book.config.writing_mode
    if kind == "epub":
        from tougen_pub.epub.builder import write_epub

        return write_epub(book, mode, options, diags), diags
    from tougen_pub.pdf.builder import write_pdf

    return write_pdf(book, mode, options, diags), diags
