"""The EPUB of the tiny fixture: structure, links, metadata, reproducibility."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from tougen_pub.diagnostics import Diagnostics
from tougen_pub.epub.builder import epub_bytes, output_path
from tougen_pub.ja import kana_row

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WHEN = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


class Epub:
    """An EPUB opened for inspection."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.opf = etree.fromstring(self.zip.read("EPUB/content.opf"))

    def doc(self, name: str) -> etree._Element:
        return etree.fromstring(self.zip.read(f"EPUB/{name}"))

    def meta(self, prop: str) -> list[str]:
        return [
            m.text or ""
            for m in self.opf.iterfind(f"opf:metadata/opf:meta[@property='{prop}']", NS)
        ]

    def spine(self) -> list[str]:
        items = {i.get("id"): i.get("href") for i in self.opf.iterfind("opf:manifest/opf:item", NS)}
        return [items[r.get("idref")] for r in self.opf.iterfind("opf:spine/opf:itemref", NS)]


@pytest.fixture(scope="module")
def vertical(tiny_book) -> Epub:
    return Epub(epub_bytes(tiny_book, "vertical", Diagnostics(), when=WHEN))


@pytest.fixture(scope="module")
def horizontal(tiny_book) -> Epub:
    return Epub(epub_bytes(tiny_book, "horizontal", Diagnostics(), when=WHEN))


def test_output_names(tiny_book, tmp_path: Path) -> None:
    assert output_path(tiny_book, "vertical", tmp_path) == tmp_path / "tiny.epub"
    assert output_path(tiny_book, "horizontal", tmp_path) == tmp_path / "tiny-horizontal.epub"


def test_zip_layout(vertical: Epub) -> None:
    infos = vertical.zip.infolist()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED
    assert vertical.zip.read("mimetype") == b"application/epub+zip"
    assert vertical.data[30:38] == b"mimetype"  # first local header, no extra field
    assert {i.date_time for i in infos} == {(2025, 3, 1, 12, 0, 0)}


def test_spine_order(vertical: Epub) -> None:
    assert vertical.spine() == [
        "text/cover.xhtml",
        "text/titlepage.xhtml",
        "text/nav.xhtml",
        "text/ch001.xhtml",
        "text/ch002.xhtml",
        "text/glossary.xhtml",
        "text/bibliography.xhtml",
        "text/colophon.xhtml",
    ]
    cover = vertical.opf.find("opf:spine/opf:itemref[@idref='cover']", NS)
    assert cover.get("properties") == "rendition:page-spread-center"


def test_rendition_vertical_and_horizontal(vertical: Epub, horizontal: Epub) -> None:
    spine = vertical.opf.find("opf:spine", NS)
    assert spine.get("page-progression-direction") == "rtl"
    assert horizontal.opf.find("opf:spine", NS).get("page-progression-direction") == "ltr"
    writing = vertical.opf.find("opf:metadata/opf:meta[@name='primary-writing-mode']", NS)
    assert writing.get("content") == "vertical-rl"
    assert vertical.meta("rendition:layout") == ["reflowable"]
    assert vertical.meta("ebpaj:guide-version") == ["1.1.3"]
    assert "ebpaj: http://www.ebpaj.jp/" in vertical.opf.get("prefix")
    chapter = vertical.doc("text/ch001.xhtml")
    assert chapter.get("class") == "vrtl"
    assert horizontal.doc("text/ch001.xhtml").get("class") == "hltr"
    css = vertical.zip.read("EPUB/styles/epub-vertical.css").decode()
    for prop in (
        "writing-mode: vertical-rl",
        "-epub-writing-mode: vertical-rl",
        "-webkit-writing-mode",
    ):
        assert prop in css
    assert "text-combine-upright: all" in css and "-webkit-text-combine: horizontal" in css
    assert "EPUB/styles/epub-vertical.css" not in horizontal.zip.namelist()


