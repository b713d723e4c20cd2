"""Finding the book's Japanese fonts: a path from ``book.toml`` or fontconfig.

A font is a file plus a face index (for ``.ttc`` collections). Mincho (明朝) sets the
body, Gothic (ゴシック) the headings and the cover. IPAex is preferred where installed
(single-face TrueType, small and quick to subset), then any Japanese serif/sans face that
fontconfig offers.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import mmap
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tougen_pub.diagnostics import Diagnostic, Level, SourceLocation, TougenError

if TYPE_CHECKING:
    import subprocess

    from tougen_pub.config import BookConfig

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


JAPANESE_PROBE = "あア漢字、。"


def _is_japanese(ref: FontRef) -> bool:
    """A face that has both kana and common kanji."""
    points = frozenset(ord(c) for c in JAPANESE_PROBE)
    try:
        return covered(ref, points) == points
    except Exception:  # noqa: BLE001 - an unreadable font is simply not a candidate
        return False


FC_FORMAT = "%{file}\t%{index}"
_fc_output: dict[str, str | None] = {}  # fc-match's answer per pattern, for this process


def _fc_start(pattern: str) -> subprocess.Popen[str] | None:
    import subprocess  # only when fontconfig is asked (on the cover thread in EPUB builds)

    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        return subprocess.Popen(
            [exe, "-f", FC_FORMAT, pattern],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
        )
    except OSError:
        return None


def _fc_finish(proc: subprocess.Popen[str] | None) -> str | None:
    if proc is None:
        return None
    import subprocess

    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.SubprocessError:
        proc.kill()
        proc.communicate()
        return None
    return out if proc.returncode == 0 else None


def fc_prefetch(patterns: list[str]) -> None:
    """Ask fontconfig about several patterns at once (each fc-match run spends most of its
    few milliseconds starting up); :func:`fc_match` then answers from the results."""
    todo = [p for p in dict.fromkeys(patterns) if p not in _fc_output]
    started = [(p, _fc_start(p)) for p in todo]
    for pattern, proc in started:
        _fc_output[pattern] = _fc_finish(proc)


@functools.lru_cache(maxsize=16)
def fc_match(pattern: str) -> FontRef | None:
    """The file fontconfig matches for a pattern, if fontconfig is installed."""
    if pattern not in _fc_output:
        fc_prefetch([pattern])
    out = _fc_output[pattern]
    if not out:
        return None
    file, _, index = out.partition("\t")
    if not file:
        return None
    ref = FontRef(Path(file).resolve(), int(index or 0) if index.isdigit() else 0)
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
        found = fc_match(pattern)
        if found is not None:
            return found
    raise TougenError(f"no Japanese {kind} font found: {INSTALL_HINT}")


def _font_error(code: str, message: str, kind: str, root: Path) -> NoReturn:
    """A configured font that cannot be used: an error at its line of book.toml."""
    from tougen_pub.records.tomlfile import locate_key

    book_toml = root / "book.toml"
    try:
        line = locate_key(book_toml.read_text(encoding="utf-8"), ("fonts", kind))
    except (OSError, UnicodeDecodeError):
        line = None
    where = SourceLocation(str(book_toml), line)
    raise TougenError(message, [Diagnostic(Level.ERROR, code, message, where)])


def book_fonts(config: BookConfig, root: Path) -> BookFonts:
    fc_prefetch(
        [
            PATTERNS[kind][0]
            for kind, configured in (
                ("mincho", config.fonts.mincho),
                ("gothic", config.fonts.gothic),
            )
            if not configured
        ]
    )
    return BookFonts(
        mincho=resolve("mincho", config.fonts.mincho, root),
        gothic=resolve("gothic", config.fonts.gothic, root),
    )


def warm_book_fonts(config: BookConfig, root: Path) -> None:
    """Resolve both faces ahead (fontconfig's answers and the faces' coverage are kept for
    this process), so that a later :func:`book_fonts` is immediate; problems are left to
    that call to report."""
    import contextlib

    with contextlib.suppress(Exception):
        book_fonts(config, root)
    for kind in ("mincho", "gothic"):  # the one that works when the other failed
        with contextlib.suppress(Exception):
            resolve(kind, getattr(config.fonts, kind), root)


def missing_chars(ref: FontRef, chars: frozenset[str]) -> frozenset[str]:
    """Characters of ``chars`` the face has no glyph for (whitespace/controls ignored)."""
    wanted = {c for c in chars if not c.isspace() and c.isprintable()}
    found = covered(ref, frozenset(ord(c) for c in wanted))
    return frozenset(c for c in wanted if ord(c) not in found)


# A few code points (the probe of a Japanese face, a cover's title) are looked up directly
# in the cmap subtable instead of reading the face's whole coverage.
FEW_POINTS = 256


def covered(ref: FontRef, points: frozenset[int]) -> frozenset[int]:
    """The code points of ``points`` that ``ref`` has a real glyph for (as :func:`coverage`)."""
    if len(points) <= FEW_POINTS:
        st = ref.path.stat()
        found = _lookup(ref.path, ref.index, st.st_mtime_ns, st.st_size, points)
        if found is not None:
            return found
    cover = coverage(ref)
    return frozenset(p for p in points if p in cover)


def _lookup(
    path: Path, index: int, mtime: int, size: int, points: frozenset[int]
) -> frozenset[int] | None:
    """Direct lookup in a format 12/13 subtable; None for other layouts (or odd tables)."""
    groups = _groups(path, index, mtime, size)
    if groups is None:
        return None
    fmt, starts, ends, glyphs = groups
    found = set()
    for point in points:
        i = bisect.bisect_right(starts, point) - 1
        if i < 0 or point > ends[i]:
            continue
        glyph = glyphs[i]
        if fmt == 13:
            if glyph:
                found.add(point)
        elif glyph or point > starts[i]:  # only a group's first code point can be .notdef
            found.add(point)
    return frozenset(found)


@functools.lru_cache(maxsize=16)
def _groups(
    path: Path, index: int, _mtime: int, _size: int
) -> tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None:
    """(format, starts, ends, glyphs) of the preferred cmap subtable when it is a format
    12/13 table of sorted, disjoint groups (as the specification requires), else None."""
    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at = _preferred_subtable(data, index)  # type: ignore[arg-type]
            if at is None:
                return None
            (fmt,) = struct.unpack_from(">H", data, at)
            if fmt not in (12, 13):
                return None
            (n,) = struct.unpack_from(">I", data, at + 12)
            values = struct.unpack_from(f">{3 * n}I", data, at + 16)
    except (OSError, struct.error, IndexError, ValueError):
        return None
    starts, ends, glyphs = values[0::3], values[1::3], values[2::3]
    if any(s > e for s, e in zip(starts, ends, strict=True)) or any(
        e >= s for e, s in zip(ends, starts[1:], strict=False)
    ):
        return None
    return fmt, starts, ends, glyphs


# -- character coverage -------------------------------------------------------------------
# Reading the cmap with fontTools unpacks every mapping of a CJK font into a dict of glyph
# names (0.1 s per face); coverage only needs the code point ranges, read from the raw
# subtable once per face and process.

# fontTools' getBestCmap order: Unicode full repertoire first, then BMP.
CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


class Coverage:
    """The code points a face maps to a real glyph (glyph 0, .notdef, does not count)."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [r[0] for r in merged]
        self.ends = [r[1] for r in merged]

    def __contains__(self, codepoint: object) -> bool:
        if not isinstance(codepoint, int):
            return False
        i = bisect.bisect_right(self.starts, codepoint) - 1
        return i >= 0 and codepoint <= self.ends[i]

    def __len__(self) -> int:
        return sum(e - s + 1 for s, e in zip(self.starts, self.ends, strict=True))


