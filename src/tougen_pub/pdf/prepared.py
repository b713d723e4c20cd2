"""What is decided before layout: the print HTML of one edition, how WeasyPrint may fetch,
the page geometry, the finisher, and where the page numbers of the previous build are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tougen_pub.options import BuildNotes
from tougen_pub.pdf.geometry import Geometry

if TYPE_CHECKING:
    from tougen_pub.pdf.fetch import RestrictedFetcher


@dataclass
class Prepared:
    """Everything decided before layout (inspectable in tests)."""

    html: str
    fetcher: RestrictedFetcher
    geometry: Geometry
    finisher: Callable[[Any, Any], None] | None
    base_url: str
    #: page numbers of the link targets from the previous build (see :func:`.builder.render`)
    page_cache: Path | None = None
    numerals: str = "arabic"
    #: what the build says besides the file (the page plan), filled in after layout
    notes: BuildNotes = field(default_factory=BuildNotes)
