"""The print book laid out in parts, in parallel, and bound into one PDF.

WeasyPrint lays a document out on one core, and its time and memory per page grow with the
document. A book of many articles is therefore cut into *parts* at the points where a new
page side is forced anyway (before the table of contents' successor, every article, the
back matter): the front matter, runs of consecutive articles, the back matter. Each part is
laid out as a document of its own in a forked worker and written as a PDF; the parts are
then bound into one PDF (:mod:`pikepdf`).

What a part cannot know by itself is decided before it is laid out, from the page numbers
of the previous build (``build/.cache/pages``) or, the first time, from an estimate:

* the number of its first page (``@page :first { counter-reset: page N }``);
* the page numbers of every link target (table of contents, glossary and bibliography page
  lists, related articles), written as numbers in ``data-page`` (as :func:`.pdf.render`
  does for a whole document).

After the parts are laid out their true page counts and anchor pages are known; every part
that used a wrong number is laid out again with the right ones (a page number's value does
not move the page breaks: lines are composed before layout). A part that ends on the wrong
side gets the same blank page that WeasyPrint inserts in a single document: every part but
the last ends with an empty element that forces the next page side, and that element's own
page is dropped.

Binding keeps every page as it was written (``/Rotate`` of vertical books, boxes, marks),
merges the named destinations (links between parts resolve like links inside one), the
outlines and the document information of the first part, and writes a reproducible file
whose ``/ID`` starts with the book's permanent identifier.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

PART_MARK = re.compile(r"<!--part (front|article|back)-->")
ID_ATTR = re.compile(r'\sid="([^"]+)"')
MAX_ROUNDS = 4
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
    refused: list[Any] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    start: int = 1  # the number its folios were drawn with on its first page
    seconds: float = 0.0  # how long it took to lay out and write


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


# -- the parent's side ------------------------------------------------------------------


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


def workers_for(n_parts: int) -> int:
    """How many processes lay parts out: ``TOUGEN_JOBS``, else one per CPU this process
    may run on (the load average lags behind and counts the build's own last minutes)."""
    import multiprocessing

    env = os.environ.get("TOUGEN_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        wanted = int(env)
    elif sys.getprofile() or sys.gettrace():
        return 1  # a profiler or coverage tracer that should see the work
    else:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if wanted > 1 and "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, n_parts))


# -- the worker's side ------------------------------------------------------------------


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


#: What a forked worker inherits: lays out (and writes) one part document.
_WORK: Callable[[Job], Laid] | None = None
#: Pages of every part of the round (-1: not laid out yet), shared by the workers.
_COUNTS: Any = None
POLL = 0.005  # seconds between looks at the counts of the parts before


def _worker_signals() -> None:
    """Ctrl-C reaches the whole process group: the build (the parent) stops its workers,
    which must not report the interruption themselves."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _run(job: Job) -> Laid:
    assert _WORK is not None
    return _WORK(job)


def publish(index: int, pages: int) -> None:
    """Tell the other parts how many pages part ``index`` has."""
    if _COUNTS is not None:
        _COUNTS[index] = pages


def first_page(index: int) -> int:
    """The book page number of part ``index``'s first page: waits until every part before
    it has published its count (they are laid out first or at the same time)."""
    if _COUNTS is None:
        raise RuntimeError("first_page() outside lay_out()")
    import time

    while True:
        counts = _COUNTS[:index]
        if all(c >= 0 for c in counts):
            return 1 + sum(counts)
        time.sleep(POLL)


@contextlib.contextmanager
def folios(job: Job) -> Iterator[dict[str, int]]:
    """While part ``job`` is laid out, its page count is published as soon as its pages
    are made, and the folios (``counter(page)`` of the page margins, drawn after all
    pages are made) count from the part's true first page, which is then known, instead
    of the guessed ``job.start``: page breaks never depend on it. The mapping gets the
    part's ``pages`` and ``start``."""
    import weasyprint.layout as layout

    original = layout.make_margin_boxes
    state: dict[str, int] = {}

    def margin_boxes(context: Any, page: Any, page_state: Any) -> Any:
        if "start" not in state:
            settle(len(context.page_maker) - 1)
        delta = state["start"] - job.start
        if delta:
            quote_depth, counters, scopes, groups = page_state
            counters = dict(counters)
            counters["page"] = [value + delta for value in counters.get("page", [])]
            page_state = (quote_depth, counters, scopes, groups)
        return original(context, page, page_state)

    def settle(pages: int) -> None:
        state["pages"] = pages - (1 if job.sentinel else 0)
        publish(job.index, state["pages"])
        state["start"] = first_page(job.index) if job.wait else job.start

    layout.make_margin_boxes = margin_boxes
    try:
        yield state
    finally:
        layout.make_margin_boxes = original


def lay_out(
    jobs: Iterable[Job],
    work: Callable[[Job], Laid],
    workers: int,
    done: Callable[[Laid], None] = lambda _laid: None,
    counts: Sequence[int | None] = (),
) -> list[Laid]:
    """Run ``work(job)`` for every job: in ``workers`` forked processes, or here when
    there is one worker or one job. ``counts``: the page counts of every part of the book
    as far as known; the counts of the jobs' parts are published by the jobs
    (:func:`folios`). Jobs that wait for the parts before them are handed out in book
    order (so a part only waits for parts already being laid out); otherwise the largest
    go first, so that the last to finish is a small one."""
    global _WORK, _COUNTS
    jobs = sorted(jobs, key=lambda j: j.index)
    if workers > 1 and not any(job.wait for job in jobs):
        jobs.sort(key=lambda j: (-j.weight, -len(j.html)))
    n = max([len(counts), *(j.index + 1 for j in jobs)])
    values = [(-1 if c is None else c) for c in counts] + [-1] * (n - len(counts))
    for job in jobs:
        values[job.index] = -1
    if workers <= 1 or len(jobs) <= 1:
        _COUNTS = values
        try:
            out = []
            for job in jobs:
                out.append(work(job))
                done(out[-1])
            return out
        finally:
            _COUNTS = None
    import multiprocessing

    context = multiprocessing.get_context("fork")
    _WORK = work
    _COUNTS = context.Array("q", values, lock=False)
    try:
        results: list[Laid] = []
        with context.Pool(workers, _worker_signals, maxtasksperchild=4) as pool:
            # in book order: a part waits only for parts handed out before it
            for laid in pool.imap_unordered(_run, jobs):
                results.append(laid)
                done(laid)
        return sorted(results, key=lambda r: r.index)
    finally:
        _WORK = None
        _COUNTS = None


# -- binding ----------------------------------------------------------------------------


def bind(laid: list[Laid], identifier: bytes) -> bytes:
    """One PDF of the parts' pages in order, with their named destinations and outlines,
    the first part's document information and catalog entries."""
    import pikepdf

    sources = [pikepdf.Pdf.open(io.BytesIO(part.pdf)) for part in laid]
    book = sources[0]
    offsets = [0]
    with warnings.catch_warnings():
        # named destinations are not copied with the pages: they are rebuilt below
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # type: ignore[attr-defined]
        for src in sources[1:]:
            offsets.append(len(book.pages))
            book.pages.extend(src.pages)
    pages = [page.obj for page in book.pages]
    # named destinations: each anchor where its own part put it
    dests: dict[str, Any] = {}
    for part, src, offset in zip(laid, sources, offsets, strict=True):
        index = {page.objgen: i for i, page in enumerate(src.pages)}
        names = src.Root.get("/Names")
        tree = names.get("/Dests") if names is not None else None
        if tree is None:
            continue
        for name, dest in pikepdf.NameTree(tree).items():
            if name not in part.anchors or name in dests:
                continue  # a stand-in for an anchor of another part
            page = index.get(dest[0].objgen)
            if page is None:
                continue
            dests[name] = pikepdf.Array([pages[offset + page], *list(dest)[1:]])
    tree = pikepdf.NameTree.new(book)
    for name in sorted(dests):
        tree[name] = dests[name]
    book.Root.Names = pikepdf.Dictionary(Dests=tree.obj)
    # outlines: every part's, in order
    items: list[Any] = []
    for src, offset in zip(sources, offsets, strict=True):
        index = {page.objgen: i for i, page in enumerate(src.pages)}
        with src.open_outline() as outline:
            items.extend(_copy_outline(outline.root, index, offset, pages))
    if "/Outlines" in book.Root:
        del book.Root["/Outlines"]
    if items:
        with book.open_outline() as outline:
            outline.root.extend(items)
    out = io.BytesIO()
    book.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    book.save(
        out,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
        linearize=False,
    )
    return out.getvalue()


def _copy_outline(
    items: list[Any], index: dict[Any, int], offset: int, pages: list[Any]
) -> list[Any]:
    import pikepdf

    out = []
    for item in items:
        dest = item.destination
        if isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in index:
            new_dest = pikepdf.Array([pages[offset + index[dest[0].objgen]], *list(dest)[1:]])
        else:
            new_dest = None
        copy = pikepdf.OutlineItem(item.title)
        copy.destination = new_dest
        copy.is_closed = item.is_closed
        copy.children.extend(_copy_outline(item.children, index, offset, pages))
        out.append(copy)
    return out
