"""Where a glyph's ink stands in its advance: what the stylesheet needs to centre the
sesame dot of 傍点 (﹅) on its character, in the horizontal face and the derived vertical
one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from machine import font_path
from tougen_pub.assets.fonts import FontRef
from tougen_pub.pdf.builder import emphasis_css
from tougen_pub.pdf.compose.metrics import FontMetrics
from tougen_pub.pdf.vertical.font import derive_vertical_font

IPAEX = font_path("IPAexMincho")


def _need(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not installed")


def _ink_centre(font: TTFont, ch: str) -> float:
    """The centre of the ink of ``ch`` less the centre of its advance, in em, along x."""
    glyphs = font.getGlyphSet()
    name = font.getBestCmap()[ord(ch)]
    pen = BoundsPen(glyphs)
    glyphs[name].draw(pen)
    x_min, _, x_max, _ = pen.bounds
    return ((x_min + x_max) / 2 - font["hmtx"][name][0] / 2) / font["head"].unitsPerEm


def test_the_sesame_dot_of_ipaex_is_drawn_before_the_centre_of_its_em() -> None:
    _need(IPAEX)
    metrics = FontMetrics(IPAEX)
    assert metrics.ink_offset("﹅") == pytest.approx(-0.0334, abs=0.001)
    assert metrics.ink_offset("﹅") == pytest.approx(_ink_centre(TTFont(IPAEX), "﹅"))
    assert abs(metrics.ink_offset("国")) < 0.02  # a kanji fills its em about evenly
    assert metrics.ink_offset("\U000f0000") == 0.0  # not in the face
    assert metrics.ink_offset(" ") == 0.0  # no ink


def test_the_derived_vertical_font_knows_where_its_dot_is() -> None:
    _need(IPAEX)
    derived = derive_vertical_font(FontRef(IPAEX), "﹅国", [], family="TougenInkTest")
    drawn = TTFont(io.BytesIO(derived.data))
    # the rotated glyph: along the line (x of the layout page) is down the column
    assert derived.ink_offset("﹅") == pytest.approx(_ink_centre(drawn, "﹅"))
    assert derived.ink_offset("国") == 0.0  # only the dot is measured


def test_the_dot_is_moved_back_by_its_offset() -> None:
    assert emphasis_css(-0.0334) == "\n.bt::after { left: 0.0334em; }"
    assert emphasis_css(0.0) == ""