def test_language_everywhere(vertical: Epub) -> None:
    assert vertical.opf.get(XML_LANG) == "ja"
    assert vertical.opf.findtext("opf:metadata/dc:language", namespaces=NS) == "ja"
    for name in vertical.spine():
        root = vertical.doc(name)
        assert root.get(XML_LANG) == "ja" and root.get("lang") == "ja", name
        links = root.findall("x:head/x:link", NS)
        assert [ln.get("type") for ln in links] == ["text/css"] * 3, name


def test_identifier_and_modified(vertical: Epub, tiny_book) -> None:
    uid = vertical.opf.get("unique-identifier")
    ident = vertical.opf.find(f"opf:metadata/dc:identifier[@id='{uid}']", NS)
    assert ident.text == tiny_book.config.identifier
    assert vertical.meta("dcterms:modified") == ["2025-03-01T12:00:00Z"]
    assert vertical.opf.findtext("opf:metadata/dc:title", namespaces=NS) == "小さな本"
    assert vertical.meta("belongs-to-collection") == ["試験叢書"]


def test_accessibility_metadata(vertical: Epub) -> None:
    features = vertical.meta("schema:accessibilityFeature")
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "rubyAnnotations"} <= set(
        features
    )
    assert vertical.meta("schema:accessMode") == ["textual", "visual"]
    assert vertical.meta("schema:accessModeSufficient") == ["textual"]
    assert vertical.meta("schema:accessibilityHazard") == ["none"]
    assert "ルビ" in vertical.meta("schema:accessibilitySummary")[0]
    assert vertical.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert vertical.meta("a11y:certifiedBy") == ["山田 太郎"]


def test_no_ruby_feature_without_ruby(tiny_book) -> None:
    import dataclasses

    plain = dataclasses.replace(
        tiny_book,
        articles=tuple(
            dataclasses.replace(
                a,
                sections=tuple(
                    dataclasses.replace(s, html=re.sub(r"<rt>.*?</rt>|</?ruby>", "", s.html))
                    for s in a.sections
                ),
            )
            for a in tiny_book.articles
        ),
    )
    book = Epub(epub_bytes(plain, "horizontal", Diagnostics(), when=WHEN))
    assert "rubyAnnotations" not in book.meta("schema:accessibilityFeature")


def test_nav_toc_and_landmarks(vertical: Epub) -> None:
    nav = vertical.doc("text/nav.xhtml")
    toc = nav.find(".//x:nav[@id='toc']", NS)
    assert toc.get(EPUB_TYPE) == "toc" and toc.get("role") == "doc-toc"
    top = [(a.text, a.get("href")) for a in toc.findall("x:ol/x:li/x:a", NS)]
    assert top == [
        ("はじまりの話", "ch001.xhtml"),
        ("つづきの話", "ch002.xhtml"),
        ("用語集", "glossary.xhtml"),
        ("参考文献", "bibliography.xhtml"),
        ("奥付", "colophon.xhtml"),
    ]
    sections = [(a.text, a.get("href")) for a in toc.findall("x:ol/x:li[1]/x:ol/x:li/x:a", NS)]
    assert sections == [
        ("概要", "ch001.xhtml#a01-hajimari-s1"),
        ("詳細", "ch001.xhtml#a01-hajimari-s2"),
    ]
    landmarks = nav.find(".//x:nav[@id='landmarks']", NS)
    marks = {a.get(EPUB_TYPE): a.get("href") for a in landmarks.iter("{*}a")}
    assert marks == {
        "cover": "cover.xhtml",
        "titlepage": "titlepage.xhtml",
        "toc": "nav.xhtml#toc",
        "bodymatter": "ch001.xhtml",
        "glossary": "glossary.xhtml",
        "bibliography": "bibliography.xhtml",
        "colophon": "colophon.xhtml",
    }
    ncx = etree.fromstring(vertical.zip.read("EPUB/toc.ncx"))
    srcs = [c.get("src") for c in ncx.iter("{*}content")]
    assert srcs[:2] == ["text/ch001.xhtml", "text/ch001.xhtml#a01-hajimari-s1"]


def _ids(doc: etree._Element) -> set[str]:
    return {el.get("id") for el in doc.iter() if el.get("id")}


def _check_target(book: Epub, base: str, href: str) -> None:
    name, _, frag = href.partition("#")
    doc = book.doc(f"text/{name or base}")
    assert not frag or frag in _ids(doc), href


