"""Footnotes: ``[^label]`` references and ``[^label]: text`` definitions, the rule between
them and tate-chu-yoko ``^…^``, numbering per article, notes in the model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tougen_pub.ingest.loader import load_book
from tougen_pub.ingest.markup import extract_notes, scan
from tougen_pub.ingest.mdext import Converter, Resolver

BOOK = """\
name = "notes"
title = "注の本"
language = "ja"
identifier = "urn:uuid:0b7d2a36-1f0e-4b8e-9d51-6a1d2c3e4f51"
date = 2025-02-09

[[creators]]
name = "山田 太郎"
file_as = "やまだ たろう"
"""


def convert(text: str, labels: set[str]) -> tuple[str, Resolver]:
    resolver = Resolver(prefix="a01-x", note_labels=frozenset(labels))
    return Converter(resolver).convert(text), resolver


def calls(html: str) -> list[tuple[str, str, str]]:
    root = ET.fromstring(f"<div>{html}</div>")
    return [
        (a.get("href", ""), a.get("id", ""), "".join(a.itertext()))
        for a in root.iter("a")
        if a.get("class") == "noteref"
    ]


# -- the scanner: [^ before ^…^ -----------------------------------------------------------------
def test_footnote_reference_is_not_tate_chu_yoko() -> None:
    """The report of the issue: `本文[^1]。` was read as an unclosed tate-chu-yoko."""
    marks, problems = scan("本文[^1]。\n\n[^1]: 注の本文。")
    assert problems == []
    assert [(m.kind, m.key, m.line, m.column) for m in marks] == [
        ("noteref", "1", 1, 3),
        ("notedef", "1", 3, 1),
    ]


def test_note_and_tcy_on_one_line() -> None:
    marks, problems = scan("注[^1]と^12^月、[^note]と^!?^")
    assert problems == []
    assert [(m.kind, m.key, m.column) for m in marks] == [
        ("noteref", "1", 2),
        ("noteref", "note", 13),
        ("tcy", "12", 7),
        ("tcy", "!?", 21),
    ]


@pytest.mark.parametrize(
    ("text", "code", "column"),
    [
        ("今日は^12日", "tcy-unterminated", 4),
        ("本文[^1。", "note-unterminated", 3),
        ("本文[^note の話", "note-unterminated", 3),
    ],
)
def test_unterminated_caret_names_both_readings(text: str, code: str, column: int) -> None:
    problems = scan(text)[1]
    assert [(p.code, p.line, p.column) for p in problems] == [(code, 1, column)]
    assert "'^12^'" in problems[0].message and "'[^label]'" in problems[0].message


# -- definitions ---------------------------------------------------------------------------------
def test_extract_notes_keeps_line_numbers() -> None:
    text = "本文[^1]と[^b]。\n\n[^1]: 一行目\n続きの行。\n[^b]: 名前つき。\n\n    第二段落。\n\n後の段落。"
    rest, notes = extract_notes(text)
    assert rest.split("\n") == ["本文[^1]と[^b]。", "", "", "", "", "", "", "", "後の段落。"]
    assert [(n.label, n.text, n.line, n.column) for n in notes] == [
        ("1", "一行目\n続きの行。", 3, 1),
        ("b", "名前つき。\n\n第二段落。", 5, 1),
    ]


def test_definition_in_code_is_text() -> None:
    text = "```\n[^1]: コード\n```\n\n    [^2]: 字下げのコード"
    assert extract_notes(text) == (text, [])


# -- conversion ----------------------------------------------------------------------------------
def test_numbered_in_order_of_first_reference() -> None:
    html, resolver = convert("甲[^z]、乙[^1]、丙[^z]。", {"z", "1"})
    assert calls(html) == [
        ("#fn-a01-x-1", "fnref-a01-x-1", "1"),
        ("#fn-a01-x-2", "fnref-a01-x-2", "2"),
        ("#fn-a01-x-1", "fnref-a01-x-1-2", "1"),  # the same note, a second call
    ]
    assert '<sup><span class="tcy">1</span></sup>' in html  # upright in vertical editions
    assert resolver.counter["notes"] == 2


def test_undefined_reference_stays_text() -> None:
    html, _ = convert("本文[^nope]。", set())
    assert calls(html) == []
    assert "[^nope]" in html


def test_tcy_after_a_reference() -> None:
    html, _ = convert("本文[^1]と^12^月。", {"1"})
    assert '<span class="tcy">12</span>月' in html
    assert len(calls(html)) == 1


def write_book(root: Path, articles: dict[str, str]) -> None:
    (root / "articles").mkdir(parents=True)
    (root / "book.toml").write_text(BOOK, "utf-8")
    for name, text in articles.items():
        (root / "articles" / name).write_text(text, "utf-8")


FRONT = '+++\ntitle = "記事"\n+++\n\n'


def test_notes_in_the_model(tmp_path: Path) -> None:
    write_book(
        tmp_path,
        {
            "01-a.md": FRONT
            + "## 概要\n\n甲[^x]、乙[^1]。\n\n## 詳細\n\n丙[^x]。\n\n"
            + "[^1]: 番号の注。[^inner]\n[^x]: 名前の注。\n\n    第二段落。\n[^inner]: 注の中の注。\n",
            "02-b.md": FRONT + "## 概要\n\n丁[^1]。\n\n[^1]: 次の記事の注。\n",
        },
    )
    book, diags = load_book(tmp_path)
    assert book is not None
    assert [d.code for d in diags if d.level.value != "info"] == []
    a, b = book.articles
    assert [(n.number, n.label, n.anchor, n.calls) for n in a.notes] == [
        (1, "x", "fn-a01-a-1", ("fnref-a01-a-1", "fnref-a01-a-1-2")),
        (2, "1", "fn-a01-a-2", ("fnref-a01-a-2",)),
        (3, "inner", "fn-a01-a-3", ("fnref-a01-a-3",)),
    ]
    assert a.notes[0].html == "<p>名前の注。</p>\n<p>第二段落。</p>"
    assert a.notes[0].location.line == 14
    assert "fn-a01-a-3" in a.notes[1].html  # a reference inside a note
    assert [(n.number, n.anchor) for n in b.notes] == [(1, "fn-a02-b-1")]  # per article
    assert "次" in b.text_chars  # note text is printed: fonts must cover it
    body = "".join(s.html for s in a.sections)
    assert "[^" not in body and "番号の注" not in body  # definitions left the text
    assert "第二段落" not in body and "<pre>" not in body  # with their further paragraphs


def test_note_problems_located(tmp_path: Path) -> None:
    write_book(
        tmp_path,
        {"01-a.md": FRONT + "本文[^1]と[^2]。\n\n[^1]: 注。\n[^1]: また。\n[^3]: 不要。\n"},
    )
    _, diags = load_book(tmp_path)
    found = sorted(
        (d.code, d.location.line, d.location.column)
        for d in diags
        if d.level.value != "info" and d.location is not None
    )
    assert found == [
        ("note-duplicate", 8, 1),
        ("note-undefined", 5, 8),
        ("note-unused", 9, 1),
    ]
