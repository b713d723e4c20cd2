"""What a build is asked for: the typed options record shared by the CLI, the pipeline and
the builders, and the tables of allowed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WRITING_MODES = ("vertical", "horizontal")
TRIM_SIZES = ("a5", "b6", "bunko", "shinsho")
NUMERALS = ("arabic", "kanji")
OUTPUT_KINDS = ("epub", "pdf")
PRESS_PROFILES = ("x1a", "x4", "kdp")  # what a press-ready PDF is made for


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
    #: PDF: press-ready output (x1a, x4, kdp); None: book.toml's [print] press
    press: str | None = None
    #: PDF: lay the book out in parts on every idle CPU (False: one document)
    parts: bool = True
    #: a series in volumes: the volume to build (None: every volume)
    volume: int | None = None
    #: PDF of a volume: page numbers, in their own volumes, of the places in other volumes
    #: that it names (anchor -> page: articles, uses of terms, citations); by the pipeline
    elsewhere_pages: dict[str, int] = field(default_factory=dict)

    @property
    def cache_dir(self) -> Path:
        """``<out>/.cache``: what recent builds derived, kept for speed, never distributed."""
        return Path(self.out) / ".cache"


@dataclass
class BuildNotes:
    """What a builder has to say besides its file: lines for the user, and files written
    beside it (suffix after the output's stem → bytes, e.g. ``.plan.txt``)."""

    lines: list[str] = field(default_factory=list)
    beside: dict[str, bytes] = field(default_factory=dict)
