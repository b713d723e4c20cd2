"""Cutting the print book into parts that are laid out on their own (pdf/parts/)."""

from __future__ import annotations

import pytest

from tougen_pub.pdf.parts import layout, run
from tougen_pub.pdf.parts import plan as P


def _doc(units: list[tuple[str, str]], before: str = "") -> str:
    body = "".join(f"<!--part {kind}-->\n{html}\n" for kind, html in units)
    return f'<html><head><style>p{{}}</style></head><body class="x">{before}{body}</body></html>'


def test_split_gives_units_in_order_and_keeps_head_and_tail() -> None:
    html = _doc(
        [
            ("front", '<section id="titlepage">T</section><nav id="toc">C</nav>'),
            ("article", '<section class="article" id="a-1">one</section>'),
            ("article", '<section class="article" id="a-2">two</section>'),
            ("back", '<section id="glossary">G</section><section id="colophon">K</section>'),
        ]
    )
    head, units, tail = P.split(html)  # type: ignore[misc]
    assert head.endswith('<body class="x">') and head.startswith("<html><head>")
    assert tail == "</body></html>"
    assert [u.kind for u in units] == ["front", "article", "article", "back"]
    assert [u.anchor for u in units] == ["titlepage", "a-1", "a-2", "glossary"]
    # nothing lost, nothing added
    assert head + "".join(u.html for u in units) + tail == P.PART_MARK.sub("", html)


@pytest.mark.parametrize(
    "html",
    [
        "<html><head></head><body><p>no marks</p></body></html>",
        _doc([("article", "<p>a</p>")], before="<p>text before the first mark</p>"),
        "<p>not a document</p>",
    ],
)
def test_split_refuses_documents_it_cannot_cut(html: str) -> None:
    assert P.split(html) is None


def _units(sizes: list[int]) -> list[P.Unit]:
    units = [P.Unit("front", "f" * 100)]
    units += [P.Unit("article", f'<section id="a{i}">' + "x" * n) for i, n in enumerate(sizes)]
    units.append(P.Unit("back", '<section id="glossary">' + "b" * 500))
    units.append(P.Unit("back", '<section id="bibliography">' + "b" * 300))
    return units


@pytest.mark.parametrize("size", [1000, 6000, 20000, 10**6])
def test_group_keeps_order_front_and_back_apart_and_at_least_two_article_runs(size: int) -> None:
    units = _units([3000, 5000, 2000, 8000, 1000, 4000])
    groups = P.group(units, size)
    assert [u for g in groups for u in g.units] == units  # every unit once, in order
    assert [u.kind for u in groups[0].units] == ["front"]
    assert [[u.anchor for u in g.units] for g in groups[-2:]] == [["glossary"], ["bibliography"]]
    runs = groups[1:-2]
    assert all(u.kind == "article" for g in runs for u in g.units)
    assert 2 <= len(runs) <= 6
    if size >= 20000:
        assert len(runs) == 2  # small books: two runs, one per core of a small machine


