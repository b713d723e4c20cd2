"""Pure planning of the parts: the book cut into units and parts, the page numbers a round
of layout assumes, one part as a document, the jobs and results, and the status line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tougen_pub.pdf.fetch import Refusal

PART_MARK = re.compile(r"<!--part (front|article|back)-->")
ID_ATTR = re.compile(r'\sid="([^"]+)"')
# Characters of XHTML per run of articles (about 100 vertical A5 pages): small enough to
# keep every worker busy and its memory low, large enough that the fixed cost of a
# document (stylesheets, fonts) stays small.
PART_CHARS = 250_000
SENTINEL_CLASS = "tougen-part-end"


@dataclass
class Unit:
    """One top-level piece of the book: the front matter, an article, the back matter."""

    kind: str
    html: str

    @property
    def anchor(self) -> str | None:
        m = ID_ATTR.search(self.html)
        return m.group(1) if m else None


@dataclass
class Part:
    units: list[Unit]

    @property
    def html(self) -> str:
        return "".join(u.html for u in self.units)

    @property
    def anchor(self) -> str | None:
        return self.units[0].anchor

    def __len__(self) -> int:
        return sum(len(u.html) for u in self.units)


@dataclass
class Laid:
    """What a worker sends back for one part."""

    index: int
    pdf: bytes
    pages: int  # pages of the part in the book, the blank page before the next part included
    anchors: dict[str, int]  # anchor → 0-based page of the part
    refused: list[Refusal] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    start: int = 1  # the number its folios were drawn with on its first page
    seconds: float = 0.0  # how long it took to lay out and write


@dataclass(frozen=True)
class Job:
    """One part document to lay out; ``write``: also draw it into a PDF."""

    index: int
    html: str
    sentinel: bool  # ends with the element that forces the next page side
    write: bool = True
    start: int = 1  # the first page number the document was written with
    # wait for the parts before it to learn the true first page (else ``start`` is trusted
    # and checked afterwards)
    wait: bool = True
    weight: float = 0.0  # expected cost (seconds of the last build, or an estimate)


def split(html: str) -> tuple[str, list[Unit], str] | None:
    """The document's head (up to and including ``<body>``), its units, and its end; None
    when the document has no part marks (then it is laid out whole)."""
    body = html.find("<body")
    end = html.rfind("</body>")
    if body < 0 or end < 0:
        return None
    start = html.find(">", body) + 1
    marks = list(PART_MARK.finditer(html, start, end))
    if not marks or html[start : marks[0].start()].strip():
        return None
    units = [
        Unit(m.group(1), html[m.end() : marks[i + 1].start() if i + 1 < len(marks) else end])
        for i, m in enumerate(marks)
    ]
    return html[:start], [u for u in units if u.html.strip()], html[end:]


def group(units: list[Unit], size: int | None = None) -> list[Part]:
    """The parts of a book: the front matter, runs of consecutive articles of about
    ``size`` characters each (at least two runs), each part of the back matter (glossary,
    bibliography and colophon), which open on a new odd page.

    The cut depends on the book alone, never on the machine (CPUs, load) or on what is
    cached, so that the same book always gives the same PDF bytes. The front and back
    matter are parts of their own because their page references are the last numbers to
    be known; every article run opens on a new odd page in the book anyway."""
    size = size or PART_CHARS
    front = [u for u in units if u.kind == "front"]
    back = [u for u in units if u.kind == "back"]
    articles = [u for u in units if u.kind == "article"]
    if front + articles + back != units or not articles:
        return [Part(units)]
    total = sum(len(u.html) for u in articles)
    wanted = min(max(2, -(-total // size)), len(articles))
    parts = [Part(front)] if front else []
    run: list[Unit] = []
    filled = 0
    for unit in articles:
        # cut where the run so far is nearest its share of the articles
        share = total * (len(parts) - bool(front) + 1) / wanted
        if run and filled + len(unit.html) / 2 > share:
            parts.append(Part(run))
            run = []
        run.append(unit)
        filled += len(unit.html)
    parts.append(Part(run))
    return parts + [Part([unit]) for unit in back]  # the glossary, the bibliography


def regroup(units: list[Unit], like: list[Part]) -> list[Part]:
    """``units`` (the same units, rewritten) in the parts of ``like``."""
    out = []
    at = 0
    for part in like:
        out.append(Part(units[at : at + len(part.units)]))
        at += len(part.units)
    return out


@dataclass
class Plan:
    """The numbers one round of layout assumes."""

    starts: list[int]
    pages: dict[str, int]  # anchor → book page number


def plan(parts: list[Part], counts: list[int | None], known: dict[str, int]) -> Plan:
    """First page of every part: from the counts of laid-out parts, else from the page of
    its first anchor in ``known``, else estimated from its size."""
    starts: list[int] = []
    page = 1
    per_char: float | None = None
    for part, count in zip(parts, counts, strict=True):
        if count is not None:
            per_char = count / max(len(part), 1)
    for i, part in enumerate(parts):
        if i and counts[i - 1] is None and part.anchor in known:
            page = known[part.anchor]  # type: ignore[index]
        page += page % 2 == 0  # every part opens on an odd page
        starts.append(page)
        count = counts[i]
        if count is None:
            count = max(2, round(len(part) * (per_char or 1 / 3000)))
        page += count
    return Plan(starts, dict(known))


def part_document(
    head: str,
    part: Part,
    tail: str,
    *,
    start: int,
    side: str | None,
) -> str:
    """One part as a document: the book's head, a first page numbered ``start``, the
    part's units, and (``side``) an empty last element that forces the next page side."""
    css = f"@page :first {{ counter-reset: page {start}; }}"
    if side:
        css += f"\n.{SENTINEL_CLASS} {{ break-before: {side}; }}"
    close = head.rfind("</style>")
    if close < 0:
        close = head.rfind("</head>")
        css = f"<style>{css}</style>"
    head = head[:close] + "\n" + css + "\n" + head[close:]
    body = part.html
    end = f'<div class="{SENTINEL_CLASS}"></div>' if side else ""
    return head + body + end + tail


class PartsStatus:
    """The status line of a round of parts: how many are laid out, with how many pages."""

    def __init__(self, update: Callable[[str], None], total: int, workers: int) -> None:
        self.update, self.total, self.workers = update, total, workers
        self.parts = self.pages = 0

    def __call__(self, result: Laid) -> None:
        self.parts += 1
        self.pages += result.pages
        self.update(
            f"{self.parts}/{self.total} parts laid out "
            f"({self.pages} pages, {self.workers} processes)"
        )
