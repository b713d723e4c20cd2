"""The book laid out in parts: rounds of layout (:mod:`.run`) with the numbers of
:mod:`.plan`, until every page number a part prints is right; then bound (:mod:`.bind`)."""

from __future__ import annotations

import functools

from tougen_pub.diagnostics import Diagnostics
from tougen_pub.model import Book
from tougen_pub.parallel import jobs_for
from tougen_pub.pdf.cache import read_page_map, read_times, times_path, write_page_map, write_times
from tougen_pub.pdf.pagerefs import numbered_links, referenced_anchors, with_page_numbers
from tougen_pub.pdf.parts.bind import bind
from tougen_pub.pdf.parts.plan import (
    ID_ATTR,
    Job,
    Laid,
    PartsStatus,
    group,
    part_document,
    plan,
    regroup,
    split,
)
from tougen_pub.pdf.parts.run import lay_out, lay_out_part
from tougen_pub.pdf.prepared import Prepared
from tougen_pub.pdf.report import report
from tougen_pub.progress import status

MAX_ROUNDS = 4


def render_in_parts(
    prepared: Prepared, book: Book, diags: Diagnostics, identifier: bytes
) -> bytes | None:
    """The PDF laid out in parts on every idle core (:mod:`tougen_pub.pdf.parts`), bound
    into one; None when the book is laid out whole instead (a single worker and a small
    book, a document without part marks, stylesheets that renumber pages, or numbers that
    do not settle).

    Refused fetches and WeasyPrint's warnings become diagnostics as in
    :func:`tougen_pub.pdf.builder.render`; the caller writes nothing when they include
    errors.
    """
    cut = split(prepared.html)
    if cut is None:
        return None
    head, units, tail = cut
    if sum(1 for u in units if u.kind == "article") < 2:
        return None
    if with_page_numbers(prepared, {}) is None:
        return None
    groups = group(units)
    workers = jobs_for(len(groups))
    ids = [frozenset(ID_ATTR.findall(part.html)) for part in groups]
    every_id: frozenset[str] = frozenset().union(*ids)
    known = {k: v for k, v in read_page_map(prepared.page_cache).items() if k in every_id}
    times_file = times_path(prepared.page_cache)
    times = read_times(times_file)
    # what each part cost last time (its first anchor names it), else an estimate by size
    weights = [times.get(part.anchor or "", len(part.html) * 3e-5) for part in groups]
    # Without the numbers of a previous build, the articles are written in the first
    # round, the front matter is only counted, and the back matter waits for them.
    first_build = not known
    links = [referenced_anchors(part.html) for part in groups]
    # the links whose page numbers a part prints: only these must be right before writing
    printed = [numbered_links(prepared, head + part.html + tail) for part in groups]
    shown = [links[i] if names is None else names for i, names in enumerate(printed)]
    refs = referenced_anchors(prepared.html)
    side = "left" if prepared.geometry.mode == "vertical" else "right"
    last = len(groups) - 1
    work = functools.partial(lay_out_part, prepared, identifier, links, every_id)

    counts: list[int | None] = [None] * len(groups)
    laid: list[Laid | None] = [None] * len(groups)
    used: list[dict[str, int]] = [{}] * len(groups)
    todo = list(range(len(groups)))
    actual: dict[str, int] = {}
    for round_ in range(MAX_ROUNDS):
        assumed = plan(groups, counts, known)
        pages = dict(assumed.pages)
        for index, names in enumerate(ids):
            for name in names:
                pages.setdefault(name, assumed.starts[index])
        numbered = with_page_numbers(prepared, {k: v for k, v in pages.items() if k in refs})
        resplit = split(numbered) if numbered is not None else None
        if resplit is None or len(resplit[1]) != len(units):
            return None
        numbered_parts = regroup(resplit[1], groups)
        jobs = []
        for index in todo:
            html = part_document(
                resplit[0],
                numbered_parts[index],
                tail,
                start=assumed.starts[index],
                side=side if index < last else None,
            )
            # the front and back matter's numbers are all guesses the first time: they are
            # only counted (and their anchors placed), then written with the true numbers
            write = not (
                first_build and round_ == 0 and groups[index].units[0].kind in ("front", "back")
            )
            # a part waits for the parts before it when one of them has not been laid out
            # yet (a first build); otherwise its first page is known
            wait = (first_build and round_ == 0) or any(counts[i] is None for i in range(index))
            jobs.append(
                Job(index, html, index < last, write, assumed.starts[index], wait, weights[index])
            )
            used[index] = {n: pages[n] for n in shown[index] if n in pages}
        with status("PDF") as update:
            done = PartsStatus(update, len(jobs), workers)

            update(f"laying out {len(jobs)} parts on {workers} processes")
            for result in lay_out(jobs, work, workers, done, counts):
                laid[result.index] = result
                counts[result.index] = result.pages
        actual, starts = _true_numbers(laid)
        # the parts that printed others or are not written yet
        todo = [
            index
            for index, result in enumerate(laid)
            if result is None
            or not result.pdf
            or result.start != starts[index]
            or any(actual.get(name, number) != number for name, number in used[index].items())
        ]
        known = actual
        if not todo:
            break
    else:
        return None
    results = [r for r in laid if r is not None]
    report(
        [x for r in results for x in r.refused],
        [m for r in results for m in r.messages],
        book,
        diags,
    )
    if prepared.page_cache is not None:
        write_page_map(prepared.page_cache, {k: v for k, v in actual.items() if k in refs})
    if times_file is not None:
        write_times(times_file, {groups[r.index].anchor or "": r.seconds for r in results})
    if diags.errors:
        return b""
    return bind(results, identifier)


def _true_numbers(laid: list[Laid | None]) -> tuple[dict[str, int], list[int]]:
    """The book page of every anchor and the first page of every part, as far as the parts
    laid out so far (in book order, up to the first that is not) tell them."""
    start = 1
    actual: dict[str, int] = {}
    starts = []
    for result in laid:
        starts.append(start)
        if result is None:
            break
        for name, number in result.anchors.items():
            actual.setdefault(name, start + number)
        start += result.pages
    return actual, starts
