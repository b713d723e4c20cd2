"""A ``##`` title is a title: text that Markdown would read as the start of a block (a
numbered or bulleted list, a quote, a heading mark) stays in it, in every output."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from tougen_pub.ingest.loader import load_book


@pytest.mark.parametrize(
    ("written", "title"),
    [
        ("1. はじめに", "1. はじめに"),
        ("2) 次に", "2) 次に"),
        ("- 補遺", "- 補遺"),
        ("+ 追記", "+ 追記"),
        ("> 引用から", "> 引用から"),
        ("# 番外", "# 番外"),
        ("{高原|こうげん}の1. 朝", "高原の1. 朝"),
        ("2025年の話", "2025年の話"),
    ],
)
def test_a_title_that_looks_like_a_block_keeps_its_text(
    tiny_root: Path, tmp_path: Path, written: str, title: str
) -> None:
    root = tmp_path / "ms"
    shutil.copytree(tiny_root, root)
    article = root / "articles" / "01-hajimari.md"
    article.write_text(
        article.read_text(encoding="utf-8") + f"\n## {written}\n\n本文。\n", encoding="utf-8"
    )
    book, diags = load_book(root)
    assert book is not None, [d.format() for d in diags]
    section = book.articles[0].sections[-1]
    assert section.title == title
    assert "<ol" not in section.title_html and "<ul" not in section.title_html
    shown = re.sub(r"<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>", "", section.title_html)
    assert html.unescape(shown) == title
