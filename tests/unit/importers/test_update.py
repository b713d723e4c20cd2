"""``tougen-pub import --update``: a newer export merged into a manuscript the author edits."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main
from tougen_pub.devtools.synth_export import synth_export, synth_posts
from tougen_pub.diagnostics import TougenError
from tougen_pub.importers import blog
from tougen_pub.importers.blog import run_import
from tougen_pub.importers.record import RECORD, read_record
from tougen_pub.importers.tomlspans import scan, with_array_items
from tougen_pub.importers.update import ADDED, KEPT, UPDATED, VANISHED, run_update
from tougen_pub.ingest.loader import load_book
from tougen_pub.pipeline import check_manuscript

REPO = Path(__file__).resolve().parents[3]
SEED = REPO / "tests" / "fixtures" / "exports" / "seed.txt"

A1 = "01-nato-kakudai-to-roshia-no-hannou"
A2 = "02-nato-kakudai-eritsuin-ga-kii-takoto"
A3 = "03-roshia-haijo-dehanaku-housetsu"
A4 = "04-budapesuto-no-bakuhatsu"
A3_TITLE = "ロシア:排除ではなく包摂"
A3_URL = "https://koshimizu-tougen.asablo.jp/blog/2025/02/09/9753485"
A2_OLD = "この機密解除された記録は、1990年代初頭、"
A2_NEW = "この機密解除された記録は、1990年代の初め、"
GEORGIA_OLD = " ・発生時期: 2008年8月7日 – 8月12日(5日間)"
GEORGIA_NEW = " ・発生時期: 2008年8月7日 – 8月12日(5日間の戦闘)"


def hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) and its SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def front_matter(path: Path) -> dict:
    return tomllib.loads(path.read_text("utf-8").split("+++\n")[1])


def newer_export(tmp: Path, n: int = 3, *, seed_text: str | None = None) -> Path:
    """The seed export with A2's text changed, then ``n`` newer posts; the first links A3."""
    text = (seed_text or SEED.read_text("utf-8")).replace(A2_OLD, A2_NEW)
    path = tmp / "newer.txt"
    path.write_text(text + "\n" + synth_export(n, older=[(A3_TITLE, A3_URL)]), "utf-8")
    return path


def errors(root: Path) -> list[str]:
    book, diags = check_manuscript(root)
    assert book is not None, [d.format() for d in diags.errors]
    return [d.format() for d in diags.errors]


@pytest.fixture()
def seed_manuscript(tmp_path: Path) -> Path:
    into = tmp_path / "m"
    run_import(SEED, into)
    return into


# -- the acceptance scenario ------------------------------------------------------------------
def test_update_keeps_edits_updates_changed_posts_and_adds_new_ones(seed_manuscript, tmp_path):
    m = seed_manuscript
    edited = m / "articles" / f"{A1}.md"
    edited.write_text(edited.read_text("utf-8") + "\n著者が書き足した段落。\n", "utf-8")
    mine = edited.read_bytes()
    a3, a4 = ((m / "articles" / f"{s}.md").read_bytes() for s in (A3, A4))
    export = newer_export(tmp_path)
    report = run_update(export, m)

    assert edited.read_bytes() == mine  # kept because edited
    assert A2_NEW in (m / "articles" / f"{A2}.md").read_text("utf-8")  # updated
    assert (m / "articles" / f"{A3}.md").read_bytes() == a3  # its post did not change
    assert (m / "articles" / f"{A4}.md").read_bytes() == a4
    posts = synth_posts(3, older=[(A3_TITLE, A3_URL)])
    stems = sorted(p.stem for p in (m / "articles").glob("*.md"))
    assert stems[:4] == [A1, A2, A3, A4]
    assert [s[:3] for s in stems[4:]] == ["05-", "06-", "07-"]
    assert [front_matter(m / "articles" / f"{s}.md")["title"] for s in stems[4:]] == [
        p.title for p in posts
    ]
    # the 参照 list of the first new post points at an older post: an internal link
    links = front_matter(m / "articles" / f"{stems[4]}.md")["see_also"]
    assert links == [{"title": A3_TITLE, "url": A3_URL, "article": A3}]

    lines = export.read_text("utf-8").split("\n")
    headers = [i for i, line in enumerate(lines, 1) if re.match(r"^【桃源閑話】.+\d{4}年", line)]
    assert [(c.action, c.path) for c in report.changes] == [
        (KEPT, f"articles/{A1}.md"),
        (UPDATED, f"articles/{A2}.md"),
        *((ADDED, f"articles/{s}.md") for s in stems[4:]),
    ]
    assert [str(c.location) for c in report.changes] == [
        str(m / "articles" / f"{A1}.md"),
        f"{export}:{headers[1]}",
        *(f"{export}:{line}" for line in headers[4:]),
    ]
    assert report.lines()[:3] == [
        f"{m}/articles/{A1}.md: kept (edited): NATO拡大とロシアの反応",
        f"{export}:{headers[1]}: updated: NATO拡大: エリツィンが聞いたこと (articles/{A2}.md)",
        f"{export}:{headers[4]}: added: {posts[0].title} (articles/{stems[4]}.md)",
    ]
    assert report.unchanged == 2
    assert report.summary().startswith(
        f"{m}: 3 added, 1 updated, 1 kept (edited), 0 vanished, 2 unchanged; glossary: 3 added"
    )
    assert errors(m) == []
    book, _ = load_book(m)
    assert book is not None and len(book.articles) == 7
    assert [a.title for a in book.articles][4:] == [p.title for p in posts]


