"""The XHTML adapter of the composer: the markup it writes for each line."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tougen_pub.package.compose.xhtml import STYLE_CLASSES, Settings, compose_fragment


def mono(ch: str) -> float:
    """A stand-in face: Japanese 1 em, Latin 0.5 em, space 0.25 em."""
    if ch == " ":
        return 0.25
    return 0.5 if ord(ch) < 0x2000 else 1.0


def _lines(html: str, measure: float) -> list[ET.Element]:
    out = compose_fragment(f"<div>{html}</div>", Settings(advance=mono, measure=measure))
    root = ET.fromstring(out)
    return [el for el in root.iter("span") if "ln" in (el.get("class") or "").split()]


def _classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def test_frequent_declarations_are_classes_not_style_attributes() -> None:
    lines = _lines("<p>これは日本語の文章でNATOの話をするための例文です。</p>", 10)
    first = lines[0]
    assert "ind" in _classes(first)  # the paragraph indent
    assert "padding-left" not in (first.get("style") or "")
    spaced = [el for ln in lines for el in ln.iter() if "sp" in _classes(el)]
    assert spaced  # the quarter-em spaces around NATO
    for ln in lines:
        for el in ln.iter():
            style = el.get("style") or ""
            assert not any(decl in style.split(";") for decl in STYLE_CLASSES), style


def test_latin_run_gets_a_span_only_where_it_needs_spacing_zero() -> None:
    # one short line: no letter-spacing, and the run at the line's start has no margins
    (line,) = _lines("<p>ABC DEF</p>", 20)
    assert not (line.get("style") or "").count("letter-spacing")
    assert [el for el in line.iter() if "lat" in _classes(el)] == []
    assert "".join(line.itertext()) == "ABC DEF"
    # a justified line keeps its Latin run at letter-spacing 0
    lines = _lines("<p>あいうえおかきくけこさしABCすせそたちつてと。なにぬねの</p>", 10.3)
    justified = [ln for ln in lines if "letter-spacing" in (ln.get("style") or "")]
    assert justified
    assert any("lat" in _classes(el) for ln in justified for el in ln.iter())
