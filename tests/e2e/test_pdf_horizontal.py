"""The horizontal print PDF, measured in the PDF itself (pdfplumber, pypdf, poppler).

One book is built per session: the tiny fixture manuscript plus a long article written
here, with kinsoku traps, Latin words, ruby, glossary links and citations.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from jlreq import NOT_AT_LINE_END as NO_LINE_FOOT
from jlreq import NOT_AT_LINE_START as NO_LINE_HEAD
from tougen_pub.pdf.compose.jlreq import CLOSING

pytestmark = pytest.mark.slow

LONG_PARAGRAPHS = [
    "ロシアのウクライナ侵攻を理解するために必要な機密文書や研究をまとめた資料で、特にNATO拡大、"
    "プーチンの台頭、ロシアのサイバー戦略に焦点を当てている。以下に重要なポイントを整理する。",
    "1994年の「[[ブダペスト覚書]]」では、ウクライナが核兵器を放棄する代わりに、米英露が安全を"
    "保証した。エリツィンは「約束違反だ」と主張し、{東京|とうきょう}の会議でも同じ発言を繰り返した。"
    "ソ連崩壊後、西側の指導者は口頭で「NATOを東方に拡大しない」と発言していたが、正式な条約や"
    "合意としては明文化されていなかった[@yeltsin]。",
    "クリントン大統領とエリツィンの会話記録には、エリツィンがプーチンを次期大統領にする意向を"
    "明確に示していたことが記されている。また、プーチンが権力を強固なものとした要因の一つとして、"
    "第二次チェチェン戦争が挙げられる。1999年にロシア国内で発生した連続アパート爆破事件が"
    "チェチェン武装勢力によるものとされ、それを口実にロシア軍がチェチェンへの軍事介入を強化した。",
    "ロシアは過去に複数の国々に対してサイバー攻撃を仕掛けてきた。特に、2008年のロシア・"
    "ジョージア戦争におけるサイバー攻撃は、軍事作戦と連携した初の大規模なサイバー攻撃とされている。"
    "「バルトの亡霊」――NATOのサイバー空間支援……そして、[[PFP]]（Partnership for Peace）の"
    "枠組みでの協力が続いた。っ、ゃ、ー、々が行頭に来てはならない。「「入れ子」」の括弧も試す。",
]
LONG_ARTICLE = (
    '+++\ntitle = "長い記事の組版"\ndate = 2025-02-11\nsources = ["blowup"]\n+++\n\n## 詳細\n\n'
    + "\n\n".join(LONG_PARAGRAPHS * 3)
    + "\n\n- 箇条書きの項目も組版の対象であり、行末がそろっていなければならない。これは二行以上に"
    "わたる長い項目である。\n"
)


@dataclass
class Built:
    root: Path
    pdf: Path
    html: str
    geometry: object
    diags: object


def make_manuscript(base: Path, tiny_root: Path) -> Path:
    """The tiny manuscript plus the long article, in ``base/ms``."""
    root = base / "ms"
    shutil.copytree(tiny_root, root)
    (root / "articles" / "03-nagai.md").write_text(LONG_ARTICLE, encoding="utf-8")
    toml = (root / "book.toml").read_text(encoding="utf-8")
    (root / "book.toml").write_text(
        toml.replace(
            'articles = ["01-hajimari", "02-tsuzuki"]',
            'articles = ["01-hajimari", "02-tsuzuki", "03-nagai"]',
        ),
        encoding="utf-8",
    )
    return root


def build_book_pdf(base: Path, tiny_root: Path, mode: str, parts: bool = True) -> Built:
    from tougen_pub.ingest.loader import load_book
    from tougen_pub.options import BuildOptions
    from tougen_pub.pdf import builder as pdf

    root = make_manuscript(base, tiny_root)
    book, diags = load_book(root)
    assert book is not None and not diags.errors, [d.format() for d in diags]
    out = root.parent / "out"
    target, prepared = pdf.build(book, mode, BuildOptions(root, out, mode, parts=parts), diags)
    assert target == out / f"tiny-{mode}.pdf"
    return Built(root, target, prepared.html, prepared.geometry, diags)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, tiny_root: Path) -> Built:
    return build_book_pdf(tmp_path_factory.mktemp("pdfh"), tiny_root, "horizontal")


# -- helpers --------------------------------------------------------------------------


def composed_lines(html: str) -> list[tuple[str, str]]:
    """(kind, text without ruby readings) of every composed line in the HTML."""
    from tinyhtml5 import parse

    doc = parse(html)
    out = []
    for el in doc.iter():  # a <span> per line; a paragraph or list item of one line
        cls = (el.get("class") or "").split()
        if "ln" not in cls:
            continue
        for rt in el.iter("{http://www.w3.org/1999/xhtml}span"):
            if "rt" in (rt.get("class") or "").split():
                rt.text = ""
        out.append((cls[1], "".join(el.itertext()).replace(" ", "")))
    return out


def pdf_lines(pdf_path: Path, size: float):
    """Lines of body-size Mincho text per page: (page number, text, x0, x1, page width)."""
    import pdfplumber

    rows = []
    with pdfplumber.open(pdf_path) as doc:
        for pno, page in enumerate(doc.pages, 1):
            chars = [
                c
                for c in page.chars
                if "Mincho" in c["fontname"] and abs(c["size"] - size) < 0.05 and c["text"].strip()
            ]
            lines: dict[float, list] = {}
            for c in chars:
                key = next((k for k in lines if abs(k - c["top"]) < 1.0), c["top"])
                lines.setdefault(key, []).append(c)
            for key in sorted(lines):
                cs = sorted(lines[key], key=lambda c: c["x0"])
                text = "".join(c["text"] for c in cs)
                rows.append((pno, text, cs[0]["x0"], cs[-1]["x1"], float(page.width), cs[-1]))
    return rows


# -- tests ----------------------------------------------------------------------------


def test_every_full_line_is_flush_and_kinsoku_holds(built: Built) -> None:
    g = built.geometry
    kinds = {}
    for kind, text in composed_lines(built.html):
        kinds.setdefault(text, set()).add(kind)
    full = 0
    checked = 0
    for pno, text, _x0, x1, width, _last in pdf_lines(built.pdf, g.font_size):
        key = text.replace(" ", "")
        if key not in kinds:
            continue
        checked += 1
        if pno > 1 and key[0] in NO_LINE_HEAD:
            pytest.fail(f"page {pno}: line starts with {key[0]!r}: {text}")
        if key[-1] in NO_LINE_FOOT:
            pytest.fail(f"page {pno}: line ends with {key[-1]!r}: {text}")
        if kinds[key] == {"last"}:
            continue
        full += 1
        right_margin = g.outer if pno % 2 else g.inner
        edge = width - right_margin
        gap = edge - x1
        # a closing mark compressed at the line end keeps its 1-em box: up to ½ em past
        compressed_end = key[-1] in CLOSING and -0.5 * g.font_size - 0.5 <= gap <= 0.5
        assert abs(gap) <= 0.5 or compressed_end, f"page {pno}: {gap:+.2f} pt: {text}"
    assert full >= 40, (full, checked)
    assert checked >= 0.9 * len(composed_lines(built.html))


def test_no_line_of_the_pdf_starts_with_a_closing_mark(built: Built) -> None:
    heads = [t for _p, t, *_ in pdf_lines(built.pdf, built.geometry.font_size)]
    bad = [t for t in heads if t[0] in "、。」）』】"]
    assert not bad


def _page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")


def test_toc_page_numbers_match_the_pages(built: Built) -> None:
    pages = _page_texts(built.pdf)
    toc_page = next(i for i, t in enumerate(pages) if t.lstrip().startswith("目次"))
    toc = pages[toc_page]
    titles = ["はじまりの話", "つづきの話", "長い記事の組版", "用語集", "参考文献"]
    for title in titles:
        m = re.search(re.escape(title) + r"[ .…]*?(\d+)\s*$", toc, re.M)
        assert m, (title, toc)
        number = int(m.group(1))
        opening = pages[number - 1].lstrip()
        assert opening.startswith(title), (title, number, opening[:40])
        assert number % 2 == 1  # every part opens on a recto (odd) page


def test_outline_has_every_article_and_the_back_matter(built: Built) -> None:
    from pypdf import PdfReader

    reader = PdfReader(built.pdf)

    def flatten(items):
        for it in items:
            if isinstance(it, list):
                yield from flatten(it)
            else:
                yield it

    entries = {o.title: reader.get_destination_page_number(o) + 1 for o in flatten(reader.outline)}
    for title in ("はじまりの話", "つづきの話", "長い記事の組版", "用語集", "参考文献"):
        assert title in entries
    assert "概要" in entries  # sections are second-level bookmarks
    pages = _page_texts(built.pdf)
    assert pages[entries["長い記事の組版"] - 1].lstrip().startswith("長い記事の組版")


def test_running_heads_and_page_numbers(built: Built) -> None:
    pages = _page_texts(built.pdf)
    n = next(i for i, t in enumerate(pages, 1) if t.lstrip().startswith("長い記事の組版"))
    verso = [ln.strip() for ln in pages[n].splitlines() if ln.strip()]
    recto = [ln.strip() for ln in pages[n + 1].splitlines() if ln.strip()]
    assert verso[0] == "小さな本" and verso[-1] == str(n + 1)
    assert recto[0] == "長い記事の組版" and recto[-1] == str(n + 2)
    # the opening page and the blank verso after the title page show no ノンブル: they
    # carry only the hidden one, small, in the gutter (left on a recto, right on a verso)
    assert _folios(built.pdf, n) == [(5.0, "gutter")]
    assert _folios(built.pdf, 2) == [(5.0, "gutter")]
    assert pages[1].strip() == "2"
    assert _folios(built.pdf, n + 1) == [(8.0, "outer")]


def _folios(pdf: Path, number: int) -> list[tuple[float, str]]:
    """(size, side) of each word on page ``number`` that is its page number."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        page = doc.pages[number - 1]
        words = page.extract_words(extra_attrs=["size"])
        recto = number % 2 == 1
        out = []
        for w in words:
            if w["text"] == str(number):
                left = w["x0"] < page.width / 2
                out.append((round(w["size"], 1), "gutter" if left == recto else "outer"))
        return out