def test_unedited_update_is_a_fresh_import_of_the_newer_export(tmp_path):
    """What an update writes is what the importer writes: same files, same bytes."""
    first, both = tmp_path / "first.txt", tmp_path / "both.txt"
    posts = synth_posts(8)
    first.write_text("".join(p.text for p in posts[:5]), "utf-8")
    both.write_text("".join(p.text for p in posts), "utf-8")
    run_import(first, tmp_path / "updated")
    book = (tmp_path / "updated" / "book.toml").read_bytes()
    articles = sorted((tmp_path / "updated" / "articles").glob("*.md"))
    unknown = {f"articles/{a.name}" for a in articles if "url" not in front_matter(a)}
    report = run_update(both, tmp_path / "updated")
    run_import(both, tmp_path / "fresh")
    updated, fresh = hashes(tmp_path / "updated"), hashes(tmp_path / "fresh")
    assert updated.pop("book.toml") != fresh.pop("book.toml")  # the fresh one spans 8 posts
    assert updated == fresh
    assert (tmp_path / "updated" / "book.toml").read_bytes() == book  # never rewritten
    assert [c.action for c in report.changes].count(ADDED) == 3
    # posts whose address only the new posts' 参照 lists tell: their articles get a url
    updated_paths = {c.path for c in report.changes if c.action == UPDATED}
    assert updated_paths and updated_paths <= unknown
    for path in updated_paths:
        assert "url" in front_matter(tmp_path / "updated" / path)


def test_the_same_export_again_changes_nothing(seed_manuscript):
    before = hashes(seed_manuscript)
    report = run_update(SEED, seed_manuscript)
    assert hashes(seed_manuscript) == before
    assert (report.changes, report.unchanged, report.written) == ([], 4, [])


# -- dry run and atomicity --------------------------------------------------------------------
def test_dry_run_writes_nothing_and_reports_the_same(seed_manuscript, tmp_path):
    export = newer_export(tmp_path)
    (seed_manuscript / RECORD).unlink()  # no record: also nothing of it is written
    before = hashes(seed_manuscript)
    dry = run_update(export, seed_manuscript, dry_run=True)
    assert hashes(seed_manuscript) == before
    assert sorted(os.listdir(seed_manuscript.parent)) == ["m", "newer.txt"]
    assert dry.summary().endswith("file(s) would be written, none was")
    real = run_update(export, seed_manuscript)
    assert dry.lines() == real.lines() and dry.written == real.written
    assert hashes(seed_manuscript) != before


def test_dry_run_on_an_empty_folder_writes_nothing(tmp_path):
    report = run_update(SEED, tmp_path / "new", dry_run=True)
    assert not (tmp_path / "new").exists()
    assert [c.action for c in report.changes] == [ADDED] * 4


def test_a_malformed_export_changes_nothing(seed_manuscript, tmp_path):
    before = hashes(seed_manuscript)
    bad = tmp_path / "bad.txt"
    text = newer_export(tmp_path).read_text("utf-8")
    bad.write_text(text[: text.rindex("【引用・参照・底本】")], "utf-8")  # cut short
    with pytest.raises(TougenError) as err:
        run_update(bad, seed_manuscript)
    assert err.value.diagnostics[0].code == "import-truncated"
    assert hashes(seed_manuscript) == before


