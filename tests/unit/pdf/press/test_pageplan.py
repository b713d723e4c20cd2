"""The page plan (台割, pdf/press/pageplan.py): blanks to a multiple of 4, 8 or 16 pages, the
side a page falls on, the blank pages' document, the sections and their lengths."""

from __future__ import annotations

import io

import pypdf
import pytest

from tougen_pub.pdf.press.pageplan import (
    PAD_CLASS,
    Section,
    first_side,
    pad_count,
    pad_document,
    page_plan,
)


@pytest.mark.parametrize(
    "pages, multiple, blanks",
    [
        (50, 4, 2),
        (48, 4, 0),
        (83, 4, 1),
        (81, 4, 3),
        (1, 4, 3),
        (50, 1, 0),  # any count
        (83, 1, 0),
        (50, 2, 0),
        (51, 2, 1),
        (50, 8, 6),
        (56, 8, 0),
        (57, 8, 7),
        (50, 16, 14),
        (64, 16, 0),
        (65, 16, 15),
    ],
)
def test_pad_count(pages: int, multiple: int, blanks: int) -> None:
    assert pad_count(pages, multiple) == blanks
    assert (pages + blanks) % multiple == 0


@pytest.mark.parametrize(
    "number, vertical, horizontal",
    [(1, "left", "right"), (2, "right", "left"), (13, "left", "right"), (50, "right", "left")],
)
def test_first_side(number: int, vertical: str, horizontal: str) -> None:
    """A right-bound (縦組) book opens on a left page: its odd pages are left pages; a
    left-bound (横組) book's odd pages are right pages."""
    assert first_side(number, "vertical") == vertical
    assert first_side(number, "horizontal") == horizontal


HEAD = (
    "<html><head><style>\n@page { size: A5; margin: 20mm; }\n.pad-page { break-before: page; }"
    "\n</style></head><body>"
)
TAIL = "</body></html>"


def test_pad_document_in_the_books_stylesheet() -> None:
    html = pad_document(HEAD, TAIL, start=51, count=2, mode="horizontal")
    style = html[html.index("<style>") : html.index("</style>")]
    assert "@page :first { counter-reset: page 51; }" in style
    assert "html { break-before: right; }" in style  # page 51 of a 横組 book: a right page
    assert html.count("<style>") == 1  # added to the book's own style element
    assert html.endswith("<body>" + f'<div class="{PAD_CLASS}"></div>' * 2 + TAIL)
    assert html.count(f'class="{PAD_CLASS}"') == 2
    assert style.startswith(HEAD[HEAD.index("<style>") : HEAD.index("</style>")])


def test_pad_document_without_a_style_element() -> None:
    head = "<html><head><title>本</title></head><body>"
    html = pad_document(head, TAIL, start=14, count=3, mode="vertical")
    assert html == (
        "<html><head><title>本</title>\n<style>@page :first { counter-reset: page 14; }\n"
        "html { break-before: right; }</style>\n</head><body>"
        + '<div class="pad-page"></div>' * 3
        + TAIL
    )


def test_pad_document_with_no_pages() -> None:
    html = pad_document(HEAD, TAIL, start=5, count=0, mode="vertical")
    assert html.endswith("<body>" + TAIL) and f'class="{PAD_CLASS}"' not in html


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
@pytest.mark.parametrize("start", [13, 14])
def test_pad_pages_as_laid_out(mode: str, start: int) -> None:
    """WeasyPrint lays the blanks out as ``count`` pages numbered from ``start`` (no extra
    page to reach the side), on the sides the book's page numbers give them."""
    import weasyprint

    head = HEAD.replace(
        "</style>",
        "@page { @bottom-center { content: counter(page); } }\n"
        '@page :left { @top-left { content: "L"; } }\n'
        '@page :right { @top-right { content: "R"; } }\n</style>',
    )
    html = pad_document(head, TAIL, start=start, count=3, mode=mode)
    pdf = pypdf.PdfReader(io.BytesIO(weasyprint.HTML(string=html).write_pdf()))
    pages = [page.extract_text().split() for page in pdf.pages]
    sides = {"left": "L", "right": "R"}
    assert pages == [[sides[first_side(n, mode)], str(n)] for n in range(start, start + 3)]


STARTS = [("奥付", 13), ("扉", 1), ("第一話", 5), ("目次", 3), ("第二話", 9)]  # any order


def test_page_plan_sections() -> None:
    plan = page_plan(STARTS, body_pages=14, blanks=2, multiple=4)
    assert plan.sections == (
        Section("扉", 1, 2),
        Section("目次", 3, 2),
        Section("第一話", 5, 4),
        Section("第二話", 9, 4),
        Section("奥付", 13, 2),  # to the last page before the blanks
    )
    assert plan.pages == 16
    assert sum(s.pages for s in plan.sections) == plan.body_pages


def test_page_plan_summary() -> None:
    plan = page_plan(STARTS, body_pages=14, blanks=2, multiple=4)
    assert plan.summary() == (
        "page plan: 16 pages = front 4 + 2 articles 8 + back 2 "
        "+ 2 blank at the end (to a multiple of 4)"
    )
    no_blanks = page_plan(STARTS, body_pages=16, blanks=0, multiple=4)
    assert no_blanks.summary() == "page plan: 16 pages = front 4 + 2 articles 8 + back 4"


def test_page_plan_back_matter() -> None:
    starts = [("扉", 1), ("目次", 3), ("第一話", 5), ("用語集", 11), ("参考文献", 13), ("奥付", 15)]
    plan = page_plan(starts, body_pages=15, blanks=1, multiple=8)
    assert [s.pages for s in plan.sections] == [2, 2, 6, 2, 2, 1]
    assert plan.summary() == (
        "page plan: 16 pages = front 4 + 1 articles 6 + back 5 "
        "+ 1 blank at the end (to a multiple of 8)"
    )


def test_page_plan_text() -> None:
    plan = page_plan(STARTS, body_pages=14, blanks=2, multiple=4)
    assert plan.text("桃源") == (
        "台割 桃源: 16 pages\n"
        "\n"
        "first  pages  section\n"
        "    1      2  扉\n"
        "    3      2  目次\n"
        "    5      4  第一話\n"
        "    9      4  第二話\n"
        "   13      2  奥付\n"
        "   15      2  白 (blank, to a multiple of 4)\n"
    )
    no_blanks = page_plan(STARTS, body_pages=16, blanks=0, multiple=4)
    assert "白" not in no_blanks.text("桃源")
    assert no_blanks.text("桃源").splitlines()[-1] == "   13      4  奥付"