def test_group_balances_runs_and_bounds_them() -> None:
    units = _units([1000] * 40)
    sizes = [len(g) for g in P.group(units, 10**6)[1:-2]]
    assert len(sizes) == 2 and abs(sizes[0] - sizes[1]) <= 1100
    big = _units([P.PART_CHARS // 10] * 95)
    runs = P.group(big)[1:-2]
    assert len(runs) == 10
    assert max(len(g) for g in runs) <= P.PART_CHARS * 1.1


def test_group_does_not_depend_on_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    units = _units([3000, 5000, 2000, 8000])
    cuts = []
    for jobs in ("1", "2", "8"):
        monkeypatch.setenv("TOUGEN_JOBS", jobs)
        cuts.append([len(g.units) for g in P.group(units)])
    assert cuts[0] == cuts[1] == cuts[2]


def test_plan_uses_counts_then_known_pages_then_estimates_and_starts_on_odd_pages() -> None:
    groups = P.group(_units([3000, 3000, 3000]), 3000)
    assert len(groups) == 6
    laid = P.plan(groups, [4, 6, 3, 5, 2, 1], {})
    assert laid.starts == [1, 5, 11, 15, 21, 23]  # counts include the blank page before a part
    known = {groups[2].anchor: 21}
    guessed = P.plan(groups, [4, None, None, None, None, None], known)  # type: ignore[dict-item]
    assert guessed.starts[:3] == [1, 5, 21]
    assert all(s % 2 == 1 for s in guessed.starts)
    assert guessed.starts[3] > guessed.starts[2]


def test_part_document_numbers_its_first_page_and_forces_the_next_side() -> None:
    head = "<html><head><style>p{}</style></head><body>"
    part = P.Part([P.Unit("article", '<section id="a">x</section>')])
    html = P.part_document(head, part, "</body></html>", start=37, side="left")
    assert "@page :first { counter-reset: page 37; }" in html
    assert html.index("counter-reset") < html.index("</style>")
    assert html.endswith(f'<div class="{P.SENTINEL_CLASS}"></div></body></html>')
    assert f".{P.SENTINEL_CLASS} {{ break-before: left; }}" in html
    last = P.part_document(head, part, "</body></html>", start=5, side=None)
    assert P.SENTINEL_CLASS not in last and "counter-reset: page 5;" in last


def test_workers_follow_tougen_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    # the one jobs policy (tougen_pub.parallel), as the layout of parts looks it up
    monkeypatch.setenv("TOUGEN_JOBS", "3")
    assert layout.jobs_for(10) == 3
    assert layout.jobs_for(2) == 2
    monkeypatch.setenv("TOUGEN_JOBS", "1")
    assert layout.jobs_for(10) == 1


def test_lay_out_runs_every_job_once_in_workers_and_returns_them_in_order() -> None:
    def work(job: P.Job) -> P.Laid:
        import os

        return P.Laid(job.index, job.html.encode(), len(job.html), {"pid": os.getpid()})

    jobs = [P.Job(i, "x" * (i + 1), True) for i in reversed(range(5))]
    seen: list[int] = []
    out = run.lay_out(jobs, work, 2, done=lambda laid: seen.append(laid.index))
    assert [r.index for r in out] == [0, 1, 2, 3, 4]
    assert [r.pages for r in out] == [1, 2, 3, 4, 5]
    assert sorted(seen) == [0, 1, 2, 3, 4]
    import os

    assert all(r.anchors["pid"] != os.getpid() for r in out)  # laid out in other processes
    inline = run.lay_out(jobs, work, 1)
    assert [r.anchors["pid"] for r in inline] == [os.getpid()] * 5


def test_regroup_puts_rewritten_units_in_the_same_parts() -> None:
    units = _units([3000, 5000, 2000, 8000])
    groups = P.group(units, 3000)
    rewritten = [P.Unit(u.kind, u.html + "x" * 5000) for u in units]
    again = P.regroup(rewritten, groups)
    assert [len(p.units) for p in again] == [len(p.units) for p in groups]
    assert [u for p in again for u in p.units] == rewritten


def test_parts_learn_their_first_page_from_the_parts_before_them() -> None:
    import time

    def work(job: P.Job) -> P.Laid:
        time.sleep(0.05 * (5 - job.index))  # later parts finish their pages first
        run.publish(job.index, 10 + job.index)
        return P.Laid(job.index, b"x", 10 + job.index, {}, start=run.first_page(job.index))

    jobs = [P.Job(i, "x", True) for i in range(1, 5)]
    # part 0 was laid out in an earlier round: its count is given
    out = run.lay_out(jobs, work, 2, counts=[7, None, None, None, None])
    assert [r.start for r in out] == [8, 19, 31, 44]
    inline = run.lay_out(jobs, work, 1, counts=[7, 99, 99, 99, 99])  # stale counts are reset
    assert [r.start for r in inline] == [8, 19, 31, 44]


def test_parts_status_counts_parts_and_pages() -> None:
    lines: list[str] = []
    done = P.PartsStatus(lines.append, 3, 2)
    done(P.Laid(2, b"", 12, {}))
    done(P.Laid(0, b"", 5, {}))
    assert lines == [
        "1/3 parts laid out (12 pages, 2 processes)",
        "2/3 parts laid out (17 pages, 2 processes)",
    ]


def test_parts_that_need_not_wait_go_heaviest_first() -> None:
    import time

    def work(job: P.Job) -> P.Laid:
        began = time.monotonic()
        time.sleep(0.05)
        return P.Laid(job.index, b"", 1, {}, seconds=began)

    weights = [1.0, 9.0, 2.0, 8.0, 3.0]
    jobs = [P.Job(i, "x", True, wait=False, weight=w) for i, w in enumerate(weights)]
    out = run.lay_out(jobs, work, 2)
    assert [r.index for r in out] == [0, 1, 2, 3, 4]
    started = [r.index for r in sorted(out, key=lambda r: r.seconds)]
    assert set(started[:2]) == {1, 3}  # the two heaviest first
    waiting = [P.Job(i, "x", True, weight=w) for i, w in enumerate(weights)]
    out = run.lay_out(waiting, lambda job: work(job), 2)
    started = [r.index for r in sorted(out, key=lambda r: r.seconds)]
    assert set(started[:2]) == {0, 1}  # in book order: a part waits only for earlier ones