def test_a_failed_write_changes_nothing(seed_manuscript, tmp_path, monkeypatch):
    export = newer_export(tmp_path)
    before = hashes(seed_manuscript)
    calls = []

    def failing(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        path.write_bytes(data)

    monkeypatch.setattr(blog, "_write_file", failing)
    with pytest.raises(TougenError) as err:
        run_update(export, seed_manuscript)
    assert len(calls) == 4
    assert err.value.diagnostics[0].code == "import-write"
    assert "the target is unchanged" in err.value.diagnostics[0].message
    assert hashes(seed_manuscript) == before
    assert sorted(os.listdir(seed_manuscript.parent)) == ["m", "newer.txt"]


def test_a_failed_rename_puts_every_file_back(seed_manuscript, tmp_path, monkeypatch):
    export = newer_export(tmp_path)
    before = hashes(seed_manuscript)
    real = os.replace
    renamed = []

    def failing(src, dst):  # type: ignore[no-untyped-def]
        if str(src).endswith(".part"):
            renamed.append(dst)
            if len(renamed) == 3:  # two files are in place already
                raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(TougenError):
        run_update(export, seed_manuscript)
    monkeypatch.undo()
    assert len(renamed) == 3
    assert hashes(seed_manuscript) == before  # new articles removed, old files restored
    assert sorted(os.listdir(seed_manuscript / "articles")) == sorted(
        f"{s}.md" for s in (A1, A2, A3, A4)
    )


# -- glossary.toml and sources.toml -----------------------------------------------------------
def test_glossary_and_sources_merge_without_duplicates_keeping_hand_edits(
    seed_manuscript, tmp_path
):
    m = seed_manuscript
    glossary = m / "glossary.toml"
    text = glossary.read_text("utf-8")
    mine = "definition = '''\n著者が書き直した定義。\n'''"
    start = text.index("definition = '''", text.index('id = "budapesuto-oboegaki"'))
    end = text.index("'''", start + len("definition = '''")) + 3
    text = "# 著者のメモ\n" + text[:start] + mine + text[end:]
    alias = 'aliases = ["ブダペスト合意"]\n'
    text = text.replace(
        'reading = "ぶだぺすとおぼえがき"\n', 'reading = "ぶだぺすとおぼえがき"\n' + alias
    )
    # the author removes an entry; it must not come back
    chechen = text.index('[[term]]\nid = "dainiji-chechen-sensou"')
    text = text[:chechen] + text[text.index("[[term]]", chechen + 1) :]
    glossary.write_text(text, "utf-8")
    seed = SEED.read_text("utf-8").replace(GEORGIA_OLD, GEORGIA_NEW)
    posts = synth_posts(3, older=[(A3_TITLE, A3_URL)])
    export = tmp_path / "newer.txt"
    # a new post defines ブダペスト覚書 again, by the alias the author gave it, and cites a
    # work of the seed: no duplicates
    again = (
        "\n【参考】\n\n ☞ ブダペスト合意\n\n 別の定義。\n\n【引用・参照・底本】\n\n"
        "NATO Expansion: What Yeltsin Heard NATIONAL SECURITY ARCHIVE\n"
        "https://nsarchive.gwu.edu/briefing-book/russia-programs/2018-03-16/nato-expansion-what-yeltsin-heard\n"
    )
    last = posts[-1].text.replace("\n【引用・参照・底本】\n", again + "\n", 1)
    export.write_text(seed + "\n" + "".join(p.text for p in posts[:-1]) + last, "utf-8")
    report = run_update(export, m)

    merged = glossary.read_text("utf-8")
    # everything the author wrote is kept byte for byte, the updated entry changed in place …
    assert merged.startswith(text.replace("8月12日(5日間)\n", "8月12日(5日間の戦闘)\n", 1))
    data = tomllib.loads(merged)
    terms = [t["term"] for t in data["term"]]
    ids = [t["id"] for t in data["term"]]
    assert len(set(terms)) == len(terms) and len(set(ids)) == len(ids)
    assert terms == [
        "ブダペスト覚書",
        "ロシア・ジョージア戦争",
        "平和のためのパートナーシップ",
        *(p.term for p in posts),  # … with the new entries after it
    ]
    assert data["term"][0]["definition"] == "著者が書き直した定義。\n"
    assert "5日間の戦闘" in data["term"][1]["definition"]  # unedited, changed: updated in place
    assert (report.glossary.added, report.glossary.updated, report.glossary.kept) == (3, 1, 1)
    # the removed entry is listed as text, not as a link to a missing entry
    a1 = (m / "articles" / f"{A1}.md").read_text("utf-8")
    assert "- 第二次チェチェン戦争" in a1 and "[[第二次チェチェン戦争]]" not in a1

    sources = tomllib.loads((m / "sources.toml").read_text("utf-8"))["source"]
    urls = [s.get("url") for s in sources]
    assert len(set(urls)) == len(urls)
    assert len(sources) == 3 + len({u for p in posts for u in re.findall(r"report-\d+", p.text)})
    new_last = sorted((m / "articles").glob("07-*.md"))[0]
    assert "nato-expansion-what-yeltsin-heard" in front_matter(new_last)["sources"]
    assert "- [[ブダペスト合意]]" in new_last.read_text("utf-8")  # the alias resolves
    assert errors(m) == []


def test_an_edited_entry_is_kept_when_the_export_changes_it(seed_manuscript, tmp_path):
    glossary = seed_manuscript / "glossary.toml"
    text = glossary.read_text("utf-8").replace("ジョージア(グルジア)", "ジョージア(旧グルジア)")
    glossary.write_text(text, "utf-8")
    export = tmp_path / "changed.txt"
    export.write_text(SEED.read_text("utf-8").replace(GEORGIA_OLD, GEORGIA_NEW), "utf-8")
    report = run_update(export, seed_manuscript)
    assert glossary.read_text("utf-8") == text
    assert (report.glossary.added, report.glossary.updated, report.glossary.kept) == (0, 0, 1)


# -- vanished posts, matching, old manuscripts ------------------------------------------------
def test_vanished_posts_are_reported_and_kept(tmp_path):
    posts = synth_posts(4)
    full, short = tmp_path / "full.txt", tmp_path / "short.txt"
    full.write_text("".join(p.text for p in posts), "utf-8")
    # post 2 is gone from the newer export; a new post links it by its address
    newer = synth_posts(1, first=5, older=[(posts[1].title, posts[1].url)])
    short.write_text("".join(p.text for p in (posts[0], *posts[2:], *newer)), "utf-8")
    m = tmp_path / "m"
    run_import(full, m)
    gone = next((m / "articles").glob("02-*.md"))
    kept = gone.read_bytes()
    report = run_update(short, m)
    assert gone.read_bytes() == kept
    vanished = [c for c in report.changes if c.action == VANISHED]
    assert [(c.path, c.title, str(c.location)) for c in vanished] == [
        (f"articles/{gone.name}", posts[1].title, str(m / "articles" / gone.name))
    ]
    assert f"{m}/articles/{gone.name}: vanished: {posts[1].title}" in report.lines()
    added = next((m / "articles").glob("05-*.md"))
    assert front_matter(added)["see_also"][0]["article"] == gone.stem  # still in the book
    assert f"articles/{gone.name}" in read_record(m / RECORD).articles  # reported again next time
    assert errors(m) == []


def test_posts_are_matched_by_address_then_by_title_and_date(seed_manuscript, tmp_path):
    text = SEED.read_text("utf-8")
    # A1's post is renamed on the blog (its address is known), A4's has no address and is
    # found by title and date: neither becomes a new article
    text = text.replace("NATO拡大とロシアの反応2025年", "NATO拡大とロシアの反発2025年")
    text = text.replace(
        "【桃源閑話】NATO拡大とロシアの反応\n", "【桃源閑話】NATO拡大とロシアの反発\n"
    )
    export = tmp_path / "renamed.txt"
    export.write_text(text, "utf-8")
    report = run_update(export, seed_manuscript)
    assert [(c.action, c.path) for c in report.changes] == [
        (UPDATED, f"articles/{A1}.md"),
        (UPDATED, f"articles/{A4}.md"),  # its see-also link names A1 by the new title
    ]
    assert (
        front_matter(seed_manuscript / "articles" / f"{A1}.md")["title"] == "NATO拡大とロシアの反発"
    )
    links = front_matter(seed_manuscript / "articles" / f"{A4}.md")["see_also"]
    assert links[2] == {
        "title": "NATO拡大とロシアの反発",
        "url": "https://koshimizu-tougen.asablo.jp/blog/2025/02/09/9753409",
        "article": A1,
    }
    assert len(list((seed_manuscript / "articles").glob("*.md"))) == 4


def test_a_manuscript_without_record_keeps_what_differs(seed_manuscript, tmp_path):
    (seed_manuscript / RECORD).unlink()
    export = newer_export(tmp_path, n=1)
    a2 = (seed_manuscript / "articles" / f"{A2}.md").read_bytes()
    report = run_update(export, seed_manuscript)
    assert (seed_manuscript / "articles" / f"{A2}.md").read_bytes() == a2
    assert [(c.action, c.path[:12]) for c in report.changes] == [
        (KEPT, f"articles/{A2[:3]}"),
        (ADDED, "articles/05-"),
    ]
    notes = [line for line in report.lines() if "no import record" in line]
    assert len(notes) == 1 and notes[0].startswith(str(seed_manuscript / RECORD))
    # what the importer would write is adopted: the next update knows those files
    record = read_record(seed_manuscript / RECORD)
    assert record is not None
    assert f"articles/{A1}.md" in record.articles and f"articles/{A2}.md" not in record.articles
    again = run_update(export, seed_manuscript)
    assert [c.action for c in again.changes] == [KEPT]
    assert not any("no import record" in line for line in again.lines())


def test_an_unreadable_record_counts_as_none(seed_manuscript, tmp_path):
    (seed_manuscript / RECORD).write_text("version = 7\n", "utf-8")
    report = run_update(newer_export(tmp_path, n=1), seed_manuscript)
    assert [c.action for c in report.changes] == [KEPT, ADDED]  # A2 is not known as unedited
    assert [line for line in report.lines() if "cannot be read" in line] == [
        f"{seed_manuscript / RECORD}: the import record cannot be read (version 7, not 1): "
        "every existing article that differs from the export is kept as edited"
    ]
    assert read_record(seed_manuscript / RECORD) is not None  # a new one was written


def test_first_import_and_force_record_what_they_wrote(seed_manuscript):
    for force in (False, True):
        if force:
            run_import(SEED, seed_manuscript, force=True)
        record = read_record(seed_manuscript / RECORD)
        assert record is not None
        files = hashes(seed_manuscript)
        assert {p: a.sha256 for p, a in record.articles.items()} == {
            p: h for p, h in files.items() if p.startswith("articles/")
        }
        glossary = tomllib.loads((seed_manuscript / "glossary.toml").read_text("utf-8"))
        assert sorted(record.terms) == sorted(t["id"] for t in glossary["term"])
        assert record.articles[f"articles/{A3}.md"].url == A3_URL
    assert errors(seed_manuscript) == []  # the record does not disturb the loader


def test_an_unreadable_article_stops_the_update(seed_manuscript, tmp_path):
    (seed_manuscript / RECORD).unlink()
    (seed_manuscript / "articles" / f"{A3}.md").write_text("+++\ntitle = \n+++\n", "utf-8")
    before = hashes(seed_manuscript)
    with pytest.raises(TougenError) as err:
        run_update(newer_export(tmp_path), seed_manuscript)
    assert [d.code for d in err.value.diagnostics] == ["frontmatter-syntax"]
    assert err.value.diagnostics[0].location.path == str(seed_manuscript / "articles" / f"{A3}.md")
    assert hashes(seed_manuscript) == before


# -- numbering and book.toml ----------------------------------------------------------------
def test_numbers_grow_wider_without_renaming(tmp_path):
    posts = synth_posts(101)
    first, both = tmp_path / "first.txt", tmp_path / "both.txt"
    first.write_text("".join(p.text for p in posts[:98]), "utf-8")
    both.write_text("".join(p.text for p in posts), "utf-8")
    m = tmp_path / "m"
    run_import(first, m)
    before = sorted(p.name for p in (m / "articles").iterdir())
    run_update(both, m)
    after = sorted(p.name for p in (m / "articles").iterdir())
    assert set(before) < set(after)
    new = sorted(set(after) - set(before), key=lambda n: int(n.split("-")[0]))
    assert [n.split("-")[0] for n in new] == ["99", "100", "101"]
    book, diags = load_book(m)
    assert book is not None and not diags.errors
    assert [a.title for a in book.articles] == [p.title for p in posts]  # reading order


def test_an_articles_list_in_book_toml_gets_the_new_stems(seed_manuscript, tmp_path):
    book = seed_manuscript / "book.toml"
    listed = f'articles = [\n    "{A1}",  # 最初\n    "{A2}",\n    "{A3}",\n    "{A4}"\n]\n'
    text = book.read_text("utf-8").replace("\n[series]", "\n" + listed + "\n[series]", 1)
    book.write_text(text, "utf-8")
    report = run_update(newer_export(tmp_path, n=2), seed_manuscript)
    new = [c.path.removeprefix("articles/").removesuffix(".md") for c in report.changes][-2:]
    after = book.read_text("utf-8")
    assert after == text.replace(f'"{A4}"\n]', f'"{A4}",\n    "{new[0]}",\n    "{new[1]}",\n]')
    loaded, diags = load_book(seed_manuscript)
    assert loaded is not None and len(loaded.articles) == 6
    assert "article-unlisted" not in diags.codes()
    assert any("2 new article(s) added to 'articles'" in line for line in report.lines())


def test_book_toml_is_never_rewritten_otherwise(seed_manuscript, tmp_path):
    book = seed_manuscript / "book.toml"
    book.write_text(book.read_text("utf-8") + "# 著者のメモ\n", "utf-8")
    before = book.read_bytes()
    run_update(newer_export(tmp_path), seed_manuscript)
    assert book.read_bytes() == before


def test_update_of_an_empty_folder_is_a_first_import(tmp_path):
    report = run_update(SEED, tmp_path / "new")
    run_import(SEED, tmp_path / "plain")
    assert hashes(tmp_path / "new") == hashes(tmp_path / "plain")
    assert [c.action for c in report.changes] == [ADDED] * 4


# -- TOML edited as text ----------------------------------------------------------------------
def test_scanner_sees_tables_not_text_in_multiline_strings():
    text = (
        "a = 1\n\n[[term]]\nd = '''\n[[term]]\n'''\ns = \"\"\"x\"\"\"\"\n\n\n[[term]]\nid = 'b'\n"
    )
    tables = scan(text).tables
    assert [(t.name, t.start, t.end) for t in tables] == [("term", 2, 7), ("term", 9, 11)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('articles = ["a", "b"]  # order\n', 'articles = ["a", "b", "c"]  # order\n'),
        ('articles = ["a",]\n', 'articles = ["a", "c"]\n'),
        (
            'articles = [\n  "a",\n  "b"  # last\n]\n',
            'articles = [\n  "a",\n  "b",  # last\n  "c",\n]\n',
        ),
        ('articles = [\n  "a",\n  "b"]\n', 'articles = [\n  "a",\n  "b", "c"]\n'),
    ],
)
def test_array_items_are_appended_as_text(before, after):
    text = "# book\n" + before + '[[volumes]]\narticles = ["z"]\n'
    span = scan(text).arrays["articles"]
    assert (
        with_array_items(text, span, ['"c"'])
        == "# book\n" + after + '[[volumes]]\narticles = ["z"]\n'
    )


