"""The XHTML adapter of the composer: the markup it writes for each line."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tougen_pub.pdf.compose.xhtml import (
    STYLE_CLASSES,
    Settings,
    _may_be_line,
    compose_fragment,
)


def mono(ch: str) -> float:
    """A stand-in face: Japanese 1 em, Latin 0.5 em, space 0.25 em."""
    if ch == " ":
        return 0.25
    return 0.5 if ord(ch) < 0x2000 else 1.0


def _lines(html: str, measure: float) -> list[ET.Element]:
    out = compose_fragment(f"<div>{html}</div>", Settings(advance=mono, measure=measure))
    root = ET.fromstring(out)
    return [el for el in root.iter() if "ln" in (el.get("class") or "").split()]


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


def test_a_block_of_one_line_is_the_line() -> None:
    (line,) = _lines("<p>短い段落。</p>", 20)
    assert line.tag == "p"
    assert {"ln", "last", "ind", "composed"} <= _classes(line)
    assert [el.tag for el in line.iter()] == ["p"]
    (item,) = _lines("<ul><li>項目</li></ul>", 20)
    assert item.tag == "li" and "composed" in _classes(item)


def test_blocks_of_several_lines_and_spaced_list_items_keep_line_spans() -> None:
    lines = _lines("<p>あいうえおかきくけこさしABCすせそたちつてと。なにぬねの</p>", 10.3)
    assert len(lines) == 3 and all(ln.tag == "span" for ln in lines)
    # a list item whose line has spacing of its own: the marker must not inherit it
    spaced = ET.Element("span", {"class": "ln out", "style": "letter-spacing:-0.05em"})
    assert not _may_be_line(ET.Element("li"), spaced)
    assert _may_be_line(ET.Element("p"), spaced)
    assert _may_be_line(ET.Element("li"), ET.Element("span", {"class": "ln last"}))


def test_curly_quote_between_latin_letters_is_narrow() -> None:
    """Russia’s: the quote between Latin letters is set as part of the Latin run, in the
    face's narrow form (span.lq), and only there; 「’」 next to Japanese stays as it is."""

    def quote(ch: str) -> tuple[float, float, float]:
        return (0.3, 0.0, 0.0)

    settings = Settings(advance=mono, measure=40, latin_quote=quote)
    out = compose_fragment("<div><p>これはRussia’sの話と’だけ。</p></div>", settings)
    root = ET.fromstring(out)
    quotes = [el for el in root.iter() if el.get("class") == "lq"]
    assert [el.text for el in quotes] == ["’"]
    assert "".join(root.itertext()).count("Russia’s") == 1
