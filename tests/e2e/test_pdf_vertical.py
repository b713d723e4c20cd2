"""The vertical (縦組) print PDF, measured on the displayed (rotated) pages.

The same manuscript as the horizontal tests, built once per session in vertical mode.
pdfplumber reports coordinates of the displayed page (after /Rotate 90): columns run
top to bottom, right to left.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from test_pdf_horizontal import LONG_PARAGRAPHS, Built, build_book_pdf, composed_lines

from jlreq import NOT_AT_LINE_END as NO_LINE_FOOT
from jlreq import NOT_AT_LINE_START as NO_LINE_HEAD
from tougen_pub.pdf.compose.jlreq import CLOSING

pytestmark = pytest.mark.slow
MM = 72 / 25.4


@pytest.fixture(scope="session")
def vbuilt(tmp_path_factory: pytest.TempPathFactory, tiny_root: Path) -> Built:
    return build_book_pdf(tmp_path_factory.mktemp("pdfv"), tiny_root, "vertical")


def columns(pdf_path: Path, size: float, top: float, foot: float):
    """Columns of body-size text per page: (page, text, head top, foot bottom)."""
    import pdfplumber

    out = []
    with pdfplumber.open(pdf_path) as doc:
        for pno, page in enumerate(doc.pages, 1):
            # sideways Latin reports another size: select by font and by the text block
            chars = [
                c
                for c in page.chars
                if "Mincho" in c["fontname"]
                and c["text"].strip()
                and c["x1"] - c["x0"] > size * 0.6
                and top - 1 <= c["top"]
                and c["bottom"] <= foot + size
            ]
            cols: dict[float, list] = {}
            for c in chars:
                xc = (c["x0"] + c["x1"]) / 2
                key = next((k for k in cols if abs(k - xc) < size * 0.6), xc)
                cols.setdefault(key, []).append(c)
            for key in sorted(cols, reverse=True):  # right to left
                cs = sorted(cols[key], key=lambda c: c["top"])
                out.append((pno, "".join(c["text"] for c in cs), cs[0]["top"], cs[-1]["bottom"]))
    return out


def test_pages_are_rotated_landscape_layouts(vbuilt: Built) -> None:
    from pypdf import PdfReader

    reader = PdfReader(vbuilt.pdf)
    for page in reader.pages:
        assert page.get("/Rotate") == 90
        assert float(page.mediabox.width) == pytest.approx(210 * MM, abs=0.1)
        assert float(page.mediabox.height) == pytest.approx(148 * MM, abs=0.1)


def test_full_columns_are_flush_at_the_foot_with_kinsoku(vbuilt: Built) -> None:
    g = vbuilt.geometry
    kinds: dict[str, set[str]] = {}
    for kind, text in composed_lines(vbuilt.html):
        kinds.setdefault(text, set()).add(kind)
    foot = g.page_h - g.bottom
    full = checked = 0
    for pno, text, _top, bottom in columns(vbuilt.pdf, g.font_size, g.top, g.page_h - g.bottom):
        key = text.replace(" ", "")
        if key not in kinds:
            continue
        checked += 1
        assert key[0] not in NO_LINE_HEAD, (pno, text)
        assert key[-1] not in NO_LINE_FOOT, (pno, text)
        if kinds[key] == {"last"}:
            continue
        full += 1
        gap = foot - bottom
        compressed_end = key[-1] in CLOSING and -0.5 * g.font_size - 0.5 <= gap <= 0.5
        assert abs(gap) <= 0.5 or compressed_end, f"page {pno}: {gap:+.2f} pt: {text}"
    assert full >= 20, (full, checked)
    assert checked >= 0.9 * len(composed_lines(vbuilt.html))


def test_columns_run_right_to_left_in_reading_order(vbuilt: Built) -> None:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(vbuilt.pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    para = LONG_PARAGRAPHS[2]
    assert para[:60] in flat
    assert para[-60:] in flat


def test_right_bound_sides_and_page_numbers(vbuilt: Built) -> None:
    import pdfplumber

    pages = subprocess.run(
        ["pdftotext", str(vbuilt.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    opening = next(i for i, t in enumerate(pages, 1) if t.lstrip().startswith("長い記事の組版"))
    assert opening % 2 == 1  # articles open on odd = left-hand pages of a right-bound book
    with pdfplumber.open(vbuilt.pdf) as doc:
        width = float(doc.pages[0].width)
        for pno in (opening + 1, opening + 2):
            page = doc.pages[pno - 1]
            folio = [c for c in page.chars if abs(c["size"] - 8) < 0.05]
            assert "".join(c["text"] for c in sorted(folio, key=lambda c: c["x0"])) == str(pno)
            x = sum(c["x0"] for c in folio) / len(folio)
            # ノンブル at the fore-edge: the left side of odd pages, the right of even ones
            assert (x < width / 2) == (pno % 2 == 1), (pno, x)
            assert min(c["top"] for c in folio) > float(page.height) * 0.8  # at the foot
        opening_page = doc.pages[opening - 1]
        assert not [c for c in opening_page.chars if abs(c["size"] - 8) < 0.05]


def test_tate_chu_yoko_is_one_glyph_and_ruby_is_right_of_the_base(vbuilt: Built) -> None:
    import pdfplumber

    with pdfplumber.open(vbuilt.pdf) as doc:
        chars = [c for p in doc.pages for c in p.chars]
        page_of = {id(c): i for i, p in enumerate(doc.pages) for c in p.chars}
    assert any(c["text"] == "12" for c in chars)  # ^12^ in article 1: one 1-em glyph
    base = next(c for c in chars if c["text"] == "漢")
    reading = [
        c
        for c in chars
        if c["text"] in "かん" and c["size"] < 5 and page_of[id(c)] == page_of[id(base)]
    ]
    assert reading
    assert all(c["x0"] >= base["x1"] - 0.1 for c in reading)
    assert all(base["top"] - 1 <= c["top"] <= base["bottom"] + 1 for c in reading)


def test_only_the_books_fonts_are_embedded(vbuilt: Built) -> None:
    rows = subprocess.run(
        ["pdffonts", str(vbuilt.pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        assert "Type 3" not in row
        assert "+Tougen" in row.split()[0], row  # no fallback face: every glyph is ours
        assert row.split()[-5] == "yes"