# -- the command line -------------------------------------------------------------------------
def test_cli_update_dry_run_and_refusals(seed_manuscript, tmp_path):
    export = newer_export(tmp_path, n=1)
    args = ["import", str(export), "--into", str(seed_manuscript)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1 and "use --update" in refused.output
    before = hashes(seed_manuscript)
    dry = CliRunner().invoke(main, [*args, "--update", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert hashes(seed_manuscript) == before
    assert f"updated: NATO拡大: エリツィンが聞いたこと (articles/{A2}.md)" in dry.output
    assert "dry run" in dry.output
    done = CliRunner().invoke(main, [*args, "--update"])
    assert done.exit_code == 0, done.output
    report = [
        line for line in done.output.splitlines() if ": added: " in line or ": updated: " in line
    ]
    assert len(report) == 2 and report[1].startswith(f"{export}:")
    assert (
        f"{seed_manuscript}: 1 added, 1 updated, 0 kept (edited), 0 vanished, 3 unchanged"
        in done.output
    )
    both = CliRunner().invoke(main, [*args, "--update", "--force"])
    assert both.exit_code == 2 and "--update and --force" in both.output
    alone = CliRunner().invoke(main, [*args, "--dry-run"])
    assert alone.exit_code == 2 and "--dry-run goes with --update" in alone.output


def test_cli_update_errors_are_located(seed_manuscript, tmp_path):
    (seed_manuscript / "sources.toml").write_text("[[source]\n", "utf-8")
    before = hashes(seed_manuscript)
    result = CliRunner().invoke(
        main, ["import", str(newer_export(tmp_path)), "--into", str(seed_manuscript), "--update"]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        f"{seed_manuscript / 'sources.toml'}:1:" in result.output
        and "[toml-syntax]" in result.output
    )
    assert hashes(seed_manuscript) == before
