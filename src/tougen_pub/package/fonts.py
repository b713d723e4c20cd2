"""Finding the book's Japanese fonts: a path from ``book.toml`` or fontconfig.

A font is a file plus a face index (for ``.ttc`` collections). Mincho (明朝) sets the
body, Gothic (ゴシック) the headings and the cover. IPAex is preferred where installed
(single-face TrueType, small and quick to subset), then any Japanese serif/sans face that
fontconfig offers.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from tougen_pub.config import BookConfig
from tougen_pub.diagnostics import Diagnostic, Level, SourceLocation, TougenError

# fontconfig patterns tried in order when book.toml names no font.
PATTERNS: dict[str, tuple[str, ...]] = {
    "mincho": ("IPAexMincho", "Noto Serif CJK JP", "serif:lang=ja"),
    "gothic": ("IPAexGothic", "Noto Sans CJK JP", "sans-serif:lang=ja"),
}
INSTALL_HINT = (
    "install a Japanese font (Debian: apt-get install fonts-ipaexfont-mincho "
    "fonts-ipaexfont-gothic fonts-noto-cjk) or set [fonts] mincho/gothic in book.toml"
)


@dataclass(frozen=True)
class FontRef:
    """One face of a font file."""

    path: Path
    index: int = 0

    def digest(self) -> str:
        """Content hash of the file (cache key for derived fonts)."""
        return _digest(self.path, self.path.stat().st_mtime_ns)

    def __str__(self) -> str:
        return f"{self.path}:{self.index}" if self.index else str(self.path)


@functools.lru_cache(maxsize=8)
def _digest(path: Path, _mtime: int) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class BookFonts:
    mincho: FontRef
    gothic: FontRef


def parse_ref(value: str, base: Path) -> FontRef:
    """``path`` or ``path:index``; relative paths are relative to the manuscript."""
    path_part, index = value, 0
    head, sep, tail = value.rpartition(":")
    if sep and tail.isdigit():
        path_part, index = head, int(tail)
    path = Path(path_part).expanduser()
    if not path.is_absolute():
        path = base / path
    return FontRef(path, index)


def _is_japanese(ref: FontRef) -> bool:
    """A face that has both kana and common kanji."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(ref.path, fontNumber=ref.index, lazy=True)
        cmap = font.getBestCmap() or {}
    except Exception:  # noqa: BLE001 - an unreadable font is simply not a candidate
        return False
    return all(ord(c) in cmap for c in "あア漢字、。")


@functools.lru_cache(maxsize=16)
def fc_match(pattern: str) -> FontRef | None:
    """The file fontconfig matches for a pattern, if fontconfig is installed."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "-f", "%{file}\t%{index}", pattern],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    file, _, index = out.partition("\t")
    if not file:
        return None
    ref = FontRef(Path(file).resolve(), int(index or 0))
    return ref if ref.path.is_file() and _is_japanese(ref) else None


def resolve(kind: str, configured: str | None, base: Path) -> FontRef:
    """The font for ``kind`` ("mincho" or "gothic"), or a TougenError that says what to do."""
    if configured:
        ref = parse_ref(configured, base)
        if not ref.path.is_file():
            _font_error(
                "font-missing",
                f"[fonts] {kind} = {configured!r}: no such font file ({ref.path})",
                kind,
                base,
            )
        if not _is_japanese(ref):
            _font_error(
                "font-invalid",
                f"[fonts] {kind} = {configured!r}: not a Japanese font (no kana/kanji)",
                kind,
                base,
            )
        return ref
    for pattern in PATTERNS[kind]:
        ref = fc_match(pattern)
        if ref is not None:
            return ref
    raise TougenError(f"no Japanese {kind} font found: {INSTALL_HINT}")


def _font_error(code: str, message: str, kind: str, root: Path) -> NoReturn:
    """A configured font that cannot be used: an error at its line of book.toml."""
    from tougen_pub.ingest.tomlfile import locate_key

    book_toml = root / "book.toml"
    try:
        line = locate_key(book_toml.read_text(encoding="utf-8"), ("fonts", kind))
    except (OSError, UnicodeDecodeError):
        line = None
    where = SourceLocation(str(book_toml), line)
    raise TougenError(message, [Diagnostic(Level.ERROR, code, message, where)])


def book_fonts(config: BookConfig, root: Path) -> BookFonts:
    return BookFonts(
        mincho=resolve("mincho", config.fonts.mincho, root),
        gothic=resolve("gothic", config.fonts.gothic, root),
    )


def missing_chars(ref: FontRef, chars: frozenset[str]) -> frozenset[str]:
    """Characters of ``chars`` the face has no glyph for (whitespace/controls ignored)."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(ref.path, fontNumber=ref.index, lazy=True).getBestCmap() or {}
    return frozenset(c for c in chars if not c.isspace() and c.isprintable() and ord(c) not in cmap)
