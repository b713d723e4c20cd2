"""The inline markup scanner: what it finds, where, and what it reports as malformed."""

from __future__ import annotations

import pytest

from tougen_pub.ingest.markup import masked_text, normalize_lists, scan, split_ruby


def kinds(text: str) -> list[tuple[str, str, int, int, str]]:
    marks, problems = scan(text)
    assert problems == []
    return [(m.kind, m.key, m.line, m.column, m.extra) for m in marks]


def codes(text: str) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in scan(text)[1]]


def test_group_ruby() -> None:
    assert kinds("これは{親文字|おやもじ}です") == [("ruby", "親文字", 1, 4, "おやもじ")]


def test_per_character_ruby() -> None:
    assert kinds("{漢字|かん|じ}") == [("ruby", "漢字", 1, 1, "かん|じ")]
    assert split_ruby("漢字", "かん|じ") == [("漢", "かん"), ("字", "じ")]
    assert split_ruby("東京", "とうきょう") == [("東京", "とうきょう")]
    assert split_ruby("漢字", "か|ん|じ") is None


def test_tcy_glossary_citation_positions() -> None:
    text = "一行目\n^12^月、[[PFP]]と[[ブダペスト覚書|覚書]]、[@a; @b-2]"
    assert kinds(text) == [
        ("tcy", "12", 2, 1, ""),
        ("glossary", "PFP", 2, 7, ""),
        ("glossary", "ブダペスト覚書", 2, 15, "覚書"),
        ("citation", "a", 2, 32, ""),
        ("citation", "b-2", 2, 36, ""),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{漢字|かんじ", [("ruby-unterminated", 1, 1)]),
        ("ab{{漢|かん}字|じ}", [("ruby-nested", 1, 3)]),
        ("{漢字|か|ん|じ}", [("ruby-mismatch", 1, 1)]),
        ("{漢字|}", [("ruby-empty", 1, 1)]),
        ("x\n今日は^12日", [("tcy-unterminated", 2, 4)]),
        ("[[PFP の話", [("glossary-unterminated", 1, 1)]),
        ("本文[@a;b]", [("citation-malformed", 1, 3)]),
        ("^12345^", [("tcy-long", 1, 1)]),
    ],
)
def test_problems(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert codes(text) == expected


def test_tcy_long_is_a_warning() -> None:
    assert scan("^12345^")[1][0].warning
    assert not scan("{漢字|かんじ")[1][0].warning


def test_escaped_markup_is_not_markup() -> None:
    assert scan(r"\{漢字|かんじ} \[[PFP]] \^12^") == ([], [])


def test_code_is_not_scanned() -> None:
    text = "`[[未知]]` と\n\n```\n{漢字|\n```\n\n    [[コード]]\n"
    assert scan(text) == ([], [])
    assert masked_text(text).split("\n")[0].strip() == "と"


def test_nested_list_items_are_scanned_not_code() -> None:
    # 4-space nested list items are list content, not an indented code block
    text = "- a\n    - [[PFP]]\n        - {漢字|}"
    marks, problems = scan(text)
    assert [(m.kind, m.line) for m in marks] == [("glossary", 2)]
    assert [(p.code, p.line) for p in problems] == [("ruby-empty", 3)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("- a\n  - b\n    - c\n- d", "- a\n    - b\n        - c\n- d"),
        ("- a\n    - b\n        - c", "- a\n    - b\n        - c"),  # already 4-space
        ("1. a\n   - b\n\n   para\n2. c", "1. a\n    - b\n\n    para\n2. c"),
        ("10. a\n    - b", "10. a\n    - b"),
        ("- a\n - b", "- a\n - b"),  # 1 space: a sibling, as in CommonMark
        ("p\n\n    code\n\n- a", "p\n\n    code\n\n- a"),  # indented code untouched
        ("- a\n\n  more\n\ntext\n  - not a child", "- a\n\n    more\n\ntext\n  - not a child"),
    ],
)
def test_normalize_lists(source: str, expected: str) -> None:
    out, code = normalize_lists(source)
    assert out == expected
    assert len(code) == len(source.split("\n"))


def test_normalize_lists_marks_code_lines() -> None:
    _, code = normalize_lists("p\n\n    code\n\n- a\n\n      item code\n```\nf\n```")
    assert code == [False, False, True, True, False, False, True, True, True, True]
