"""Load: a generated manuscript of 1000 articles loads and checks clean; the work grows
linearly with the number of articles (counted in Python function calls, not timed)."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pytest

from tougen_pub.devtools.synth import synth_manuscript
from tougen_pub.ingest.loader import load_book


def count_calls(root: Path) -> int:
    """Python function calls made while loading (deterministic for a given manuscript)."""
    calls = 0

    def profile(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal calls
        if event == "call":
            calls += 1

    load_book(root)  # warm caches (pykakasi dictionary, regexes) outside the count
    sys.setprofile(profile)
    try:
        book, diags = load_book(root)
    finally:
        sys.setprofile(None)
    assert book is not None and not diags.errors
    return calls


def test_synth_is_deterministic_and_clean(tmp_path: Path) -> None:
    a = synth_manuscript(tmp_path / "a", 12, seed=3)
    b = synth_manuscript(tmp_path / "b", 12, seed=3)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    book, diags = load_book(a)
    assert book is not None and not diags.errors and not diags.warnings
    assert len(book.articles) == 12
    assert sum(len(x.glossary_uses) for x in book.articles) > 12
    assert sum(len(x.citations) for x in book.articles) > 12
    assert any(s.article_slug for x in book.articles for s in x.see_also)


def test_work_grows_linearly(tmp_path: Path) -> None:
    small = count_calls(synth_manuscript(tmp_path / "s", 20))
    large = count_calls(synth_manuscript(tmp_path / "l", 60))
    ratio = large / small
    print(
        f"\nPython calls: 20 articles {small}, 60 articles {large}, ratio {ratio:.2f} (linear: ≤ 3)"
    )
    assert ratio < 3.45, "loading grows faster than the number of articles"


@pytest.mark.slow
def test_thousand_articles(tmp_path: Path) -> None:
    root = synth_manuscript(tmp_path / "m", 1000)
    start = time.perf_counter()
    book, diags = load_book(root)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n1000 articles: loaded in {elapsed:.1f} s, process peak RSS {peak_mb:.0f} MB")
    assert book is not None, [d.format() for d in diags.errors[:5]]
    assert not diags.errors and not diags.warnings
    assert len(book.articles) == 1000
    assert [a.slug for a in book.articles[:2]] == ["0001-article-1", "0002-article-2"]
    uses = sum(len(a.glossary_uses) for a in book.articles)
    assert uses >= 1000
