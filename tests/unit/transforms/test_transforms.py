"""Edition passes: automatic tate-chu-yoko and kanji numerals, on well-formed fragments."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tougen_pub.ingest.loader import load_book
from tougen_pub.pdf.charset import tcy_strings
from tougen_pub.transforms.numerals import kanji_numerals, positional, to_kanji
from tougen_pub.transforms.passes import Edition, apply, edition_of, passes_for
from tougen_pub.transforms.tcy import auto_tcy
from tougen_pub.transforms.xhtml import map_text

TINY = Path(__file__).resolve().parents[2] / "fixtures" / "books" / "tiny"


def text_of(fragment: str) -> str:
    return "".join(ET.fromstring(f"<div>{fragment}</div>").itertext())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>2月9日</p>", '<p><span class="tcy">2</span>月<span class="tcy">9</span>日</p>'),
        ("<p>12人</p>", '<p><span class="tcy">12</span>人</p>'),
        ("<p>2025年</p>", "<p>2025年</p>"),  # long numbers stay as they are
        ("<p>1.5倍と1,700人と100%</p>", "<p>1.5倍と1,700人と100%</p>"),
        ("<p>NATO 12</p>", "<p>NATO 12</p>"),  # after a Latin word
        ("<p>本当!?</p>", '<p>本当<span class="tcy">!?</span></p>'),
        ('<p><span class="tcy">12</span>月</p>', '<p><span class="tcy">12</span>月</p>'),
        (
            '<p><a href="https://e.org">12</a><code>34</code></p>',
            '<p><a href="https://e.org">12</a><code>34</code></p>',
        ),
        ("<p><ruby>十<rt>12</rt></ruby></p>", "<p><ruby>十<rt>12</rt></ruby></p>"),
    ],
)
def test_auto_tcy(source: str, expected: str) -> None:
    out = auto_tcy(source)
    assert out == expected
    assert text_of(out) == text_of(source)  # tate-chu-yoko only wraps


def test_tcy_strings() -> None:
    assert tcy_strings(auto_tcy("<p>2月12日!!</p>")) == {"2", "12", "!!"}


@pytest.mark.parametrize(
    ("number", "kanji"),
    [
        ("12", "十二"),
        ("24", "二十四"),
        ("130", "百三十"),
        ("2025", "二〇二五"),
        ("1,700", "一七〇〇"),
        ("0", "〇"),
        ("10", "十"),
        ("007", "〇〇七"),
    ],
)
def test_to_kanji(number: str, kanji: str) -> None:
    assert to_kanji(number) == kanji


def test_positional() -> None:
    assert [positional(n) for n in (1, 11, 101, 1000, 9999)] == [
        "一",
        "十一",
        "百一",
        "千",
        "九千九百九十九",
    ]


def test_kanji_numerals_in_text() -> None:
    out = kanji_numerals(
        '<p>2025年2月9日、12人。<span class="tcy">12</span> v1.5 https://e.org/12</p>'
    )
    assert (
        out
        == '<p>二〇二五年二月九日、十二人。<span class="tcy">12</span> v1.5 https://e.org/12</p>'
    )


def test_passes_per_edition() -> None:
    assert [n for n, _ in passes_for(Edition("horizontal", "kanji"))] == []
    assert [n for n, _ in passes_for(Edition("vertical"))] == ["auto-tcy"]
    assert [n for n, _ in passes_for(Edition("vertical", "kanji"))] == [
        "kanji-numerals",
        "auto-tcy",
    ]
    assert [n for n, _ in passes_for(Edition("vertical", tcy="manual"))] == []


def test_map_text_keeps_markup() -> None:
    src = "<p>a<b>b</b>c<code>d</code></p>"
    assert map_text(src, lambda t: [t.upper()]) == "<p>A<b>B</b>C<code>d</code></p>"


def test_apply_to_a_book_keeps_fragments_well_formed() -> None:
    book, diags = load_book(TINY)
    assert book is not None
    horizontal = apply(book, edition_of(book, "horizontal"))
    assert horizontal is book
    vertical = apply(book, edition_of(book, "vertical", "kanji"))
    sec = vertical.articles[0].sections[0]
    ET.fromstring(f"<div>{sec.html}</div>")
    assert "一九九四年" in sec.html and '<span class="tcy">12</span>月' in sec.html
    assert text_of(sec.html).replace("一九九四", "1994") == text_of(
        book.articles[0].sections[0].html
    )
    for entry in vertical.glossary:
        ET.fromstring(f"<div>{entry.definition_html}</div>")
    assert book.articles[0].sections[0].html != sec.html  # the loaded book is not changed