def test_text_is_extracted_in_reading_order(built: Built) -> None:
    text = re.sub(r"\s+", "", "".join(_page_texts(built.pdf)))
    para = LONG_PARAGRAPHS[2]
    # drop running heads/page numbers that may interrupt a paragraph at a page break
    assert para[:60] in text
    assert para[-60:] in text


def test_fonts_embedded_and_not_type3(built: Built) -> None:
    out = subprocess.run(
        ["pdffonts", str(built.pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert out
    for row in out:
        assert "Type 3" not in row
        fields = row.split()
        assert fields[-5] == "yes", row  # emb


def test_page_size_metadata_and_links(built: Built) -> None:
    from pypdf import PdfReader

    reader = PdfReader(built.pdf)
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(148 / 25.4 * 72, abs=0.1)
    assert float(box.height) == pytest.approx(210 / 25.4 * 72, abs=0.1)
    meta = reader.metadata
    assert meta.title == "小さな本"
    assert meta.author == "山田 太郎"
    links = [a.get_object() for p in reader.pages for a in (p.get("/Annots") or [])]
    internal = [a for a in links if "/Dest" in a or ("/A" in a and "/D" in a["/A"])]
    assert len(internal) >= 5  # ToC entries, glossary and citation links


def test_no_diagnostics_for_the_clean_book(built: Built) -> None:
    bad = [d.format() for d in built.diags if d.level.value != "info"]
    assert not bad
