"""``tougen-pub import --update``: numbering after a gap, matching by address over title and
date, sources matched by address."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from tougen_pub.devtools.synth_export import synth_posts
from tougen_pub.importers.blog import run_import
from tougen_pub.importers.update import ADDED, UPDATED, run_update
from tougen_pub.ingest.loader import load_book

REPO = Path(__file__).resolve().parents[3]
SEED = REPO / "tests" / "fixtures" / "exports" / "seed.txt"


def hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def front_matter(path: Path) -> dict:
    return tomllib.loads(path.read_text("utf-8").split("+++\n")[1])


def test_new_articles_are_numbered_after_the_last_number(tmp_path):
    """Not after the count of articles: the author left a gap before a column of their own."""
    posts = synth_posts(5)
    first, both = tmp_path / "first.txt", tmp_path / "both.txt"
    first.write_text("".join(p.text for p in posts[:3]), "utf-8")
    both.write_text("".join(p.text for p in posts), "utf-8")
    m = tmp_path / "m"
    run_import(first, m)
    column = m / "articles" / "10-column.md"
    column.write_text('+++\ntitle = "コラム"\n+++\n\n著者のコラム。\n', "utf-8")
    report = run_update(both, m)
    added = [c.path[:12] for c in report.changes if c.action == ADDED]
    assert added == ["articles/11-", "articles/12-"]
    book, diags = load_book(m)
    assert book is not None and not diags.errors
    assert [a.title for a in book.articles] == [
        *(p.title for p in posts[:3]),
        "コラム",
        *(p.title for p in posts[3:]),
    ]


def test_the_address_wins_over_title_and_date(tmp_path):
    """A post renamed on the blog keeps its article even when a new post of the same minute
    takes its old title."""
    base = synth_posts(3)
    # the fourth post links the second: the export tells its address
    p4 = synth_posts(1, first=4, older=[(base[1].title, base[1].url)])[0]
    m = tmp_path / "m"
    first = tmp_path / "first.txt"
    first.write_text("".join(p.text for p in (*base, p4)), "utf-8")
    run_import(first, m)
    old = next((m / "articles").glob("02-*.md"))
    assert (front_matter(old)["title"], front_matter(old)["url"]) == (base[1].title, base[1].url)

    title, renamed = base[1].title, base[1].title + "(改題)"
    again = "".join(p.text for p in (*base, p4)).replace(
        f"【桃源閑話】{title}", f"【桃源閑話】{renamed}"
    )
    other_url = "https://blog.example.jp/2025/03/02/99"
    same_minute = base[1].text.replace("【概要】\n\n", "【概要】\n\n 同じ時刻の別の記事。\n\n", 1)
    linker = synth_posts(1, first=5, older=[(title, other_url)])[0]
    newer = tmp_path / "newer.txt"
    newer.write_text(again + same_minute + linker.text, "utf-8")
    report = run_update(newer, m)

    assert front_matter(old)["title"] == renamed and front_matter(old)["url"] == base[1].url
    changes = [(c.action, c.path[:12]) for c in report.changes if c.action in (ADDED, UPDATED)]
    assert changes[0] == (UPDATED, "articles/02-")
    assert changes[-2:] == [(ADDED, "articles/05-"), (ADDED, "articles/06-")]
    added = m / next(c.path for c in report.changes if c.action == ADDED)
    assert (front_matter(added)["title"], front_matter(added)["url"]) == (title, other_url)


def test_sources_are_matched_by_address(tmp_path):
    """A work whose title the author corrected is still the export's work (same address):
    kept as edited, not added again."""
    m = tmp_path / "m"
    run_import(SEED, m)
    sources = m / "sources.toml"
    text = sources.read_text("utf-8").replace(
        'title = "NATO Expansion: What Yeltsin Heard"',
        'title = "NATO Expansion: What Yeltsin Heard (1993)"',
    )
    sources.write_text(text, "utf-8")
    before = hashes(m)
    report = run_update(SEED, m)
    assert hashes(m) == before
    assert (report.sources.added, report.sources.updated, report.sources.kept) == (0, 0, 1)
