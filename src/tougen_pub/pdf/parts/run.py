"""Laying parts out: forked workers (:mod:`tougen_pub.parallel`), each part's page count
shared with the parts after it, and what a worker does with one part."""

from __future__ import annotations

import contextlib
import io
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from tougen_pub.parallel import fork_pool
from tougen_pub.pdf.parts.plan import Job, Laid
from tougen_pub.pdf.prepared import Prepared
from tougen_pub.pdf.weasy import html_document, margin_page_offset, weasy_log

POLL = 0.005  # seconds between looks at the counts of the parts before
#: What a forked worker inherits: lays out (and writes) one part document.
_WORK: Callable[[Job], Laid] | None = None
#: Pages of every part of the round (-1: not laid out yet), shared by the workers.
_COUNTS: Any = None


def _worker_signals() -> None:
    """Ctrl-C reaches the whole process group: the build (the parent) stops its workers,
    which must not report the interruption themselves."""
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
    state: dict[str, int] = {}

    def settle(pages: int) -> int:
        state["pages"] = pages - (1 if job.sentinel else 0)
        publish(job.index, state["pages"])
        state["start"] = first_page(job.index) if job.wait else job.start
        return state["start"] - job.start

    with margin_page_offset(settle):
        yield state


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
    from multiprocessing.sharedctypes import RawArray  # only when workers are wanted

    _WORK = work
    _COUNTS = RawArray("q", values)  # shared memory the forked workers inherit
    try:
        results: list[Laid] = []
        with fork_pool(workers, _worker_signals, maxtasksperchild=4) as pool:
            # in book order: a part waits only for parts handed out before it
            for laid in pool.imap_unordered(_run, jobs):
                results.append(laid)
                done(laid)
        return sorted(results, key=lambda r: r.index)
    finally:
        _WORK = None
        _COUNTS = None


def lay_out_part(
    prepared: Prepared,
    identifier: bytes,
    links: Sequence[frozenset[str]],
    every_id: frozenset[str],
    job: Job,
) -> Laid:
    """Lay out (and with ``job.write``, write) one part document: what a worker does.

    ``links``: the anchors each part links to; ``every_id``: the anchors of the book."""
    began = time.perf_counter()
    seen = len(prepared.fetcher.refused)
    with weasy_log(show_pages=False) as log, folios(job) as folio:
        document = html_document(prepared, job.html).render(optimize_images=False)
        if job.sentinel and len(document.pages) > 1:
            document.pages.pop()  # the page of the element that forced the side
        if "start" not in folio:  # no page margins were made
            publish(job.index, len(document.pages))
            folio["start"] = first_page(job.index)
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for name in page.anchors:
                anchors.setdefault(name, number)
        out = io.BytesIO()
        if job.write:
            # links to other parts: a stand-in anchor keeps the link; binding points
            # the name at the anchor of the part that has it
            for name in sorted((links[job.index] & every_id) - anchors.keys()):
                document.pages[0].anchors[name] = (0, 0, 0, 0)
            document.write_pdf(out, finisher=prepared.finisher, pdf_identifier=identifier)
    return Laid(
        job.index,
        out.getvalue(),
        len(document.pages),
        anchors,
        prepared.fetcher.refused[seen:],
        log.messages,
        folio["start"],
        time.perf_counter() - began,
    )
