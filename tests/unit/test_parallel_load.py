"""Articles converted in worker processes give the same book and the same diagnostics, in
the same order, as the sequential loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tougen_pub.devtools.synth import synth_manuscript
from tougen_pub.ingest import articles
from tougen_pub.ingest.loader import load_book


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
    original = articles._workers
    monkeypatch.setattr(articles, "_workers", lambda n: calls.append(original(n)) or calls[-1])
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


def test_small_books_and_profilers_stay_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUGEN_JOBS", raising=False)
    monkeypatch.setattr(articles.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(articles.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert articles._workers(articles.PARALLEL_MIN_ARTICLES - 1) == 1
    assert articles._workers(articles.PARALLEL_MIN_ARTICLES) == 2
    monkeypatch.setattr(articles.os, "getloadavg", lambda: (2.5, 2.0, 2.0))  # all CPUs busy
    assert articles._workers(articles.PARALLEL_MIN_ARTICLES) == 1
    monkeypatch.setattr(articles.sys, "getprofile", lambda: object())
    assert articles._workers(1000) == 1
