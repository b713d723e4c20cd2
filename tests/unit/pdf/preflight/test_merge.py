"""The preflight's findings shared by several pages become one (``pages 1–3, 7``), and the
report lists the file's findings first, then the pages in numeric order."""

from __future__ import annotations

from pathlib import Path

import pytest

from tougen_pub.diagnostics import Diagnostics, Level
from tougen_pub.pdf.preflight import PRESSES, Report, merge_pages, page_location, page_ranges

PDF = Path("book.pdf")


@pytest.mark.parametrize(
    "numbers, text",
    [
        ([1, 2, 3, 7, 9, 10], "1–3, 7, 9–10"),
        ([10, 9, 1, 3, 2, 7], "1–3, 7, 9–10"),  # any order
        ([5], "5"),
        ([4, 5], "4–5"),
        ([1, 3, 5], "1, 3, 5"),
        ([], ""),
        ([99, 100, 101, 200], "99–101, 200"),
    ],
)
def test_page_ranges(numbers: list[int], text: str) -> None:
    assert page_ranges(numbers) == text


def test_page_ranges_name_a_page_once() -> None:
    assert page_ranges([2, 2, 3]) == "2–3"


def test_page_location() -> None:
    assert str(page_location(PDF, 3)) == "book.pdf#page=3"
    assert str(page_location(PDF)) == "book.pdf"
    assert page_location(PDF, 3).line is None  # a page is not a line


def found(*items: tuple[Level, str, str, int | None]) -> Diagnostics:
    diags = Diagnostics()
    for level, code, message, page in items:
        diags.add(level, code, message, page_location(PDF, page))
    return diags


def formatted(diags: Diagnostics) -> list[str]:
    return [d.format() for d in diags]


def test_merge_the_pages_of_one_message() -> None:
    bleed = "bleed 0.0 mm"
    diags = found(*[(Level.ERROR, "preflight-bleed", bleed, n) for n in (1, 2, 3, 7, 9, 10)])
    assert formatted(merge_pages(diags)) == [
        "book.pdf#page=1: error: bleed 0.0 mm (pages 1–3, 7, 9–10) [preflight-bleed]"
    ]


def test_merge_keeps_what_differs() -> None:
    diags = found(
        (Level.ERROR, "preflight-rgb", "RGB (rg)", 2),
        (Level.ERROR, "preflight-rgb", "RGB (image /Im1)", 3),  # another message
        (Level.WARNING, "preflight-rgb", "RGB (rg)", 4),  # another level
        (Level.ERROR, "preflight-transparency", "RGB (rg)", 5),  # another code
        (Level.ERROR, "preflight-rgb", "RGB (rg)", 6),  # the same as page 2
    )
    assert formatted(merge_pages(diags)) == [
        "book.pdf#page=2: error: RGB (rg) (pages 2, 6) [preflight-rgb]",
        "book.pdf#page=3: error: RGB (image /Im1) [preflight-rgb]",
        "book.pdf#page=4: warning: RGB (rg) [preflight-rgb]",
        "book.pdf#page=5: error: RGB (rg) [preflight-transparency]",
    ]


def test_a_single_finding_is_unchanged() -> None:
    diags = found((Level.ERROR, "preflight-page-count", "3 pages", None))
    assert formatted(merge_pages(diags)) == ["book.pdf: error: 3 pages [preflight-page-count]"]


def report(diags: Diagnostics, rows: list[tuple[str, int, str]] | None = None) -> Report:
    return Report(diags, rows or [("fonts", 0, "info")], 12, PRESSES["print"])


def test_ordered_file_first_then_pages_by_number() -> None:
    diags = found(
        (Level.WARNING, "preflight-safe-zone", "near the edge", 11),
        (Level.ERROR, "preflight-page-count", "13 pages", None),
        (Level.ERROR, "preflight-folio", "no page number 2", 2),
        (Level.INFO, "preflight-transparency", "transparency", 1),
        (Level.ERROR, "preflight-font-duplicate", "face in 2 programs", None),
        (Level.ERROR, "preflight-folio", "no page number 10", 10),
    )
    order = [str(d.location) for d in report(diags).ordered()]
    assert order == [
        "book.pdf",
        "book.pdf",
        "book.pdf#page=1",
        "book.pdf#page=2",  # 2 before 10 and 11: by number, not as text
        "book.pdf#page=10",
        "book.pdf#page=11",
    ]
    files = [d.code for d in report(diags).ordered()[:2]]
    assert files == ["preflight-page-count", "preflight-font-duplicate"]  # as found


def test_failed_only_on_an_error() -> None:
    assert not report(found((Level.WARNING, "preflight-rotate", "landscape", 1))).failed
    assert not report(found((Level.INFO, "preflight-transparency", "alpha", 1))).failed
    assert report(found((Level.ERROR, "preflight-boxes", "no TrimBox", 1))).failed
    assert not report(Diagnostics()).failed


def test_table_aligns_wide_characters() -> None:
    """The verdicts line up in a terminal: a kana takes two columns."""
    rows = [("boxes and bleed", 0, "info"), ("ノンブル", 2, "error")]
    assert report(Diagnostics(), rows).table().splitlines() == [
        "preflight (any press), 12 pages:",
        "  boxes and bleed  ok",
        "  ノンブル         error: 2 finding(s)",
    ]
