"""Articles converted in worker processes give the same book and the same diagnostics, in
the same order, as the sequential loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tougen_pub import parallel
from tougen_pub.devtools.synth import synth_manuscript
from tougen_pub.ingest import articles
from tougen_pub.ingest.loader import load_book
from tougen_pub.parallel import JOBS_ENV, jobs_for


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = synth_manuscript(tmp_path_factory.mktemp("par") / "m", 24)
    # problems in articles spread over several chunks, to check the order of diagnostics
    for n, extra in ((2, "[[存在しない用語]]"), (11, "{漢字|か|ん|じ}"), (23, "^12"), (24, "<b>x")):
        path = next((root / "articles").glob(f"*-article-{n}.md"))
        path.write_text(path.read_text("utf-8") + f"\n\n追記 {extra}\n", "utf-8")
    return root


def _load(root: Path, jobs: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TOUGEN_JOBS", jobs)
    monkeypatch.setattr(articles, "PARALLEL_CHUNK", 3)
    return load_book(root)


def test_parallel_equals_sequential(manuscript: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = articles.jobs_for

    def jobs_for(tasks: int, *, minimum_tasks: int) -> int:
        calls.append(original(tasks, minimum_tasks=minimum_tasks))
        return calls[-1]

    monkeypatch.setattr(articles, "jobs_for", jobs_for)
    _, seq_diags = _load(manuscript, "1", monkeypatch)
    _, par_diags = _load(manuscript, "2", monkeypatch)
    assert calls == [1, 2]
    seq = [d.format() for d in seq_diags]
    assert [d.format() for d in par_diags] == seq
    codes = [d.code for d in seq_diags]
    assert {"glossary-unknown", "ruby-mismatch", "tcy-unterminated", "html-malformed"} <= set(codes)


def test_parallel_book_is_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = synth_manuscript(tmp_path / "m", 20)
    seq, seq_diags = _load(root, "1", monkeypatch)
    par, par_diags = _load(root, "2", monkeypatch)
    assert seq is not None and par is not None
    assert par.articles == seq.articles
    assert par.glossary == seq.glossary
    assert list(par_diags) == list(seq_diags)


def test_jobs_policy_of_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """One process below PARALLEL_MIN_ARTICLES, one per CPU from it on, never more than
    articles; TOUGEN_JOBS wins over both."""
    minimum = articles.PARALLEL_MIN_ARTICLES
    monkeypatch.delenv(JOBS_ENV, raising=False)
    monkeypatch.setattr(parallel, "cpus", lambda: 4)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    assert jobs_for(minimum - 1, minimum_tasks=minimum) == 1
    assert jobs_for(minimum, minimum_tasks=minimum) == 4
    monkeypatch.setattr(parallel, "cpus", lambda: minimum + 50)
    assert jobs_for(minimum, minimum_tasks=minimum) == minimum  # capped at the task count
    monkeypatch.setenv(JOBS_ENV, "3")
    assert jobs_for(10, minimum_tasks=minimum) == 3  # honoured below the minimum too
    assert jobs_for(2, minimum_tasks=minimum) == 2  # but not more than the tasks
    monkeypatch.setenv(JOBS_ENV, "1")
    assert jobs_for(1000, minimum_tasks=minimum) == 1
    monkeypatch.setenv(JOBS_ENV, "0")  # not a positive number: the default policy
    assert jobs_for(minimum - 1, minimum_tasks=minimum) == 1
    monkeypatch.setenv(JOBS_ENV, "8")
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert jobs_for(1000, minimum_tasks=minimum) == 1  # no fork: everything in this process
