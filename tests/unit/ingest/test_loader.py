"""The manuscript loader on the tiny fixture and small variations of it."""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tougen_pub.check import check_glyphs, uncovered
from tougen_pub.diagnostics import Diagnostics
from tougen_pub.ingest.articles import Locator
from tougen_pub.ingest.loader import load_book
from tougen_pub.ingest.mdext import Finding
from tougen_pub.ja import gojuon_key
from tougen_pub.model import Book
from tougen_pub.transforms.passes import apply, edition_of

TINY = Path(__file__).resolve().parents[2] / "fixtures" / "books" / "tiny"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cf00000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def tiny() -> Book:
    book, diags = load_book(TINY)
    assert book is not None, [d.format() for d in diags]
    assert not diags.errors and not diags.warnings
    return book


def copy_tiny(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    return root


def frag(html: str) -> ET.Element:
    return ET.fromstring(f"<div>{html}</div>")


def test_articles_in_order_with_front_matter(tiny: Book) -> None:
    assert [a.slug for a in tiny.articles] == ["01-hajimari", "02-tsuzuki"]
    a1, a2 = tiny.articles
    assert a1.title == "はじまりの話" and a1.series == "試験叢書"
    assert a1.date == dt.datetime(2025, 2, 9, 15, 13, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert a2.date == dt.datetime(2025, 2, 10)  # a date becomes midnight
    assert a1.url == "https://example.org/blog/1" and a1.image_credit == "Ainovaで作成"


def test_sections_split_on_h2_with_roles_and_lines(tiny: Book) -> None:
    a1 = tiny.articles[0]
    assert [(s.title, s.role, s.anchor, s.location.line) for s in a1.sections] == [
        ("概要", "abstract", "a01-hajimari-s1", 10),
        ("詳細", "", "a01-hajimari-s2", 19),
    ]
    assert a1.intro_html == ""
    first = frag(a1.sections[0].html)
    assert first.find("h3").text == "1. 見出し"  # type: ignore[union-attr]
    # the 2-space nested list of the fixture is nested
    assert first.find("ul/li/ul/li").text == "入れ子の項目"  # type: ignore[union-attr]


def test_every_fragment_is_well_formed(tiny: Book) -> None:
    for art in tiny.articles:
        frag(art.intro_html)
        for sec in art.sections:
            frag(sec.html)
    for entry in tiny.glossary:
        frag(entry.definition_html)


def test_glossary_uses_have_anchors_present_in_the_html(tiny: Book) -> None:
    a1, a2 = tiny.articles
    assert [
        (r.target_id, r.anchor, r.location.line, r.location.column) for r in a1.glossary_uses
    ] == [("budapest", "a01-hajimari-g-budapest-1", 12, 8)]
    assert [(r.target_id, r.location.line) for r in a2.glossary_uses] == [("pfp", 17)]
    for art in tiny.articles:
        ids = {el.get("id") for s in art.sections for el in frag(s.html).iter()}
        assert {r.anchor for r in art.glossary_uses} <= ids
    assert [r.article_slug for r in tiny.uses_of_term("pfp")] == ["02-tsuzuki"]


def test_citations_from_text_and_front_matter(tiny: Book) -> None:
    a1 = tiny.articles[0]
    assert a1.sources == ("yeltsin", "blowup")
    assert [(c.target_id, c.location.line) for c in a1.citations] == [
        ("blowup", 21),
        ("yeltsin", 7),
    ]
    link = frag(a1.sections[1].html).find(".//a[@class='citation-ref']")
    assert link is not None and link.get("href") == "@source/blowup" and link.text == "2"
    assert [c.article_slug for c in tiny.citations_of("yeltsin")] == ["01-hajimari", "02-tsuzuki"]


def test_glossary_in_gojuon_order_with_aliases(tiny: Book) -> None:
    assert [(e.id, e.reading) for e in tiny.glossary] == [
        ("budapest", "ぶだぺすとおぼえがき"),
        ("pfp", "へいわのためのぱーとなーしっぷ"),  # reading generated with pykakasi
    ]
    assert tiny.glossary_entry("pfp").aliases == ("PFP", "Partnership for Peace")
    assert tiny.glossary_note == "用語は編者による"


def test_gojuon_key_orders_like_a_dictionary() -> None:
    words = ["ぱし", "はじ", "ばし", "ハシ", "あめ", "かき"]
    assert sorted(words, key=lambda w: gojuon_key(w, w)) == [
        "あめ",
        "かき",
        "ハシ",
        "はじ",
        "ばし",
        "ぱし",
    ]


def test_see_also_internal_and_external(tiny: Book) -> None:
    links = tiny.articles[1].see_also
    assert [(s.title, s.article_slug) for s in links] == [
        ("はじまりの話", "01-hajimari"),
        ("外の記事", None),
    ]


def test_text_chars_include_ruby_readings_and_titles(tiny: Book) -> None:
    chars = tiny.chars()
    assert {"か", "ん", "じ", "と", "う", "き", "ょ"} <= chars  # ruby readings are printed
    assert set("はじまりの話") <= chars and "縦" in chars


def test_order_follows_file_numbers_without_list(tmp_path: Path) -> None:
    root = copy_tiny(tmp_path)
    toml = (root / "book.toml").read_text("utf-8")
    (root / "book.toml").write_text(
        toml.replace('articles = ["01-hajimari", "02-tsuzuki"]\n', ""), "utf-8"
    )
    shutil.copy(root / "articles" / "02-tsuzuki.md", root / "articles" / "10-owari.md")
    book, diags = load_book(root)
    assert book is not None, [d.format() for d in diags]
    assert [a.slug for a in book.articles] == ["01-hajimari", "02-tsuzuki", "10-owari"]
    assert diags.codes().count("article-gap") == 1


def test_intro_before_first_heading_and_fenced_heading(tmp_path: Path) -> None:
    root = copy_tiny(tmp_path)
    path = root / "articles" / "02-tsuzuki.md"
    text = path.read_text("utf-8")
    path.write_text(text + "\n## 詳細\n\n```\n## not a section\n```\n", "utf-8")
    text = (root / "articles" / "01-hajimari.md").read_text("utf-8")
    (root / "articles" / "01-hajimari.md").write_text(
        text.replace("## 概要", "前書きの段落。\n\n## 概要", 1), "utf-8"
    )
    book, diags = load_book(root)
    assert book is not None, [d.format() for d in diags]
    assert book.articles[0].intro_html == "<p>前書きの段落。</p>"
    assert [s.title for s in book.articles[1].sections] == ["概要", "詳細"]
    assert "## not a section" in book.articles[1].sections[1].html


def test_section_title_keeps_its_inline_markup_for_the_heading(tmp_path: Path) -> None:
    """``title`` is plain (ruby bases: navigation, bookmarks, the role); ``title_html`` is
    what the heading prints: ruby, 傍点, tate-chu-yoko, bold; links are unwrapped."""
    root = copy_tiny(tmp_path)
    path = root / "articles" / "02-tsuzuki.md"
    text = path.read_text("utf-8").replace("## 概要", "## {概要|がいよう}", 1)
    text += "\n## 12月の[[PFP]]と*強調*の**太字**\n\n本文。\n"
    path.write_text(text, "utf-8")
    book, diags = load_book(root)
    assert book is not None and not diags.errors, [d.format() for d in diags]
    art = book.articles[1]
    assert [(s.title, s.role) for s in art.sections] == [
        ("概要", "abstract"),
        ("12月のPFPと強調の太字", ""),
    ]
    assert [s.title_html for s in art.sections] == [
        "<ruby>概要<rt>がいよう</rt></ruby>",
        "12月のPFPと<em>強調</em>の<strong>太字</strong>",
    ]
    assert set("がいよう") <= art.text_chars  # the fonts must draw the reading
    assert [r.target_id for r in art.glossary_uses] == ["pfp"]  # the text's use only
    # the edition's passes: the heading as the text, the plain title its text
    upright = apply(book, edition_of(book, "vertical")).articles[1].sections[1]
    assert upright.title_html.startswith('<span class="tcy">12</span>月のPFP')
    assert upright.title == "12月のPFPと強調の太字"
    kanji = apply(book, edition_of(book, "vertical", "kanji")).articles[1].sections[1]
    assert kanji.title_html.startswith("十二月のPFP")
    assert kanji.title == "十二月のPFPと強調の太字"


def test_images_are_recorded_with_neutral_targets(tmp_path: Path) -> None:
    root = copy_tiny(tmp_path)
    (root / "images").mkdir()
    (root / "images" / "map.png").write_bytes(PNG)
    path = root / "articles" / "02-tsuzuki.md"
    path.write_text(
        path.read_text("utf-8") + "\n![地図](../images/map.png)と![同じ](images/map.png)\n", "utf-8"
    )
    book, diags = load_book(root)
    assert book is not None, [d.format() for d in diags]
    art = book.articles[1]
    assert art.images == ("images/map.png",)
    imgs = [(i.get("src"), i.get("alt")) for i in frag(art.sections[0].html).iter("img")]
    assert imgs == [("@image/images/map.png", "地図"), ("@image/images/map.png", "同じ")]
    assert book.articles[0].images == ()


def test_symlinked_image_inside_the_manuscript_is_fine(tmp_path: Path) -> None:
    root = copy_tiny(tmp_path)
    (root / "images").mkdir()
    (root / "images" / "real.png").write_bytes(PNG)
    (root / "images" / "alias.png").symlink_to(root / "images" / "real.png")
    path = root / "articles" / "02-tsuzuki.md"
    path.write_text(path.read_text("utf-8") + "\n![図](../images/alias.png)\n", "utf-8")
    book, diags = load_book(root)
    assert book is not None and book.articles[1].images == ("images/alias.png",)


def test_image_problem_in_glossary_definition_is_located(tmp_path: Path) -> None:
    root = copy_tiny(tmp_path)
    path = root / "glossary.toml"
    path.write_text(
        path.read_text("utf-8").replace(
            "NATOの協力プログラム。", "NATOの協力プログラム。![x](http://e.org/a.png)"
        ),
        "utf-8",
    )
    book, diags = load_book(root)
    assert book is None
    [diag] = diags.errors
    assert diag.code == "image-remote"
    # the line after definition = """, at the image address
    assert diag.location is not None and (diag.location.line, diag.location.column) == (16, 19)


def test_locator_finds_successive_occurrences() -> None:
    loc = Locator("a x\nb X x", first_line=10)
    assert loc.find("x") == (10, 3)
    assert loc.find("x") == (11, 3)  # case-insensitive, next occurrence
    assert loc.find("x") == (11, 5)
    assert loc.find("zzz") == (None, None)
    assert loc.locate(Finding("c", "m", True, line=2, column=4)) == (11, 4)
    assert loc.locate(Finding("c", "m", True, needle="nowhere")) == (10, None)


def test_glyph_check_warns_at_first_occurrence(tmp_path: Path, tiny: Book) -> None:
    from tougen_pub.assets.fonts import fc_match

    font = fc_match("IPAexMincho") or fc_match("Noto Serif CJK JP")
    assert font is not None, "the test machine has Japanese fonts (see Makefile)"
    assert uncovered({"あ", "漢", " ", "\u200b", "𐀀"}, [font]) == {"𐀀"}
    root = copy_tiny(tmp_path)
    path = root / "articles" / "02-tsuzuki.md"
    path.write_text(path.read_text("utf-8") + "\n線文字 𐀀 と 𐀀\n", "utf-8")
    book, diags = load_book(root)
    assert book is not None
    diags = Diagnostics()
    assert check_glyphs(book, diags, [font]) == {"𐀀"}
    [diag] = diags.warnings
    assert diag.code == "glyph-missing" and diag.location is not None
    assert diag.location.path.endswith("02-tsuzuki.md")
    assert (diag.location.line, diag.location.column) == (19, 5)
    clean = Diagnostics()
    assert check_glyphs(tiny, clean, [font]) == set() and not clean.items
