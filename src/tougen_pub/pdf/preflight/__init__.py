"""`tougen-pub preflight`: what a print shop's preflight would say about a PDF.

Boxes and bleed, the page count, a ノンブル on every page, fonts (embedded, no Type 3,
one program per face), colour spaces (RGB is an error for press), transparency,
annotations, the PDF/X output intent and keys, text inside the safe zone, image
resolution. Findings are diagnostics located at ``FILE.pdf#page=N`` (the PDF open
parameter a viewer understands); any error makes the exit status 1. Usable on any PDF.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tougen_pub.diagnostics import Diagnostic, Diagnostics, Level, TougenError
from tougen_pub.pdf.preflight import checks
from tougen_pub.pdf.preflight.checks import PRESSES, Press, page_location


@dataclass(frozen=True)
class Report:
    """The findings and one line per check (name, pages with findings, worst level)."""

    diagnostics: Diagnostics
    rows: list[tuple[str, int, str]]
    pages: int
    press: Press

    @property
    def failed(self) -> bool:
        return bool(self.diagnostics.errors)

    def ordered(self) -> list[Diagnostic]:
        """The findings of the whole file first, then page by page."""
        return sorted(self.diagnostics, key=lambda d: _page_of(d) or 0)

    def table(self) -> str:
        width = max(_width(name) for name, _, _ in self.rows)
        lines = [f"preflight ({self.press.title}), {self.pages} pages:"]
        for name, count, level in self.rows:
            verdict = "ok" if not count else f"{level}: {count} finding(s)"
            lines.append(f"  {name}{' ' * (width - _width(name))}  {verdict}")
        return "\n".join(lines)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def preflight(path: Path, press: str | None = None, pages_multiple: int = 4) -> Report:
    """Check ``path`` for the press profile ``press`` (None: any press; x1a, x4, kdp)."""
    import pikepdf
    import pypdf

    profile = PRESSES[press or "print"]
    try:
        pdf = pikepdf.open(path)
        reader = pypdf.PdfReader(str(path))
    except (OSError, pikepdf.PdfError, pypdf.errors.PdfReadError) as exc:
        raise TougenError(f"{path}: not a readable PDF ({exc})") from exc
    diags = Diagnostics()
    rows: list[tuple[str, int, str]] = []
    with pdf:
        context = checks.Context(path, pdf, reader, profile, pages_multiple)
        for name, check in checks.CHECKS:
            found = Diagnostics()
            check(context, found)
            found = merge_pages(found)
            diags.extend(found)
            worst = min((d.level for d in found), key=_severity, default=Level.INFO)
            rows.append((name, len(found), worst.value))
        pages = len(pdf.pages)
    return Report(diags, rows, pages, profile)


def merge_pages(found: Diagnostics) -> Diagnostics:
    """One finding for the pages that share it word for word: at the first page, with the
    page numbers (``pages 1–50``) added."""
    groups: dict[tuple[Level, str, str], list[Diagnostic]] = {}
    for diag in found:
        groups.setdefault((diag.level, diag.code, diag.message), []).append(diag)
    merged = Diagnostics()
    for (level, code, message), same in groups.items():
        if len(same) > 1:
            numbers = [_page_of(d) for d in same]
            message = f"{message} (pages {page_ranges([n for n in numbers if n])})"
        merged.add(level, code, message, same[0].location)
    return merged


def _page_of(diag: Diagnostic) -> int | None:
    path = diag.location.path if diag.location else ""
    head, _, number = path.rpartition("#page=")
    return int(number) if head and number.isdigit() else None


def page_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7, 9, 10]`` → ``1–3, 7, 9–10``."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in spans)


def _severity(level: Level) -> int:
    return {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}[level]


__all__ = ["PRESSES", "Report", "page_location", "preflight"]
