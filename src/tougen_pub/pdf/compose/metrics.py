"""Glyph advances of the face WeasyPrint will draw, read with fontTools (hmtx + cmap)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

Advance = Callable[[str], float]
NARROW = 0.6  # em: a quote glyph at most this wide is proportional already
QUOTE_BEARING = 0.06  # em: side bearing kept on each side of a trimmed quote


class FontMetrics:
    """Advances in em of one face; characters the face lacks count as 1 em."""

    def __init__(self, path: Path, index: int = 0) -> None:
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=index, lazy=True)
        self.units_per_em = font["head"].unitsPerEm
        self._cmap = font.getBestCmap() or {}
        self._hmtx = font["hmtx"]
        self._glyphs = font.getGlyphSet()
        self.advance = functools.lru_cache(maxsize=None)(self._advance)

    def _advance(self, ch: str) -> float:
        glyph = self._cmap.get(ord(ch))
        if glyph is None:
            return 1.0
        return self._hmtx[glyph][0] / self.units_per_em

    def latin_quote(self, ch: str) -> tuple[float, float, float]:
        """A curly quote set with Latin: (advance, blank cut before, blank cut after) in
        em. A full-width glyph (IPAex) keeps its ink and a side bearing of
        :data:`QUOTE_BEARING` on each side."""
        from fontTools.pens.boundsPen import BoundsPen

        glyph = self._cmap.get(ord(ch))
        adv = self.advance(ch)
        if glyph is None or adv <= NARROW:
            return adv, 0.0, 0.0
        pen = BoundsPen(self._glyphs)
        self._glyphs[glyph].draw(pen)
        if pen.bounds is None:
            return adv, 0.0, 0.0
        x_min, x_max = pen.bounds[0] / self.units_per_em, pen.bounds[2] / self.units_per_em
        left = max(0.0, x_min - QUOTE_BEARING)
        right = max(0.0, adv - x_max - QUOTE_BEARING)
        return adv - left - right, left, right

    def ink_offset(self, ch: str) -> float:
        """How far the centre of the ink of ``ch`` lies from the centre of its advance
        along the line, in em (negative: before it)."""
        glyph = self._cmap.get(ord(ch))
        if glyph is None:
            return 0.0
        return glyph_ink_offset(self._glyphs, glyph, self._hmtx[glyph][0], self.units_per_em)

    def __call__(self, ch: str) -> float:
        return self.advance(ch)


def glyph_ink_offset(glyphs: Any, name: str, advance: int, units_per_em: int) -> float:
    """The centre of a glyph's ink (fontTools bounds of its outline) less the centre of
    its advance, along x, in em; 0.0 for a glyph without ink. A sesame dot (﹅) is drawn
    off the centre of its em in most Japanese faces (IPAex: 0.03 em before it)."""
    from fontTools.pens.boundsPen import BoundsPen

    pen = BoundsPen(glyphs)
    glyphs[name].draw(pen)
    if pen.bounds is None:
        return 0.0
    x_min, _y_min, x_max, _y_max = pen.bounds
    return ((x_min + x_max) / 2 - advance / 2) / units_per_em


@functools.lru_cache(maxsize=8)
def metrics_for(path: Path, index: int = 0) -> FontMetrics:
    return FontMetrics(path, index)