def test_article_page(vertical: Epub) -> None:
    doc = vertical.doc("text/ch001.xhtml")
    chapter = doc.find(".//x:section[@class='chapter']", NS)
    assert chapter.get(EPUB_TYPE) == "chapter" and chapter.get("role") == "doc-chapter"
    assert doc.findtext(".//x:h1", namespaces=NS) == "はじまりの話"
    assert doc.find(".//x:time", NS).get("datetime") == "2025-02-09T15:13:00+09:00"
    assert doc.find(".//x:p[@class='original']/x:a", NS).get("href") == "https://example.org/blog/1"
    assert "Ainovaで作成" in "".join(doc.find(".//x:p[@class='credit']", NS).itertext())
    abstract = doc.find(".//x:section[@id='a01-hajimari-s1']", NS)
    assert abstract.get("role") == "doc-abstract" and abstract.get(EPUB_TYPE) == "abstract"
    assert doc.find(".//x:ruby/x:rt", NS).text == "かん"
    assert [s.text for s in abstract.iterfind(".//x:span[@class='tcy']", NS)] == ["12"]
    assert [s.text for s in doc.iterfind(".//x:time/x:span[@class='tcy']", NS)] == ["2", "9"]
    glossref = doc.find(".//x:a[@class='glossary-ref']", NS)
    assert glossref.get("href") == "glossary.xhtml#term-budapest"
    assert glossref.get("role") == "doc-glossref"
    cite = doc.find(".//x:a[@class='citation-ref']", NS)
    assert (
        cite.get("href") == "bibliography.xhtml#src-blowup" and cite.get("role") == "doc-biblioref"
    )
    for a in doc.iter("{*}a"):
        href = a.get("href")
        assert href and not href.startswith("@"), href
        if not href.startswith(("http:", "https:", "mailto:")):
            _check_target(vertical, "ch001.xhtml", href)


def test_see_also_links(vertical: Epub) -> None:
    doc = vertical.doc("text/ch002.xhtml")
    links = [
        (a.text, a.get("href")) for a in doc.iterfind(".//x:section[@class='see-also']//x:a", NS)
    ]
    assert links == [("はじまりの話", "ch001.xhtml"), ("外の記事", "https://example.org/blog/99")]


def test_horizontal_has_only_manual_tcy(horizontal: Epub) -> None:
    doc = horizontal.doc("text/ch001.xhtml")
    assert [s.text for s in doc.iterfind(".//x:span[@class='tcy']", NS)] == ["12"]  # ^12^
    assert doc.findtext(".//x:time", namespaces=NS) == "2025年2月9日"


def test_glossary_entries_and_backlinks(vertical: Epub) -> None:
    doc = vertical.doc("text/glossary.xhtml")
    section = doc.find(".//x:section[@id='glossary']", NS)
    assert section.get(EPUB_TYPE) == "glossary" and section.get("role") == "doc-glossary"
    terms = [dt.findtext("x:dfn", namespaces=NS) for dt in doc.iterfind(".//x:dt", NS)]
    assert terms == ["ブダペスト覚書", "平和のためのパートナーシップ"]  # ぶ… before へ…
    assert [dt.get("id") for dt in doc.iterfind(".//x:dt", NS)] == ["term-budapest", "term-pfp"]
    back = {
        dd.getprevious().get("id"): [
            (a.text, a.get("href")) for a in dd.iterfind(".//x:a[@role='doc-backlink']", NS)
        ]
        for dd in doc.iterfind(".//x:dd", NS)
    }
    assert back == {
        "term-budapest": [("はじまりの話", "ch001.xhtml#a01-hajimari-g-budapest-1")],
        "term-pfp": [("つづきの話", "ch002.xhtml#a02-tsuzuki-g-pfp-1")],
    }
    for links in back.values():
        for _, href in links:
            _check_target(vertical, "glossary.xhtml", href)
    for a in doc.iterfind(".//x:a[@role='doc-backlink']", NS):
        assert a.get(EPUB_TYPE) == "backlink"
    assert "用語は編者による" in "".join(doc.itertext())
    assert "別名：PFP、Partnership for Peace" in "".join(doc.itertext())
    inner = doc.find(".//x:dd//x:a[@class='glossary-ref']", NS)
    assert inner.get("href") == "glossary.xhtml#term-pfp"


