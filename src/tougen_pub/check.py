"""Characters no configured font can show (they would print as tofu □): ``glyph-missing``.

The check runs with ``tougen-pub check`` and the builders can call :func:`check_glyphs` too.
Fonts are resolved lazily (book.toml ``[fonts]`` or fontconfig); when no Japanese font is
installed the check is skipped with an info diagnostic, as the builders will fail with a
clearer message anyway.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from tougen_pub.diagnostics import Diagnostics, SourceLocation, TougenError
from tougen_pub.model import Book

# Invisible or layout characters a renderer does not need a glyph for.
IGNORED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def _ignored(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in IGNORED_CATEGORIES


def uncovered(chars: Iterable[str], fonts: Iterable[object]) -> set[str]:
    """Characters that none of ``fonts`` (FontRef-like: ``.path``, ``.index``) has a glyph for."""
    from tougen_pub.assets.fonts import FontRef, coverage

    covers = [coverage(FontRef(f.path, f.index)) for f in fonts]  # type: ignore[attr-defined]
    return {c for c in chars if not _ignored(c) and not any(ord(c) in cm for cm in covers)}


def book_text_files(book: Book) -> list[Path]:
    """The files whose text ends up in the book, in reading order."""
    files = [book.root / "book.toml"]
    files += [Path(a.location.path) for a in book.articles]
    files += [book.root / "glossary.toml", book.root / "sources.toml"]
    return [f for f in files if f.is_file()]


def check_glyphs(book: Book, diags: Diagnostics, fonts: Iterable[object] | None = None) -> set[str]:
    """Warn (``glyph-missing``) once per character that no font of the book has, at its first
    occurrence (path:line:col). Returns the missing characters."""
    if fonts is None:
        from tougen_pub.assets.fonts import book_fonts

        try:
            resolved = book_fonts(book.config, book.root)
        except TougenError as exc:
            if exc.diagnostics:  # a [fonts] entry of book.toml that cannot be used
                diags.extend(exc.diagnostics)
            else:  # no Japanese font on this machine: the builds say what to install
                diags.info("glyph-check-skipped", f"characters not checked against fonts: {exc}")
            return set()
        fonts = [resolved.mincho, resolved.gothic]
    chars = set(book.chars())
    chars |= set(book.config.title) | set(book.config.subtitle or "")
    for entry in book.glossary:
        chars |= set(entry.term) | set(entry.definition_html)
    for src in book.sources:
        chars |= set(src.title) | set(src.publisher or "")
    missing = uncovered(chars, list(fonts))
    if not missing:
        return missing
    todo = set(missing)
    for path in book_text_files(book):
        if not todo:
            break
        try:
            text = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            hits = todo.intersection(line)
            for char in sorted(hits, key=line.index):
                diags.warning(
                    "glyph-missing",
                    f"'{char}' (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}) is in "
                    "none of the book's fonts and would print as a blank box; replace it or "
                    "set [fonts] in book.toml",
                    SourceLocation(str(path), lineno, line.index(char) + 1),
                )
            todo -= hits
    for char in sorted(todo):  # only in generated text (not expected; reported anyway)
        diags.warning(
            "glyph-missing",
            f"'{char}' (U+{ord(char):04X}) is in none of the book's fonts",
            SourceLocation(str(book.root)),
        )
    return missing


def check_book(book: Book, diags: Diagnostics) -> None:
    """The checks after loading that need no fonts: images without alt text."""
    from tougen_pub.assets.images import warn_missing_alt

    warn_missing_alt(book, diags)