def coverage(ref: FontRef) -> Coverage:
    """The code points ``ref`` has glyphs for; read once per file version and process."""
    st = ref.path.stat()
    return _coverage(ref.path, ref.index, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _coverage(path: Path, index: int, _mtime: int, _size: int) -> Coverage:
    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            ranges = _cmap_ranges(data, index)  # type: ignore[arg-type]
    except (struct.error, IndexError, ValueError):
        ranges = None
    if ranges is None:  # a layout this reader does not know: let fontTools decide
        from fontTools.ttLib import TTFont

        cmap = TTFont(path, fontNumber=index, lazy=True).getBestCmap() or {}
        ranges = [(c, c) for c in cmap]
    return Coverage(ranges)


def _table(data: bytes, index: int, tag: bytes) -> tuple[int, int] | None:
    """(offset, length) of a table of face ``index`` (a .ttc collection or a single font)."""
    base = 0
    if data[:4] == b"ttcf":
        (count,) = struct.unpack_from(">I", data, 8)
        if not 0 <= index < count:
            raise ValueError(f"no face {index}")
        (base,) = struct.unpack_from(">I", data, 12 + 4 * index)
    elif index != 0:
        raise ValueError(f"no face {index}")
    (num_tables,) = struct.unpack_from(">H", data, base + 4)
    for i in range(num_tables):
        rec = base + 12 + 16 * i
        if data[rec : rec + 4] == tag:
            _checksum, offset, length = struct.unpack_from(">III", data, rec + 4)
            return offset, length
    return None


def _cmap_ranges(data: bytes, index: int) -> list[tuple[int, int]] | None:
    """Covered code point ranges of the preferred cmap subtable, or None when the font
    uses a subtable format read only by fontTools."""
    at = _preferred_subtable(data, index)
    return [] if at is None else _subtable_ranges(data, at)


def _preferred_subtable(data: bytes, index: int) -> int | None:
    """Offset of the cmap subtable fontTools' getBestCmap would use (None: no cmap)."""
    found = _table(data, index, b"cmap")
    if found is None:
        return None
    cmap, _length = found
    _version, count = struct.unpack_from(">HH", data, cmap)
    subtables: dict[tuple[int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables.setdefault((platform, encoding), cmap + offset)
    for key in CMAP_PREFERENCES:
        if key in subtables:
            return subtables[key]
    return None


def _subtable_ranges(data: bytes, at: int) -> list[tuple[int, int]] | None:
    (fmt,) = struct.unpack_from(">H", data, at)
    ranges: list[tuple[int, int]] = []
    if fmt in (12, 13):
        (n_groups,) = struct.unpack_from(">I", data, at + 12)
        for start, end, glyph in struct.iter_unpack(
            ">III", data[at + 16 : at + 16 + 12 * n_groups]
        ):
            if fmt == 13:  # many-to-one: every code point gets the same glyph
                if glyph:
                    ranges.append((start, end))
            elif glyph == 0:  # only the group's first code point maps to .notdef
                if end > start:
                    ranges.append((start + 1, end))
            else:
                ranges.append((start, end))
        return ranges
    if fmt == 4:
        (seg_x2,) = struct.unpack_from(">H", data, at + 6)
        n = seg_x2 // 2
        ends = struct.unpack_from(f">{n}H", data, at + 14)
        starts = struct.unpack_from(f">{n}H", data, at + 16 + seg_x2)
        deltas = struct.unpack_from(f">{n}h", data, at + 16 + 2 * seg_x2)
        range_at = at + 16 + 3 * seg_x2
        offsets = struct.unpack_from(f">{n}H", data, range_at)
        for i in range(n):
            start, end, delta, offset = starts[i], ends[i], deltas[i], offsets[i]
            if start == 0xFFFF or start > end:
                continue
            if offset == 0:
                zero = (-delta) & 0xFFFF  # the one code point that lands on glyph 0
                if start <= zero <= end:
                    if zero > start:
                        ranges.append((start, zero - 1))
                    if zero < end:
                        ranges.append((zero + 1, end))
                else:
                    ranges.append((start, end))
                continue
            first = range_at + 2 * i + offset
            glyphs = struct.unpack_from(f">{end - start + 1}H", data, first)
            for code, glyph in enumerate(glyphs, start):
                if glyph and (glyph + delta) & 0xFFFF:
                    ranges.append((code, code))
        return ranges
    if fmt == 6:
        first, n = struct.unpack_from(">HH", data, at + 6)
        glyphs = struct.unpack_from(f">{n}H", data, at + 10)
        return [(first + i, first + i) for i, g in enumerate(glyphs) if g]
    if fmt == 0:
        glyph_ids = data[at + 6 : at + 6 + 256]
        return [(i, i) for i, g in enumerate(glyph_ids) if g]
    return None
