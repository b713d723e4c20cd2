"""The page plan (台割): where each section of the book starts and how many pages it takes,
and the blank pages that bring the page count to a multiple of ``[print] pages_multiple``
(printed sheets fold into signatures of 4, 8 or 16 pages).

The blanks go at the end, after the colophon, as in most Japanese books; each is a page of
the named page ``pad``, whose hidden ノンブル continues the numbering.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sections of the book by the anchor that opens them (see render/templates/print/).
SECTIONS = {"titlepage": "扉", "toc": "目次", "glossary": "用語集", "bibliography": "参考文献"}
SECTIONS["colophon"] = "奥付"
PAD_CLASS = "pad-page"


def pad_count(pages: int, multiple: int) -> int:
    """Blank pages to add so that ``pages`` becomes a multiple of ``multiple``."""
    return (-pages) % multiple if multiple > 1 else 0


def first_side(number: int, mode: str) -> str:
    """The side of page ``number``: a right-bound (vertical) book starts on a left page."""
    odd = number % 2 == 1
    if mode == "vertical":
        return "left" if odd else "right"
    return "right" if odd else "left"


def pad_document(head: str, tail: str, *, start: int, count: int, mode: str) -> str:
    """A document of ``count`` blank ``pad`` pages numbered from ``start``, in the book's
    stylesheets (``head``/``tail``: the book's HTML around its body content)."""
    css = (
        f"@page :first {{ counter-reset: page {start}; }}\n"
        f"html {{ break-before: {first_side(start, mode)}; }}"
    )
    close = head.rfind("</style>")
    if close < 0:
        close = head.rfind("</head>")
        css = f"<style>{css}</style>"
    head = head[:close] + "\n" + css + "\n" + head[close:]
    return head + f'<div class="{PAD_CLASS}"></div>' * count + tail


@dataclass(frozen=True)
class Section:
    name: str
    first: int  # page number
    pages: int


@dataclass(frozen=True)
class PagePlan:
    sections: tuple[Section, ...]
    body_pages: int  # pages before the blanks
    blanks: int
    multiple: int

    @property
    def pages(self) -> int:
        return self.body_pages + self.blanks

    def summary(self) -> str:
        """One line for the build's output."""
        articles = [s for s in self.sections if s.name not in SECTIONS.values()]
        front = sum(s.pages for s in self.sections if s.name in ("扉", "目次"))
        back = sum(s.pages for s in self.sections if s.name in ("用語集", "参考文献", "奥付"))
        text = (
            f"page plan: {self.pages} pages = front {front} + {len(articles)} articles "
            f"{sum(s.pages for s in articles)} + back {back}"
        )
        if self.blanks:
            text += f" + {self.blanks} blank at the end (to a multiple of {self.multiple})"
        return text

    def text(self, title: str) -> str:
        """The page plan as a small table (written beside the PDF)."""
        lines = [f"台割 {title}: {self.pages} pages", "", "first  pages  section"]
        for s in self.sections:
            lines.append(f"{s.first:>5}  {s.pages:>5}  {s.name}")
        if self.blanks:
            lines.append(
                f"{self.body_pages + 1:>5}  {self.blanks:>5}  白 (blank, to a multiple of "
                f"{self.multiple})"
            )
        return "\n".join(lines) + "\n"


def page_plan(
    starts: list[tuple[str, int]], body_pages: int, blanks: int, multiple: int
) -> PagePlan:
    """``starts``: (section name, first page) in book order; each section runs to the page
    before the next (the blank page that makes the next one open on its side included)."""
    ordered = sorted(starts, key=lambda s: s[1])
    sections = []
    for i, (name, first) in enumerate(ordered):
        end = ordered[i + 1][1] if i + 1 < len(ordered) else body_pages + 1
        sections.append(Section(name, first, end - first))
    return PagePlan(tuple(sections), body_pages, blanks, multiple)
