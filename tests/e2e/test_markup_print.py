"""The markup real Japanese books carry, in all four books of tests/fixtures/books/markup2:
傍点 beside (縦組) or above (横組) emphasised words, tables whose cells hold ruby, glossary
links, citations and an escaped ``|``, a heading kept with the large image after it, kanji
numerals that leave units, fractions and names alone, and vertical Latin details."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "markup2"
EPOCH = "1741910400"
EMPHASIS = ["強調語句", "高原"]  # *…* of the manuscript, in reading order
DOTS = "﹅"
# every table cell's text (ruby base and reading, glossary label, citation number)
CELLS = ["駅", "時刻", "備考", "野辺山", "6:40", "18きっぷ可", "清里", "7:02", "時刻表",
         "小淵沢", "7:30", "上り|下り"]  # fmt: skip
KEPT = ["−15℃", "25‰", "10km", "5%", "2½", "1と½", "3.5倍", "18きっぷ"]


def _run(*args: str) -> None:
    exe = Path(sys.executable).with_name("tougen-pub")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "TOUGEN_JOBS": "1"}
    res = subprocess.run(
        [str(exe), "build", *args, "-m", str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("markup2")
    kanji = tmp_path_factory.mktemp("markup2-kanji")
    for mode in ("vertical", "horizontal"):
        _run("epub", "-o", str(out), "--writing-mode", mode)
        _run("pdf", "-o", str(out), "--writing-mode", mode)
    _run("pdf", "-o", str(kanji), "--writing-mode", "vertical", "--numerals", "kanji")
    return {
        "epub-vertical": out / "markup2.epub",
        "epub-horizontal": out / "markup2-horizontal.epub",
        "pdf-vertical": out / "markup2-vertical.pdf",
        "pdf-horizontal": out / "markup2-horizontal.pdf",
        "pdf-kanji": kanji / "markup2-vertical.pdf",
    }


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        html = "".join(z.read(n).decode() for n in sorted(z.namelist()) if n.endswith(".xhtml"))
    return re.sub(r"<[^>]+>", "", html)


def body_text(page) -> str:  # noqa: ANN001 - a pdfplumber page
    """The text of the page at body size, in reading order (dots and ruby left out)."""
    chars = [c for c in page.chars if c["size"] > 7 and c["text"] != DOTS]
    return "".join(c["text"] for c in chars)


@pytest.mark.parametrize(
    "book", ["epub-vertical", "epub-horizontal", "pdf-vertical", "pdf-horizontal"]
)
def test_every_table_cell_is_there(books: dict[str, Path], book: str) -> None:
    path = books[book]
    text = epub_text(path) if book.startswith("epub") else pdf_text(path)
    flat = re.sub(r"\s+", "", text)
    for cell in CELLS:
        assert cell in flat, (book, cell)
    assert "のべやま" in flat  # the reading of the ruby in the cell
    assert "{野辺山" not in flat and "のべやま}" not in flat


def _dots_beside(path: Path, vertical: bool) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        page = next(p for p in pdf.pages if any(c["text"] == DOTS for c in p.chars))
        dots = [c for c in page.chars if c["text"] == DOTS]
        body = [c for c in page.chars if c["size"] > 7]
        base = [c for c in body if c["text"] in "".join(EMPHASIS)]
        assert len(dots) == sum(len(w) for w in EMPHASIS), len(dots)
        for d in dots:
            # the character the dot belongs to: the nearest along the line
            if vertical:
                mid = (d["top"] + d["bottom"]) / 2
                c = min(
                    base,
                    key=lambda c: abs((c["top"] + c["bottom"]) / 2 - mid) + abs(c["x1"] - d["x0"]),
                )
                assert c["top"] <= mid <= c["bottom"], (d, c)
                assert d["x0"] >= c["x1"] - 0.25 * c["size"], (d, c)  # to the right
                assert d["x1"] <= c["x1"] + c["size"]
            else:
                mid = (d["x0"] + d["x1"]) / 2
                c = min(
                    base,
                    key=lambda c: abs((c["x0"] + c["x1"]) / 2 - mid) + abs(c["top"] - d["bottom"]),
                )
                assert c["x0"] <= mid <= c["x1"], (d, c)
                assert d["bottom"] <= c["top"] + 0.25 * c["size"], (d, c)  # above
                assert d["top"] >= c["top"] - c["size"]
        # no dot beside what is not emphasised (太字, the rest of the line)
        assert len({(round(d["x0"]), round(d["top"])) for d in dots}) == len(dots)


def test_vertical_bouten_to_the_right(books: dict[str, Path]) -> None:
    _dots_beside(books["pdf-vertical"], vertical=True)


def test_horizontal_bouten_above(books: dict[str, Path]) -> None:
    _dots_beside(books["pdf-horizontal"], vertical=False)


@pytest.mark.parametrize("book", ["pdf-vertical", "pdf-horizontal"])
def test_emphasised_words_extract_in_order(books: dict[str, Path], book: str) -> None:
    flat = re.sub(r"\s+", "", pdf_text(books[book])).replace(DOTS, "")
    assert "ここで大事なのは強調語句であって、太字ではない。小海線は高原を走る。" in flat


def test_epub_emphasis_css(books: dict[str, Path]) -> None:
    for book in ("epub-vertical", "epub-horizontal"):
        with zipfile.ZipFile(books[book]) as z:
            css = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".css"))
            html = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
        assert "<em>強調語句</em>" in html
        for prop in ("text-emphasis: filled sesame", "-webkit-text-emphasis: filled sesame",
                     "-epub-text-emphasis: filled sesame", "break-after: avoid",
                     "page-break-after: avoid"):  # fmt: skip
            assert re.search(rf"(?m)^\s*{re.escape(prop)};", css), (book, prop)


def test_heading_stays_with_its_image(books: dict[str, Path]) -> None:
    import pdfplumber

    for book in ("pdf-vertical", "pdf-horizontal"):
        with pdfplumber.open(books[book]) as pdf:
            pages = [p for p in pdf.pages if "高原の写真" in "".join(c["text"] for c in p.chars)]
            # the heading (and not only the running head of the following pages)
            heading = [
                p for p in pages if any(c["text"] == "写" and c["size"] >= 9 for c in p.chars)
            ]
            assert heading and heading[0].images, (book, [p.page_number for p in pages])


def test_kanji_numerals_leave_units_fractions_and_names(books: dict[str, Path]) -> None:
    flat = re.sub(r"\s+", "", pdf_text(books["pdf-kanji"]))
    for kept in KEPT:
        assert kept in flat, kept
    assert "一〇分ほど" in flat and "十分ほど" not in flat
    assert "二〇二五年三月一日" in flat


def test_vertical_latin_details(books: dict[str, Path]) -> None:
    import pdfplumber

    with pdfplumber.open(books["pdf-vertical"]) as pdf:
        page = next(p for p in pdf.pages if "Ⅲ" in "".join(c["text"] for c in p.chars))
        chars = [c for c in page.chars if c["size"] > 7]
        k = next(i for i, c in enumerate(chars) if c["text"] == "Ⅲ")
        dai, three, ki = chars[k - 1], chars[k], chars[k + 1]
        # 第Ⅲ期 in one column, upright, no quarter-em gaps: cells follow each other
        assert three["top"] == pytest.approx(dai["bottom"], abs=0.3)
        assert ki["top"] == pytest.approx(three["bottom"], abs=0.3)
    flat = re.sub(r"\s+", "", pdf_text(books["pdf-vertical"]))
    assert "本当か！？" in flat and "驚いた！！" in flat


def test_epubcheck(books: dict[str, Path], epubcheck_clean, tmp_path: Path) -> None:  # noqa: ANN001
    epubcheck_clean([books["epub-vertical"], books["epub-horizontal"]], tmp_path)
