"""What the PDF writer decides before layout: glyph coverage, tate-chu-yoko, links, dates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tougen_pub.assets.fonts import book_fonts
from tougen_pub.diagnostics import Diagnostics
from tougen_pub.ingest.loader import load_book
from tougen_pub.options import BuildOptions
from tougen_pub.pdf import builder as pdf
from tougen_pub.pdf.geometry import _css_string
from tougen_pub.pdf.html5 import parse_as_html5


def _copy(tiny_root: Path, tmp_path: Path, extra: str = "") -> Path:
    root = tmp_path / "ms"
    shutil.copytree(tiny_root, root)
    if extra:
        art = root / "articles" / "02-tsuzuki.md"
        art.write_text(art.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return root


def test_character_missing_from_the_font_is_a_located_warning(tiny_root: Path, tmp_path: Path):
    root = _copy(tiny_root, tmp_path, "\n絵文字\U0001f600を含む。\n")
    book, diags = load_book(root)
    assert book is not None
    diags = Diagnostics()
    pdf.report_missing(book, book_fonts(book.config, book.root), diags)
    (warning,) = [d for d in diags.warnings if "U+1F600" in d.message]
    assert warning.location is not None
    assert warning.location.path.endswith("02-tsuzuki.md")
    assert warning.location.line is not None and warning.location.column == 4


def test_horizontal_html_resolves_links_and_composes(tiny_book) -> None:
    diags = Diagnostics()
    prepared = pdf.prepare(
        tiny_book, "horizontal", BuildOptions(tiny_book.root, Path("/nonexistent")), diags
    )
    html = prepared.html
    assert "@glossary/" not in html and "@source/" not in html and "@article/" not in html
    assert 'href="#term-budapest"' in html and 'id="term-budapest"' in html
    assert 'href="#src-blowup"' in html and 'id="src-blowup"' in html
    assert 'id="a01-hajimari-src-yeltsin"' in html  # front-matter source gets an anchor
    assert '<span class="ln ' in html
    assert 'class="tcy"' in html  # manual ^12^ stays marked, but is not a box horizontally
    assert prepared.finisher is None


def test_vertical_html_uses_tcy_boxes_and_kanji_numerals(tiny_book) -> None:
    diags = Diagnostics()
    options = BuildOptions(tiny_book.root, Path("/nonexistent"), "vertical", numerals="kanji")
    prepared = pdf.prepare(tiny_book, "vertical", options, diags)
    assert "二〇二五年二月九日" in prepared.html  # the article date in kanji numerals
    assert "font-feature-settings" in prepared.html and "ss20" in prepared.html
    assert "cjk-decimal" in prepared.html
    assert prepared.finisher is not None
    size = prepared.html[prepared.html.index("@page { size:") :].split(";")[0]
    assert size.startswith("@page { size: 595.")  # landscape layout page for A5


def test_build_date_prefers_source_date_epoch(tiny_book, monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert pdf.build_date(tiny_book) == "2025-02-09"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert pdf.build_date(tiny_book) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize("title", ['a"b', "x</style>y", "back\\slash"])
def test_css_strings_are_escaped(title: str) -> None:
    css = _css_string(title)
    assert css.startswith('"') and css.endswith('"')
    assert "</style" not in css
    assert css[1:-1].count('"') == css[1:-1].count('\\"')


def _drop_comments(el) -> None:
    """Remove comment nodes as the XML parser does, their tails joining the text before."""
    for child in list(el):
        _drop_comments(child)
    previous = None
    for child in list(el):
        if not isinstance(child.tag, str):
            tail = child.tail or ""
            if previous is None:
                el.text = (el.text or "") + tail
            else:
                previous.tail = (previous.tail or "") + tail
            el.remove(child)
        else:
            previous = child


def _tree(el) -> tuple:
    return (
        el.tag,
        dict(el.attrib),
        el.text or "",
        el.tail or "",
        tuple(_tree(c) for c in el if isinstance(c.tag, str)),
    )


@pytest.mark.parametrize("mode", ["horizontal", "vertical"])
def test_fast_parse_builds_the_html5_parsers_tree(tiny_book, mode: str) -> None:
    import tinyhtml5

    prepared = pdf.prepare(
        tiny_book, mode, BuildOptions(tiny_book.root, Path("/nonexistent"), mode), Diagnostics()
    )
    fast = parse_as_html5(prepared.html)
    assert fast is not None
    slow = tinyhtml5.parse(prepared.html, namespace_html_elements=False)
    _drop_comments(slow)  # the part marks (pdf/parts/) are comments
    assert "<!--part " in prepared.html
    assert _tree(fast) == _tree(slow)
    # a row directly in a table gets the <tbody> the HTML5 parser adds
    table = "<table>\n<tr><th>a</th><td>b</td></tr>\n</table>"
    page = f"<!DOCTYPE html>\n<html><head><title>t</title></head><body>{table}</body>\n</html>"
    assert _tree(parse_as_html5(page)) == _tree(
        tinyhtml5.parse(page, namespace_html_elements=False)
    )


@pytest.mark.parametrize(
    "body",
    [
        "<p>a<div>b</div></p>",  # HTML5 closes the paragraph
        "<p>a&nbsp;b</p>",  # a named entity is not XML
        "<p>a<br>b</p>",  # not well-formed
        "<table>x<tr><td>1</td></tr></table>",  # text fostered out of the table
    ],
)
def test_documents_html5_would_restructure_go_to_the_html5_parser(body: str) -> None:
    page = f"<!DOCTYPE html>\n<html><head><title>t</title></head><body>{body}</body></html>"
    assert parse_as_html5(page) is None
