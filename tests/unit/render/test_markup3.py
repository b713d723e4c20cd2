"""The markup real Japanese books carry (issue "markup 3"): series position on the cover and
in the colophons, the editor's 編 on the cover, ruby fallback parentheses in the EPUB, no
white space inside table-of-contents entries, the vertical title page centred, a 注 heading
over each chapter's notes. Mutants: tests/mutants/markup3.toml."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from tougen_pub.assets.cover import cover_alt, cover_text
from tougen_pub.config import Creator, Series
from tougen_pub.ingest.loader import load_book
from tougen_pub.model import Book
from tougen_pub.render.epub import render_pages
from tougen_pub.render.print import PrintPage, PrintRenderer
from tougen_pub.transforms.passes import apply, edition_of

BOOKS = Path(__file__).resolve().parents[2] / "fixtures" / "books"
STYLES = Path(__file__).resolve().parents[3] / "styles"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def markup() -> Book:
    book, diags = load_book(BOOKS / "markup")
    assert book is not None, [d.format() for d in diags.errors]
    return book


def third_volume(book: Book) -> Book:
    """The book as volume 3 of 桃源閑話, edited by 佐藤 花子 (and written by 山田 太郎)."""
    config = book.config.model_copy(
        update={
            "series": Series(name="桃源閑話", position=3),
            "creators": [
                *book.config.creators,
                Creator(name="佐藤 花子", file_as="さとう はなこ", role="edt"),
            ],
        }
    )
    return replace(book, config=config)


def epub_pages(book: Book, mode: str = "horizontal") -> dict[str, str]:
    edition = edition_of(book, mode)
    rendered = render_pages(apply(book, edition), edition, "表紙")
    return {page.href: page.content.decode() for page in rendered.pages}


def text_of(xhtml: str, path: str) -> str:
    root = ET.fromstring(xhtml)
    el = root.find(path)
    assert el is not None, path
    return "".join(el.itertext())


# -- (a) the series with its position, (b) the editor's 編 ---------------------------------


def test_cover_names_the_series_position_and_the_editor(markup: Book) -> None:
    text = cover_text(third_volume(markup).config)
    assert text.series == "桃源閑話 3"
    assert text.authors == ("山田 太郎", "佐藤 花子 編")
    assert "（桃源閑話 3）" in cover_alt(text) and "佐藤 花子 編" in cover_alt(text)


def test_series_without_position_and_named_after_the_book(markup: Book) -> None:
    named = markup.config.model_copy(update={"series": Series(name="桃源閑話")})
    assert cover_text(named).series == "桃源閑話"
    same = markup.config.model_copy(update={"series": Series(name=markup.config.title)})
    assert cover_text(same).series is None


def test_epub_title_page_and_colophon_show_the_position(markup: Book) -> None:
    pages = epub_pages(third_volume(markup))
    title = text_of(pages["text/titlepage.xhtml"], f".//{XHTML}p[@class='series']")
    assert title == "桃源閑話 3"
    colophon = ET.fromstring(pages["text/colophon.xhtml"])
    rows = ["".join(el.itertext()) for el in colophon.iter(f"{XHTML}dd")]
    assert "桃源閑話 3" in rows


def test_print_colophon_shows_the_position(markup: Book) -> None:
    book = third_volume(markup)
    html = PrintRenderer(book, PrintPage(mode="horizontal", lang="ja")).render()
    colophon = html[html.index('<section class="colophon"') :]
    assert re.search(r"<th>叢書</th><td>桃源閑話 3</td>", colophon), colophon[:800]


# -- (c) ruby fallback ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_epub_ruby_has_fallback_parentheses(markup: Book, mode: str) -> None:
    pages = epub_pages(markup, mode)
    rubies = [r for page in pages.values() for r in re.findall(r"<ruby>.*?</ruby>", page)]
    assert rubies
    for ruby in rubies:
        assert (
            ruby.count("<rt>") == ruby.count("<rp>（</rp><rt>") == ruby.count("</rt><rp>）</rp>")
        ), ruby


def test_print_ruby_has_no_parentheses(markup: Book) -> None:
    html = PrintRenderer(markup, PrintPage(mode="vertical", lang="ja")).render()
    assert "<ruby>" in html and "<rp>" not in html


# -- (d) the table of contents ---------------------------------------------------------------


def test_toc_entries_hold_no_white_space(markup: Book) -> None:
    nav = ET.fromstring(epub_pages(markup)["text/nav.xhtml"])
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get("id") == "toc")
    items = list(toc.iter(f"{XHTML}li"))
    assert any(li.find(f"{XHTML}ol") is not None for li in items)
    for li in items:
        assert not (li.text or "").strip()
        link = li.find(f"{XHTML}a")
        assert link is not None and not (link.tail or "").strip(), ET.tostring(li)
        assert (link.tail or "") == "", repr(link.tail)  # "概要 ・詳細" in a reader
        for sub in li.findall(f"{XHTML}ol"):
            assert (sub.tail or "") == "", repr(sub.tail)


# -- (e) the vertical title page --------------------------------------------------------------


def rules(css: str, selector: str) -> list[str]:
    return [
        m.group(2)
        for m in re.finditer(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
        if selector in [s.strip() for s in m.group(1).split(",")]
    ]


def test_vertical_title_page_is_centred() -> None:
    css = (STYLES / "epub-vertical.css").read_text("utf-8")
    page = " ".join(rules(css, ".titlepage"))
    assert re.search(r"text-align:\s*center", page), page
    assert "padding-top" not in page  # no offset from the centre
    for part in (".titlepage .creator", ".titlepage .book-title", ".titlepage .series"):
        assert "padding-top" not in " ".join(rules(css, part)), part


# -- (f) the notes of a chapter ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_chapter_notes_have_a_heading(markup: Book, mode: str) -> None:
    root = ET.fromstring(epub_pages(markup, mode)["text/ch001.xhtml"])
    block = next(el for el in root.iter() if el.get("class") == "footnotes")
    heading = block[0]
    assert heading.tag == f"{XHTML}h2" and heading.text == "注"
    assert block.get("aria-labelledby") == heading.get("id")
    assert [el.tag for el in block[1:]] == [f"{XHTML}aside"] * (len(block) - 1) and len(block) > 1