def test_bibliography_one_entry_per_source_with_cited_in(vertical: Epub) -> None:
    doc = vertical.doc("text/bibliography.xhtml")
    section = doc.find(".//x:section[@id='bibliography']", NS)
    assert section.get(EPUB_TYPE) == "bibliography" and section.get("role") == "doc-bibliography"
    entries = doc.findall(".//x:ol/x:li", NS)
    assert [li.get("id") for li in entries] == ["src-yeltsin", "src-blowup"]
    cited = {
        li.get("id"): [
            (a.text, a.get("href")) for a in li.iterfind(".//x:a[@role='doc-backlink']", NS)
        ]
        for li in entries
    }
    assert cited == {
        "src-yeltsin": [
            ("はじまりの話", "ch001.xhtml#a01-hajimari-src-yeltsin"),
            ("つづきの話", "ch002.xhtml#a02-tsuzuki-src-yeltsin"),
        ],
        "src-blowup": [("はじまりの話", "ch001.xhtml#a01-hajimari-c-blowup-1")],
    }
    for links in cited.values():
        for _, href in links:
            _check_target(vertical, "bibliography.xhtml", href)


def test_backlink_labels_number_repeated_uses(tiny_book) -> None:
    from tougen_pub.render.epub import EpubRenderer
    from tougen_pub.transforms.passes import edition_of

    renderer = EpubRenderer(tiny_book, edition_of(tiny_book, "horizontal"), "表紙")
    ref = tiny_book.articles[0].citations[0]
    labels = [link["label"] for link in renderer.backlinks([ref, ref, ref])]
    assert labels == ["はじまりの話", "はじまりの話（2）", "はじまりの話（3）"]


def test_cover_and_colophon(vertical: Epub) -> None:
    cover = vertical.doc("text/cover.xhtml")
    img = cover.find(".//x:img", NS)
    assert img.get("src") == "../images/cover.png" and img.get("role") == "doc-cover"
    assert img.get("alt").startswith("表紙：小さな本")
    item = vertical.opf.find("opf:manifest/opf:item[@properties='cover-image']", NS)
    assert item.get("href") == "images/cover.png"
    from PIL import Image

    image = Image.open(io.BytesIO(vertical.zip.read("EPUB/images/cover.png")))
    assert image.size == (1600, 2560) and len(image.getcolors(1 << 16) or []) > 2
    colophon = "".join(vertical.doc("text/colophon.xhtml").itertext())
    assert "山田 太郎" in colophon and "urn:uuid:2f1c8a4e" in colophon


def test_cover_follows_writing_mode(vertical: Epub, horizontal: Epub) -> None:
    name = "EPUB/images/cover.png"
    assert vertical.zip.read(name) != horizontal.zip.read(name)


def test_missing_stylesheet_is_a_user_error(tiny_book, tmp_path: Path, monkeypatch) -> None:
    from tougen_pub.diagnostics import TougenError

    monkeypatch.setenv("TOUGEN_STYLES", str(tmp_path))
    with pytest.raises(TougenError, match="base.css"):
        epub_bytes(tiny_book, "vertical", Diagnostics(), when=WHEN)


def test_kana_rows() -> None:
    assert kana_row("ぶだぺすと") == "は行"
    assert kana_row("ナトー") == "な行"
    assert kana_row("がいこう") == "か行"
    assert kana_row("nato") == "英数・記号"


def test_reproducible_with_source_date_epoch(tiny_book, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740000000")
    first = epub_bytes(tiny_book, "vertical", Diagnostics())
    second = epub_bytes(tiny_book, "vertical", Diagnostics())
    assert first == second
    assert Epub(first).meta("dcterms:modified") == ["2025-02-19T21:20:00Z"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740000001")
    assert epub_bytes(tiny_book, "vertical", Diagnostics()) != first
