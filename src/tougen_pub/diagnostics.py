"""Located diagnostics: every problem is data with a place, a level and a short code.

The pipeline collects diagnostics, prints them all once and fails once
(``path:line:col: level: message [code]``, like Sphinx and compilers).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TextIO


class Level(str, Enum):  # noqa: UP042 - str mixin kept: str() and format() as before
    """How bad a diagnostic is; ``error`` fails the build, ``warning`` only with --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A place in the manuscript: a path (as the user should read it) and a 1-based line/column."""

    path: str
    line: int | None = None
    column: int | None = None

    def at(self, line: int | None = None, column: int | None = None) -> SourceLocation:
        return SourceLocation(self.path, line, column)

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input, with where it is and a stable code."""

    level: Level
    code: str
    message: str
    location: SourceLocation | None = None

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.level.value}: {self.message} [{self.code}]"

    def __str__(self) -> str:
        return self.format()


@dataclass
class Diagnostics:
    """Collector passed through loading and building; nothing is printed until the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        level: Level,
        code: str,
        message: str,
        location: SourceLocation | None = None,
    ) -> Diagnostic:
        diag = Diagnostic(level, code, message, location)
        self.items.append(diag)
        return diag

    def error(self, code: str, message: str, location: SourceLocation | None = None) -> Diagnostic:
        return self.add(Level.ERROR, code, message, location)

    def warning(
        self, code: str, message: str, location: SourceLocation | None = None
    ) -> Diagnostic:
        return self.add(Level.WARNING, code, message, location)

    def info(self, code: str, message: str, location: SourceLocation | None = None) -> Diagnostic:
        return self.add(Level.INFO, code, message, location)

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level is Level.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level is Level.WARNING]

    def codes(self) -> list[str]:
        return [d.code for d in self.items]

    def failed(self, strict: bool = False) -> bool:
        """True when the build must stop: any error, or any warning under ``--strict``."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        def key(d: Diagnostic) -> tuple[str, int, int]:
            loc = d.location
            if loc is None:
                return ("", 0, 0)
            return (loc.path, loc.line or 0, loc.column or 0)

        return sorted(self.items, key=key)

    def print(self, stream: TextIO | None = None, *, show_info: bool = True) -> None:
        out = stream or sys.stderr
        for diag in self.sorted():
            if diag.level is Level.INFO and not show_info:
                continue
            print(diag.format(), file=out)


class TougenError(Exception):
    """The one user-facing error family: the CLI prints it without a traceback and exits 1."""

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)


class BuildFailed(TougenError):
    """The input has errors; the diagnostics say where."""


def fail_if(diags: Diagnostics, strict: bool, doing: str) -> None:
    """Stop the build when ``diags`` hold an error (``strict``: or a warning).

    The message says how many and, when only warnings stop it, which codes:
    ``2 error(s) while laying out the PDF; nothing written``."""
    if not diags.failed(strict):
        return
    if diags.errors:
        why = f"{len(diags.errors)} error(s)"
        if strict and diags.warnings:
            why += f", {len(diags.warnings)} warning(s)"
    else:
        codes = ", ".join(dict.fromkeys(d.code for d in diags.warnings))
        why = f"{len(diags.warnings)} warning(s) with --strict ({codes})"
    raise BuildFailed(
        f"{why} {doing}; nothing written",
        [d for d in diags.sorted() if d.level is not Level.INFO],
    )
