"""What an e-reader (and a bookshop's catalogue) finds in the EPUB of the full fixture book,
both writing modes: every book.toml field in the OPF metadata — creators with their role
and reading (file-as), the title's reading, subtitle, date, publisher, rights, description,
series and its position, identifier — the reading direction, and the navigation."""

from __future__ import annotations

import tomllib
import zipfile

import pytest
from lxml import etree
from test_reader_pdf import EPOCH, FULL

pytestmark = pytest.mark.slow

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
CONFIG = tomllib.loads((FULL.root / "book.toml").read_text(encoding="utf-8"))


class Metadata:
    """The OPF's <metadata>: DC elements and the <meta> that refine them."""

    def __init__(self, opf: bytes) -> None:
        self.package = etree.fromstring(opf)
        self.meta = self.package.find(f"{OPF}metadata")

    def dc(self, name: str) -> list[etree._Element]:
        return self.meta.findall(f"{DC}{name}")

    def texts(self, name: str) -> list[str]:
        return [el.text for el in self.dc(name)]

    def refines(self, el: etree._Element) -> dict[str, str]:
        """property -> value of the <meta refines="#id"> of an element."""
        ident = el.get("id")
        assert ident, etree.tostring(el)
        return {
            m.get("property"): m.text
            for m in self.meta.findall(f"{OPF}meta")
            if m.get("refines") == f"#{ident}"
        }

    def properties(self, prop: str) -> list[etree._Element]:
        return [m for m in self.meta.findall(f"{OPF}meta") if m.get("property") == prop]


@pytest.fixture(scope="module", params=["vertical", "horizontal"])
def epub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    mode = request.param
    out = tmp_path_factory.mktemp(f"epub-{mode}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.setenv("TOUGEN_PROGRESS", "0")
        path, diags = build_book("epub", BuildOptions(FULL.root, out, mode))
    assert not [d.format() for d in diags if d.level.value != "info"]
    assert path.name == ("full.epub" if mode == "vertical" else "full-horizontal.epub")
    return mode, zipfile.ZipFile(path)


def metadata(epub: tuple) -> Metadata:
    _mode, zf = epub
    return Metadata(zf.read("EPUB/content.opf"))


def test_identifier_and_language(epub) -> None:
    md = metadata(epub)
    unique = md.package.get("unique-identifier")
    ids = md.dc("identifier")
    assert [el.text for el in ids if el.get("id") == unique] == [CONFIG["identifier"]]
    assert md.texts("language") == [CONFIG["language"]]


def test_title_with_reading_and_subtitle(epub) -> None:
    md = metadata(epub)
    titles = {el.text: md.refines(el) for el in md.dc("title")}
    assert titles[CONFIG["title"]] == {"title-type": "main", "file-as": CONFIG["title_reading"]}
    assert titles[CONFIG["subtitle"]] == {"title-type": "subtitle"}
    assert len(titles) == 2


def test_creators_with_role_and_reading(epub) -> None:
    md = metadata(epub)
    creators = [(el.text, md.refines(el)) for el in md.dc("creator")]
    expected = [
        (c["name"], {"role": c["role"], "file-as": c["file_as"]}) for c in CONFIG["creators"]
    ]
    assert creators == expected  # author and editor, in book.toml order
    roles = {m.get("refines"): m.get("scheme") for m in md.properties("role")}
    assert set(roles.values()) == {"marc:relators"}
    assert md.dc("contributor") == []


def test_date_publisher_rights_description(epub) -> None:
    md = metadata(epub)
    assert md.texts("date") == [CONFIG["date"].isoformat()]
    assert md.texts("publisher") == [CONFIG["publisher"]]
    assert md.texts("rights") == [CONFIG["rights"]]
    assert md.texts("description") == [CONFIG["description"]]
    # the modification date is the build date (SOURCE_DATE_EPOCH), not the book's date
    assert [m.text for m in md.properties("dcterms:modified")] == ["2025-03-14T00:00:00Z"]


def test_series_and_position(epub) -> None:
    md = metadata(epub)
    series = md.properties("belongs-to-collection")
    assert [m.text for m in series] == [CONFIG["series"]["name"]]
    assert md.refines(series[0]) == {
        "collection-type": "series",
        "group-position": str(CONFIG["series"]["position"]),
    }


def test_reading_direction_and_navigation(epub) -> None:
    mode, zf = epub
    md = metadata(epub)
    spine = md.package.find(f"{OPF}spine")
    assert spine.get("page-progression-direction") == ("rtl" if mode == "vertical" else "ltr")
    modes = [m.get("content") for m in md.meta if m.get("name") == "primary-writing-mode"]
    assert modes == ["vertical-rl" if mode == "vertical" else "horizontal-lr"]
    nav = etree.fromstring(zf.read("EPUB/text/nav.xhtml"))
    toc = nav.find(".//x:nav[@id='toc']/x:ol", XHTML)
    entries = [
        (li.find("x:a", XHTML).text, [a.text for a in li.findall("x:ol/x:li/x:a", XHTML)])
        for li in toc.findall("x:li", XHTML)
    ]
    assert entries[: len(FULL.articles)] == list(FULL.articles.items())
    assert [title for title, _ in entries[len(FULL.articles) :]] == ["用語集", "参考文献", "奥付"]


def test_ruby_and_upright_numbers_in_the_text(epub) -> None:
    """Ruby is markup the reading system sets (<ruby><rt>); 1–2 digit numbers are
    tate-chu-yoko spans in the vertical edition only."""
    mode, zf = epub
    chapter = etree.fromstring(zf.read("EPUB/text/ch001.xhtml"))
    ruby = chapter.find(".//x:ruby", XHTML)
    assert (ruby.text, ruby.find("x:rt", XHTML).text) == FULL.ruby[0]
    tcy = [s.text for s in chapter.iterfind(".//x:span[@class='tcy']", XHTML)]
    if mode == "vertical":
        assert {"3", "14", "12", "8"} <= set(tcy), tcy
    else:
        assert tcy == []
