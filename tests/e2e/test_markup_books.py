"""Footnotes and soft line breaks in all four books of the markup fixture manuscript
(tests/fixtures/books/markup): EPUB vertical and horizontal, PDF vertical and horizontal.

Each book is built once per module; what a reader finds is read from the outputs
themselves (the XHTML of the EPUBs, pdftotext of the PDFs).
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "markup"
EPOCH = "1741910400"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_NS = "{http://www.idpf.org/2007/ops}"

# every note's text (first paragraph, and the further paragraphs of multi-paragraph notes)
NOTES = [
    "最初の注の本文。覚書の第一条を参照。",
    "名前つきの注の本文。解釈の争いは今も続く。",
    "名前つきの注の第二段落。複数段落の注も本文と同じように組まれる。",
    "三番目に参照される注の本文。",
    "箇条書きから参照される注。注の中の改行も消える。",  # a soft break inside a note
    "三番目の記事の最初の注。",
    "三番目の記事の二番目の注。",
]
# sentences written across a line end in the manuscript, between Japanese characters
SOFT = [
    "この文は原稿の中で改行されているが、組版では一続きになる。",  # paragraph
    "引用の中の文も改行が消える。",  # block quote
    "箇条書きの項目も改行が消える。",  # list item
    "の後も同じである。",  # after a glossary link at the line end
    "この段落は注を含まないが、前の段落と同じ注を二度参照している。",
]
LATIN = re.compile(r"quick\s+brown")  # Latin words across a line end keep their space


def _build(kind: str, mode: str, out: Path) -> Path:
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.setenv("TOUGEN_PROGRESS", "0")
        path, diags = build_book(kind, BuildOptions(ROOT, out, mode))
    assert not [d.format() for d in diags if d.level.value != "info"]
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("markup")
    return {
        f"{kind}-{mode}": _build(kind, mode, out)
        for kind in ("epub", "pdf")
        for mode in ("vertical", "horizontal")
    }


def chapters(epub: Path) -> list[ET.Element]:
    with zipfile.ZipFile(epub) as z:
        names = sorted(n for n in z.namelist() if re.search(r"text/ch\d+\.xhtml$", n))
        return [ET.fromstring(z.read(n)) for n in names]


def epub_text(root: ET.Element) -> str:
    """The text a reader sees (ruby readings left out)."""
    for ruby in root.iter(f"{XHTML}ruby"):
        for rt in ruby.findall(f"{XHTML}rt"):
            rt.text = ""
    return "".join(root.itertext())


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


def unwrapped(page: str) -> str:
    """A page's text with the line ends of the layout taken out (spaces kept)."""
    return page.replace("\n", "")


OUTPUTS = ["epub-vertical", "epub-horizontal", "pdf-vertical", "pdf-horizontal"]


@pytest.mark.parametrize("output", OUTPUTS)
def test_notes_and_soft_breaks_in_every_output(books: dict[str, Path], output: str) -> None:
    path = books[output]
    if output.startswith("epub"):
        text = "".join(epub_text(c) for c in chapters(path))
        assert LATIN.search(text)
    else:
        pages = pdf_pages(path)
        text = "".join(unwrapped(p) for p in pages)
        assert any(LATIN.search(p.replace("\n", " ")) for p in pages)
    missing = [t for t in NOTES + SOFT if t not in text]
    assert not missing, (output, missing)
    assert "^" not in text and "[^" not in text  # no raw markup left


def test_epubcheck(books: dict[str, Path], tmp_path: Path, epubcheck_clean) -> None:
    epubcheck_clean([books["epub-vertical"], books["epub-horizontal"]], tmp_path)


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_epub_footnote_semantics(books: dict[str, Path], mode: str) -> None:
    first = chapters(books[f"epub-{mode}"])[0]
    refs = [a for a in first.iter(f"{XHTML}a") if a.get(f"{EPUB_NS}type") == "noteref"]
    asides = {
        el.get("id"): el
        for el in first.iter(f"{XHTML}aside")
        if el.get(f"{EPUB_NS}type") == "footnote" and el.get("role") == "doc-footnote"
    }
    # 1, 2 (the named note), 3, then note 1 again
    assert ["".join(a.itertext()) for a in refs] == ["1", "2", "3", "1"]
    assert all(a.get("role") == "doc-noteref" for a in refs)
    assert all(a.find(f"{XHTML}sup") is not None for a in refs)
    assert [a.get("href", "")[1:] for a in refs][:3] == list(asides)
    assert refs[0].get("href") == refs[3].get("href")
    ids = {el.get("id") for el in first.iter() if el.get("id")}
    for aside in asides.values():
        back = [a for a in aside.iter(f"{XHTML}a") if a.get("role") == "doc-backlink"]
        assert back and back[0].get("href", "")[1:] in ids
    named = asides[refs[1].get("href", "")[1:]]
    assert len(named.findall(f"{XHTML}p")) == 2  # a note of two paragraphs


def test_horizontal_pdf_notes_at_the_foot_of_their_page(books: dict[str, Path]) -> None:
    pages = [unwrapped(p) for p in pdf_pages(books["pdf-horizontal"])]

    def page_of(text: str) -> int:
        found = [i for i, p in enumerate(pages) if text in p]
        assert len(found) == 1, (text, found)
        return found[0]

    # a note is printed on the page of its first call, after the text of that page
    for call, note in [
        ("安全の保証を約束した", "最初の注の本文"),
        ("記事ごとに一から番号が振られる", "三番目の記事の最初の注"),
        ("二つ目の注はここで参照される", "三番目の記事の二番目の注"),
    ]:
        assert page_of(call) == page_of(note), (call, note)
    first = re.sub(r"\s", "", pages[page_of("最初の注の本文")])
    assert first.index("二度参照している") < first.index("1最初の注の本文")
    # the long article runs over two pages: each page has its own notes
    assert page_of("三番目の記事の最初の注") != page_of("三番目の記事の二番目の注")
    assert "注1最初の注の本文" not in re.sub(r"\s", "", "".join(pages))  # no 後注 block


def test_vertical_pdf_notes_after_the_article(books: dict[str, Path]) -> None:
    text = re.sub(r"\s", "", "".join(pdf_pages(books["pdf-vertical"])))
    article = text[text.index("注のある記事2025") : text.index("改行の記事2025")]
    last = article.index("二度参照している。")
    head = article.index("注1最初の注の本文", last)  # the 注 block, after the last paragraph
    assert head > last
    assert article.index("2名前つきの注の本文") > head
    assert article.index("3三番目に参照される注の本文") > head
    # numbered per article: the third article starts again at 1
    third = text[text.index("長い注の記事2025") :]
    assert "1三番目の記事の最初の注" in third
