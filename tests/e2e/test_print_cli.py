"""Every print option through the real command line: ``tougen-pub build pdf --trim bunko
--marks --numerals kanji --r2l-viewer`` on the full fixture book (vertical), measured in the
PDF a printer and a reader get: trim and bleed boxes, the viewer's reading direction, kanji
numerals in the text and in the table of contents."""

from __future__ import annotations

import re
import traceback

import pytest
from click.testing import CliRunner
from test_reader_pdf import (
    EPOCH,
    FULL,
    MM,
    Pdf,
    check_bibliography_pages,
    check_glossary_pages,
    check_see_also,
    openings,
    read_pdf,
    toc_numbers,
)

from tougen_pub.cli import main

pytestmark = pytest.mark.slow

BLEED = 3 * MM
BUNKO = (105 * MM, 148 * MM)  # book page, portrait


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Pdf:
    out = tmp_path_factory.mktemp("cli")
    args = ["build", "pdf", "-m", str(FULL.root), "-o", str(out)]
    args += ["--trim", "bunko", "--marks", "--numerals", "kanji", "--r2l-viewer"]
    result = CliRunner().invoke(
        main, args, env={"SOURCE_DATE_EPOCH": EPOCH, "TOUGEN_PROGRESS": "0"}
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    assert result.exit_code == 0, result.output
    target = out / "full-vertical.pdf"
    assert f"wrote {target}" in result.output
    assert not re.search(r": (warning|error): ", result.output), result.output
    return read_pdf(target, "vertical", kanji=True)


def _box(page, name: str) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in page[name])  # type: ignore[return-value]


def test_trim_is_bunko_with_3mm_bleed(printed: Pdf) -> None:
    """--trim bunko --marks: every page has a TrimBox of 105 × 148 mm as the reader holds
    it (a vertical page may be laid out landscape and turned by /Rotate 90) and a BleedBox
    3 mm beyond it on every side, inside the MediaBox (where the crop marks go)."""
    from pypdf import PdfReader

    reader = PdfReader(printed.path)
    assert len(reader.pages) > 8
    for page in reader.pages:
        tx0, ty0, tx1, ty1 = _box(page, "/TrimBox")
        size = (tx1 - tx0, ty1 - ty0)
        if int(page.get("/Rotate", 0)) % 180:
            size = size[::-1]
        assert size == pytest.approx(BUNKO, abs=0.1)
        bx0, by0, bx1, by1 = _box(page, "/BleedBox")
        assert (tx0 - bx0, ty0 - by0, bx1 - tx1, by1 - ty1) == pytest.approx((BLEED,) * 4, abs=0.1)
        mx0, my0, mx1, my1 = _box(page, "/MediaBox")
        assert mx0 <= bx0 + 0.01 and my0 <= by0 + 0.01 and mx1 >= bx1 - 0.01 and my1 >= by1 - 0.01
    # the reader's page stands upright: narrower than it is high
    assert printed.width < printed.height


def test_r2l_viewer_asks_for_right_bound_spreads(printed: Pdf) -> None:
    import pikepdf

    with pikepdf.open(printed.path) as pdf:
        prefs = pdf.Root.get("/ViewerPreferences")
        assert prefs is not None and prefs.get("/Direction") == pikepdf.Name("/R2L")
        assert pdf.Root.get("/PageLayout") == pikepdf.Name("/TwoPageLeft")


def test_kanji_numerals_in_the_text(printed: Pdf) -> None:
    """--numerals kanji: dates and numbers of the text in kanji (二〇二五年三月十四日); web
    addresses keep their digits."""
    text = "".join(printed.flat(p) for p in range(1, len(printed.texts) + 1))
    assert "二〇二五年三月十四日" in text  # the date of article 1 and of the book (奥付)
    assert "一日に八便" in text
    assert "https://example.org/blog/2025/03/14/1" in text
    assert "3月14日" not in text


def test_kanji_toc_numbers_are_the_opening_pages(printed: Pdf) -> None:
    """The table of contents prints kanji page numbers (一三), and they are the pages the
    articles and the back matter open on."""
    parts = [*FULL.articles, "用語集", "参考文献"]
    toc = next(i for i in range(1, len(printed.texts) + 1) if printed.flat(i).startswith("目次"))
    assert not re.search("[0-9]", printed.flat(toc)), printed.texts[toc - 1]
    assert toc_numbers(printed, parts) == openings(printed, parts)


def test_kanji_page_references_are_the_pages(printed: Pdf) -> None:
    """Glossary and bibliography (→ 海峡の町の記録 七) and related articles (（一三）) give
    their pages in kanji, and the pages are right for the bunko page."""
    check_glossary_pages(printed, FULL)
    check_bibliography_pages(printed, FULL)
    check_see_also(printed, FULL)
