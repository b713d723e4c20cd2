"""The PDF's part of the build cache (``<out>/.cache/``, never shipped): the page numbers of
link targets and the time each part took in the previous build, and the derived fonts."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from tougen_pub.diagnostics import TougenError
from tougen_pub.model import Book
from tougen_pub.output import atomic_write


def page_cache_path(book: Book, mode: str, out: Path | None) -> Path | None:
    """Where the page numbers of one edition's link targets are kept between builds."""
    if out is None:
        return None
    return Path(out) / ".cache" / "pages" / f"{book.config.name}-{mode}.json"


def times_path(page_cache: Path | None) -> Path | None:
    """Where the seconds each part took are kept, next to the edition's page numbers."""
    return page_cache.with_suffix(".times.json") if page_cache else None


def font_cache_dir(out: Path | None) -> Path | None:
    """Where derived vertical fonts are cached: ``<out>/.cache/fonts/`` (a build folder,
    never shipped: the derived fonts are only ever distributed inside the PDF)."""
    return Path(out) / ".cache" / "fonts" if out is not None else None


def _read_cache_map(path: Path | None) -> dict[str, Any]:
    """A JSON object of the build cache; empty when missing or unreadable."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str)} if isinstance(data, dict) else {}


def _write_cache_map(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    with contextlib.suppress(OSError, TougenError):  # only a speed-up for the next build
        atomic_write(path, text)


def read_page_map(path: Path | None) -> dict[str, int]:
    return {k: v for k, v in _read_cache_map(path).items() if type(v) is int}


def write_page_map(path: Path, pages: dict[str, int]) -> None:
    _write_cache_map(path, pages)


def read_times(path: Path | None) -> dict[str, float]:
    """Seconds each part took in the previous build (by its first anchor)."""
    return {
        k: float(v) for k, v in _read_cache_map(path).items() if type(v) in (int, float) and v >= 0
    }


def write_times(path: Path, times: dict[str, float]) -> None:
    _write_cache_map(path, {k: round(v, 3) for k, v in times.items() if k})
