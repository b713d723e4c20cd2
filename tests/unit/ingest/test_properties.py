"""Property tests of the Markdown → XHTML path: any text gives well-formed XHTML (or a located
diagnostic), never an exception; edition passes keep fragments well-formed and text intact."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tougen_pub.ingest.markup import normalize_lists, scan
from tougen_pub.ingest.mdext import Converter, Resolver
from tougen_pub.transforms.numerals import kanji_numerals
from tougen_pub.transforms.tcy import auto_tcy

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces a hostile or clumsy author might type, mixed with random text.
PIECES = st.sampled_from(
    [
        "{漢字|かん|じ}",
        "{東京|とうきょう}",
        "{",
        "}",
        "|",
        "{{漢|かん}字|じ}",
        "^12^",
        "^",
        "^1",
        "[[PFP]]",
        "[[ブダペスト覚書|覚書]]",
        "[[未知]]",
        "[[",
        "]]",
        "[@yeltsin]",
        "[@a; @b]",
        "[@",
        "[x](https://e.org)",
        "[x](javascript:alert(1))",
        "![i](images/a.png)",
        "<b>",
        "</b>",
        "<br>",
        '<span class="a">',
        "</span>",
        "<script>",
        "</script>",
        '<a href="#x">',
        "<!--",
        "-->",
        "&amp;",
        "&nbsp;",
        "&bogus;",
        "&#0;",
        "&#x110000;",
        "`",
        "```",
        "\n",
        "\n\n",
        "\n- ",
        "\n  - ",
        "\n1. ",
        "\n    ",
        "\n## ",
        "\n### ",
        "*",
        "_",
        "**",
        "> ",
        "\\",
        "|",
        "\n|a|b|\n|-|-|\n",
        "<",
        ">",
        '"',
        "'",
        "\u3000",
        "\t",
        "\x00",
        "\x0b",
        "\ufffe",
        "😀",
        "𐀀",
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=25).map("".join)


def resolver() -> Resolver:
    return Resolver(
        term_ids={"PFP": "pfp", "ブダペスト覚書": "budapest"},
        source_numbers={"yeltsin": 1, "a": 2},
        prefix="p",
    )


def policy(src: str):  # type: ignore[no-untyped-def]
    return ("@image/images/a.png", None) if src == "images/a.png" else (None, None)


@SETTINGS
@given(TEXT)
def test_markdown_gives_well_formed_xhtml_or_a_located_finding(text: str) -> None:
    conv = Converter(resolver(), images=policy)
    html = conv.convert(text)
    root = ET.fromstring(f"<div>{html}</div>")
    for el in root.iter():
        assert el.tag not in {"script", "iframe", "style"}
        assert not any(a.lower().startswith("on") for a in el.attrib)
        assert "javascript" not in el.get("href", "").lower()
    lines = text.split("\n")
    for finding in conv.findings:
        assert finding.code and finding.message
        if finding.line is not None:
            assert 1 <= finding.line <= len(lines)


@SETTINGS
@given(TEXT)
def test_scanner_locations_are_inside_the_text(text: str) -> None:
    marks, problems = scan(text)
    lines = text.split("\n")
    for item in [*marks, *problems]:
        assert 1 <= item.line <= len(lines)
        assert 1 <= item.column <= len(lines[item.line - 1])
    out, code = normalize_lists(text)
    assert len(out.split("\n")) == len(lines) == len(code)


@SETTINGS
@given(TEXT)
def test_passes_keep_fragments_well_formed_and_text(text: str) -> None:
    html = Converter(resolver(), images=policy).convert(text)
    before = "".join(ET.fromstring(f"<div>{html}</div>").itertext())
    tcy = auto_tcy(html)
    assert "".join(ET.fromstring(f"<div>{tcy}</div>").itertext()) == before  # only wraps
    kanji = auto_tcy(kanji_numerals(html))
    after = "".join(ET.fromstring(f"<div>{kanji}</div>").itertext())

    def words(s: str) -> str:  # numbers change form (2025 → 二〇二五); all else is kept
        return "".join(c for c in s if not c.isdigit() and c not in NUMERALS)

    assert words(after) == words(before)


NUMERALS = "〇一二三四五六七八九十百千,"


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789年月日人.,:/ -abcNATO!?", max_size=30))
def test_tcy_wraps_only_short_numbers(text: str) -> None:
    from html import escape

    out = auto_tcy(f"<p>{escape(text, quote=False)}</p>")
    root = ET.fromstring(out)
    assert "".join(root.itertext()) == text
    for span in root.iter("span"):
        assert span.get("class") == "tcy"
        assert span.text is not None and (
            (span.text.isdigit() and len(span.text) <= 2) or set(span.text) <= {"!", "?"}
        )
