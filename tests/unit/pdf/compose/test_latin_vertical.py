"""Vertical text: Roman numerals upright on the em grid, full-width !? pairs as tcy."""

from __future__ import annotations

from tougen_pub.pdf.compose.core import CJ, atoms_from_text, compose
from tougen_pub.pdf.compose.jlreq import is_cjk
from tougen_pub.transforms.tcy import auto_tcy


def test_roman_numerals_are_on_the_em_grid() -> None:
    assert all(is_cjk(c) for c in "ⅠⅢⅫⅰ")
    atoms = atoms_from_text("第Ⅲ期", lambda c: 1.0)
    assert [a.kind for a in atoms] == [CJ, CJ, CJ]
    (line,) = compose(atoms, 10.0)
    assert line.margins == {}  # no 和欧間 around Ⅲ


def test_full_width_exclamation_pairs_are_tcy() -> None:
    assert auto_tcy("<p>本当か！？　驚いた！！</p>") == (
        '<p>本当か<span class="tcy">！？</span>　驚いた<span class="tcy">！！</span></p>'
    )
    assert auto_tcy("<p>え！？！</p>") == "<p>え！？！</p>"  # three marks: left alone
