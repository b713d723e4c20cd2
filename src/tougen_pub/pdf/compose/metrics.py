"""Glyph advances of the face WeasyPrint will draw, read with fontTools (hmtx + cmap)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

Advance = Callable[[str], float]


class FontMetrics:
    """Advances in em of one face; characters the face lacks count as 1 em."""

    def __init__(self, path: Path, index: int = 0) -> None:
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=index, lazy=True)
        self.units_per_em = font["head"].unitsPerEm
        self._cmap = font.getBestCmap() or {}
        self._hmtx = font["hmtx"]
        self.advance = functools.lru_cache(maxsize=None)(self._advance)

    def _advance(self, ch: str) -> float:
        glyph = self._cmap.get(ord(ch))
        if glyph is None:
            return 1.0
        return self._hmtx[glyph][0] / self.units_per_em

    def __call__(self, ch: str) -> float:
        return self.advance(ch)


@functools.lru_cache(maxsize=8)
def metrics_for(path: Path, index: int = 0) -> FontMetrics:
    return FontMetrics(path, index)
