"""Soft line breaks (CSS Text 3 segment break rules) and the nesting limit, in the
Markdown → XHTML conversion."""

from __future__ import annotations

import pytest

from tougen_pub.ingest.markup import MAX_NESTING, nesting_problem
from tougen_pub.ingest.mdext import Converter, Resolver
from tougen_pub.ja import segment_break_removable


def convert(text: str) -> str:
    return Converter(Resolver(term_ids={"PFP": "pfp"}, note_labels=frozenset({"1"}))).convert(text)


# (before, after, removed): the characters either side of a line break
PAIRS = [
    ("本", "語", True),  # kanji W / W
    ("。", "次", True),  # full-width punctuation is W
    ("い", "ア", True),  # kana
    ("ｱ", "本", True),  # half-width katakana is H
    ("Ａ", "本", True),  # full-width Latin is F
    ("本", "a", False),  # Latin is Na: a space stays
    ("a", "b", False),
    ("本", "1", False),
    ("한", "국", False),  # Hangul keeps its spaces
    ("本", "·", False),  # ambiguous width (A) is not wide
    ("\u200b", "a", True),  # next to a zero-width space
    ("", "本", False),
]


@pytest.mark.parametrize(("before", "after", "removed"), PAIRS)
def test_segment_break_rule(before: str, after: str, removed: bool) -> None:
    assert segment_break_removable(before, after) is removed


# (Markdown, expected XHTML)
CASES = [
    ("この文は\n改行される。", "<p>この文は改行される。</p>"),
    ("the quick\nbrown fox", "<p>the quick\nbrown fox</p>"),
    ("日本語の\nLatin", "<p>日本語の\nLatin</p>"),
    ("前の行 \n 次の行", "<p>前の行次の行</p>"),  # white space around the break goes with it
    ("> 引用の\n> 文。", "<blockquote>\n<p>引用の文。</p>\n</blockquote>"),
    ("- 項目の\n  続き", "<ul>\n<li>項目の続き</li>\n</ul>"),
    ("| 見出し |\n|---|\n| 表の中 |", None),  # a cell has no line break to remove
    ("{漢字|かんじ}\nの読み", "<p><ruby>漢字<rt>かんじ</rt></ruby>の読み</p>"),
    ("読みの\n{漢字|かんじ}", "<p>読みの<ruby>漢字<rt>かんじ</rt></ruby></p>"),
    (
        "[[PFP]]\nの話",
        '<p><a class="glossary-ref" href="@glossary/pfp" id="x-g-pfp-1">PFP</a>\nの話</p>',
    ),
    ("^12^\n月", '<p><span class="tcy">12</span>月</p>'),  # tate-chu-yoko counts as wide
    ("。\n^12^月", '<p>。<span class="tcy">12</span>月</p>'),
    ("強調の*文\n字*です", "<p>強調の<em>文字</em>です</p>"),
    ("注の後[^1]\nの文", None),
    ("硬い改行  \n次の行", "<p>硬い改行<br />\n次の行</p>"),  # hard breaks stay
    ("改行<br>\n次の行", "<p>改行<br />\n次の行</p>"),
    ("`コード\n内`の後", "<p><code>コード\n内</code>の後</p>"),  # code untouched
    ("```\n日本\n語\n```", "<pre><code>日本\n語\n</code></pre>"),
    ('<span class="x">生の\nHTML</span>と\n日本', '<p><span class="x">生の\nHTML</span>と日本</p>'),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_soft_breaks(text: str, expected: str | None) -> None:
    html = convert(text)
    if expected is not None:
        assert html == expected
    elif "表" in text:
        assert "<td>表の中</td>" in html
    else:
        assert "</a>の文" in html  # after a footnote call


def test_soft_breaks_in_notes_and_glossary_definitions() -> None:
    """Every fragment goes through the same conversion (notes, definitions, headings)."""
    assert convert("注の中の\n改行。\n\n第二\n段落。") == "<p>注の中の改行。</p>\n<p>第二段落。</p>"


# -- nesting depth ---------------------------------------------------------------------------
def test_nesting_within_the_limit() -> None:
    assert nesting_problem("> " * MAX_NESTING + "深い") is None
    deep_list = "\n".join("  " * k + "- 項目" for k in range(MAX_NESTING))
    assert nesting_problem(deep_list) is None
    assert nesting_problem("<span>" * MAX_NESTING + "x" + "</span>" * MAX_NESTING) is None


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("前\n\n" + "> " * 400 + "深い", 3, 2 * MAX_NESTING + 1),
        ("\n".join("  " * k + "- 項目" for k in range(400)), MAX_NESTING + 1, 2 * MAX_NESTING + 1),
        ("\n".join("    " * k + "* 項目" for k in range(50)), MAX_NESTING + 1, 4 * MAX_NESTING + 1),
        ("\n".join("> " * 15 + "    " * k + "- 混在" for k in range(10)), 6, 51),
        ("<div>" * 400, 1, 5 * MAX_NESTING + 1),
        ("<span>\n" * 30, MAX_NESTING + 1, 1),
    ],
)
def test_too_deep_is_located(text: str, line: int, column: int) -> None:
    problem = nesting_problem(text)
    assert problem is not None
    assert (problem.code, problem.line, problem.column) == ("nesting-too-deep", line, column)


@pytest.mark.parametrize("n", [400, 5000])
def test_hostile_depth_converts_without_recursion(n: int) -> None:
    converter = Converter(Resolver())
    html = converter.convert("> " * n + "深い")
    assert [f.code for f in converter.findings] == ["nesting-too-deep"]
    assert html.startswith("<p>") and "深い" in html
    converter.convert("<div>" * n)
    assert [f.code for f in converter.findings] == ["nesting-too-deep"]


def test_code_is_not_nesting() -> None:
    assert nesting_problem("```\n" + "> " * 400 + "\n```") is None
    assert nesting_problem("`" + "<b>" * 400 + "`") is None
