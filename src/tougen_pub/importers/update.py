"""``tougen-pub import EXPORT --into DIR --update``: merge a newer export into a manuscript.

The export is imported as a whole (the same model as a first import, :mod:`.blog`), but onto
the folder as it is:

* a post already in the manuscript (same ``url`` in the front matter, else same title and
  date) keeps its file name; its article is rewritten only when it is byte-identical to
  what the importer last wrote there (the import record, :mod:`.record`) and the export now
  gives other text, and is kept as it is when the author edited it;
* a new post becomes a new article numbered after the last one (as wide as the existing
  numbers, wider only when the number needs it; existing files are never renamed),
  appended to book.toml's ``articles`` when that lists the reading order;
* an article whose post is no longer in the export is reported, never deleted;
* glossary and source entries are matched by term / address (and by id), rewritten in
  place only when the importer wrote them and the export changed them, appended when new:
  glossary.toml and sources.toml are edited as text, everything else in them is kept;
* book.toml is never rewritten (written only when absent).

Nothing is written before everything is known; then every changed file is written to a
temporary file and renamed into place, all or none (:mod:`.commit`). ``dry_run`` stops
before writing and reports the same.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tougen_pub.diagnostics import Diagnostic, Diagnostics, Level, SourceLocation, TougenError
from tougen_pub.importers import blog
from tougen_pub.importers import tomltext as toml
from tougen_pub.importers.blog import (
    BOOK,
    GLOSSARY,
    MANAGED,
    SLUG_CHARS,
    SOURCES,
    _Article,
    _BookBuilder,
    article_mark,
    number_width,
    source_entry,
    source_mark,
    term_entry,
    term_mark,
)
from tougen_pub.importers.commit import commit
from tougen_pub.importers.export import Post, norm_title, parse_export, read_export
from tougen_pub.importers.manuscript import (
    EntryFile,
    Existing,
    Key,
    names_of,
    post_keys,
    read_articles,
    read_entries,
)
from tougen_pub.importers.mdwriter import linkable
from tougen_pub.importers.record import RECORD, EntryMark, ImportRecord, RecordUnreadable
from tougen_pub.importers.record import read_record as _read_record
from tougen_pub.importers.tomlspans import ScanError, scan, with_array_items
from tougen_pub.ja import romaji_slug
from tougen_pub.urls import norm_url

ADDED, UPDATED, KEPT, VANISHED = "added", "updated", "kept (edited)", "vanished"
ACTIONS = (ADDED, UPDATED, KEPT, VANISHED)


@dataclass(frozen=True)
class PostChange:
    """One line of the report: what happened to a post, and where to look."""

    action: str  # one of ACTIONS
    title: str
    path: str  # the article, relative to the manuscript folder
    location: SourceLocation  # the post in the export (added, updated) or the article file
    number: int  # the article's number, for reading order

    def format(self) -> str:
        text = f"{self.location}: {self.action}: {self.title}"
        return text + (f" ({self.path})" if self.action in (ADDED, UPDATED) else "")


@dataclass
class Tally:
    added: int = 0
    updated: int = 0
    kept: int = 0

    def __str__(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.kept} kept (edited)"


@dataclass
class UpdateReport:
    """What ``import --update`` did (or, with ``dry_run``, would do)."""

    into: str
    changes: list[PostChange] = field(default_factory=list)
    unchanged: int = 0
    glossary: Tally = field(default_factory=Tally)
    sources: Tally = field(default_factory=Tally)
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # files written (dry run: to write)
    dry_run: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def lines(self) -> list[str]:
        """One line per added, updated, kept or vanished post, then the notes."""
        return [c.format() for c in self.changes] + self.notes

    def summary(self) -> str:
        posts = ", ".join(f"{self.count(a)} {a}" for a in ACTIONS)
        text = (
            f"{self.into}: {posts}, {self.unchanged} unchanged; "
            f"glossary: {self.glossary}; sources: {self.sources}"
        )
        if self.dry_run:
            return text + f" — dry run: {len(self.written)} file(s) would be written, none was"
        return text + f" — {len(self.written)} file(s) written"


def run_update(export: Path, into: Path, *, dry_run: bool = False) -> UpdateReport:
    """Merge the blog export ``export`` into the manuscript folder ``into`` (see the module
    docstring). A folder without a manuscript gets a first import, reported post by post
    as added. Problems are located diagnostics; fatal ones raise :class:`TougenError` and
    leave the folder as it was."""
    diags = Diagnostics()
    display = str(export)
    root = into.resolve() if into.is_symlink() else Path(os.path.abspath(into))
    if root.exists() and not root.is_dir():
        raise blog._fail("import-target", "the target exists and is not a folder", str(into))
    text = read_export(blog._read_bytes(export, display), display, diags)
    posts = parse_export(text, display, diags)
    report = UpdateReport(str(into), dry_run=dry_run)
    fresh = not any(os.path.lexists(root / name) for name in MANAGED)
    record = None if fresh else _record(root, into, report)
    existing = read_articles(root, into, record)
    if existing and record is None and not report.notes:
        report.notes.append(
            f"{into / RECORD}: no import record (imported by an earlier version): every "
            "existing article that differs from the export is kept as edited"
        )
    glossary = read_entries(root / GLOSSARY, str(into / GLOSSARY), "term", "glossary-invalid")
    sources = read_entries(root / SOURCES, str(into / SOURCES), "source", "sources-invalid")
    builder = _UpdateBuilder(posts, display, diags, existing)
    articles = builder.collect()
    marks = record or ImportRecord()
    new_marks = ImportRecord()
    gloss = _Merge(
        glossary,
        "term",
        str(into / GLOSSARY),
        marks.terms if glossary.exists else {},
        new_marks.terms,
        report.glossary,
    )
    works = _Merge(
        sources,
        "source",
        str(into / SOURCES),
        marks.sources if sources.exists else {},
        new_marks.sources,
        report.sources,
    )
    _merge_sources(builder, articles, works)
    names, plain = _merge_glossary(builder, articles, gloss, diags)
    book = builder.render(articles, names, plain)
    glossary_head = blog.GLOSSARY_HEAD
    if book.note:
        glossary_head += "\n\n" + toml.key_value("note", book.note)
    files = {GLOSSARY: gloss.text(glossary_head), SOURCES: works.text(blog.SOURCES_HEAD)}
    by_stem = {e.stem: e for e in existing}
    added: list[str] = []
    for a in articles:
        new = book.article_text[a.path]
        old = by_stem.get(a.stem)
        if old is None:
            action: str | None = ADDED
            added.append(a.stem)
        elif old.data == new.encode("utf-8"):
            action = None
        elif old.written_by_importer:
            action = UPDATED
        else:
            action = KEPT
        if action == KEPT:
            where = SourceLocation(str(into / a.path))
            if old is not None and old.mark is not None:
                new_marks.articles[a.path] = old.mark
        else:
            where = SourceLocation(display, a.post.line)
            new_marks.articles[a.path] = article_mark(a, new)
            files[a.path] = new
        if action is None:
            report.unchanged += 1
        else:
            number = old.number if old else int(a.stem.split("-", 1)[0])
            report.changes.append(PostChange(action, a.post.title, a.path, where, number))
    matched = {a.stem for a in articles}
    for e in existing:
        if e.stem in matched or not (e.mark is not None or e.series == builder.series):
            continue
        if e.mark is not None:
            new_marks.articles[e.path] = e.mark
        title = e.title or e.stem
        where = SourceLocation(str(into / e.path))
        report.changes.append(PostChange(VANISHED, title, e.path, where, e.number))
    report.changes.sort(key=lambda c: (c.number, c.path))
    book_text = _book_toml(root, into, builder, articles, added, diags, report)
    if book_text is not None:
        files[BOOK] = book_text
    files[RECORD] = new_marks.text()
    data = {rel: t.encode("utf-8") for rel, t in files.items()}
    changed = {rel: b for rel, b in data.items() if _current(root / rel) != b}
    report.written = sorted(changed)
    report.diagnostics = diags.sorted()
    if dry_run or not changed:
        return report
    if fresh:
        blog._write(root, files, keep_book=False)
        return report
    try:
        commit(root, changed, blog._write_file)
    except OSError as exc:
        raise blog._fail(
            "import-write",
            f"cannot write the manuscript: {exc.strerror or exc}; the target is unchanged",
            str(into),
        ) from None
    return report


def _record(root: Path, into: Path, report: UpdateReport) -> ImportRecord | None:
    try:
        return _read_record(root / RECORD)
    except RecordUnreadable as exc:
        report.notes.append(
            f"{into / RECORD}: the import record cannot be read ({exc}): every existing "
            "article that differs from the export is kept as edited"
        )
        return None


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# -- articles -------------------------------------------------------------------------------
class _UpdateBuilder(_BookBuilder):
    """The importer's model of the export, numbered onto the articles of the folder."""

    def __init__(
        self, posts: list[Post], display: str, diags: Diagnostics, existing: list[Existing]
    ) -> None:
        super().__init__(posts, display, diags)
        self.existing = existing
        self.series = posts[0].series

    def _number(self, ordered: list[Post]) -> list[_Article]:
        provisional = super()._number(ordered)
        self._urls(provisional, report=False)  # the addresses the export reveals
        match = self._match(provisional)
        last = max((e.number for e in self.existing), default=0)
        # as wide as the existing numbers (a first import: as the importer numbers), wider
        # only when a number needs more digits; the loader orders by number, not by name
        width = max([2, *(e.digits for e in self.existing)])
        if not self.existing:
            width = number_width(len(provisional))
        slugs = {e.slug for e in self.existing}
        articles = []
        for a in provisional:
            old = match.get(id(a))
            if old is not None:
                articles.append(_Article(a.post, old.stem, url=a.url or old.url))
                continue
            last += 1
            base = slug = romaji_slug(a.post.title, SLUG_CHARS, "post")
            n = 1
            while slug in slugs:
                n += 1
                slug = f"{base}-{n}"
            slugs.add(slug)
            articles.append(_Article(a.post, f"{last:0{width}d}-{slug}", url=a.url))
        taken = {id(e) for e in match.values()}
        self.extra_targets = [
            (e.stem, e.title, e.url) for e in self.existing if id(e) not in taken and e.title
        ]
        return articles

    def _match(self, articles: list[_Article]) -> dict[int, Existing]:
        """Existing article of each post that has one: by address first, then by title and
        date; each article holds one post."""
        index: dict[Key, list[Existing]] = {}
        for e in self.existing:
            for key in dict.fromkeys(e.keys):
                index.setdefault(key, []).append(e)
        taken: set[int] = set()
        match: dict[int, Existing] = {}

        def claim(a: _Article, keys: list[Key]) -> None:
            for key in keys:
                for e in index.get(key, []):
                    if id(e) not in taken:
                        taken.add(id(e))
                        match[id(a)] = e
                        return

        for a in articles:
            if a.url:
                claim(a, [("url", norm_url(a.url))])
        for a in articles:
            if id(a) not in match:
                day = ("day", norm_title(a.post.title), a.post.date.date().isoformat())
                claim(a, [*post_keys(a.post.title, a.post.date, None), day])
        return match


# -- sources.toml and glossary.toml -----------------------------------------------------------
@dataclass
class _Merge:
    """Entries of the export merged into glossary.toml or sources.toml, edited as text."""

    file: EntryFile
    table: str  # "term" or "source"
    where: str
    old: dict[str, EntryMark]  # what the record says the importer wrote, by id
    new: dict[str, EntryMark]  # the record to write
    tally: Tally
    replace: dict[int, str] = field(default_factory=dict)  # entry position -> new table
    append: list[str] = field(default_factory=list)

    def add(self, text: str, mark: EntryMark) -> None:
        self.append.append(text)
        self.new[mark.id] = mark
        self.tally.added += 1

    def merge(self, position: int, text: str, mark: EntryMark) -> bool:
        """Rewrite an entry when the importer wrote it and the export changed it; True when
        the file ends up holding ``text``."""
        entry = self.file.entries[position]
        if text == entry.text:
            self.new[mark.id] = mark
            return True
        old = self.old.get(mark.id)
        if old is not None and old.sha256 == entry.sha256:
            self.replace[position] = text
            self.new[mark.id] = mark
            self.tally.updated += 1
            return True
        self.tally.kept += 1
        return False

    def text(self, head: str) -> str:
        """The file with entries replaced in place and new ones appended (a new file: the
        head comment and the entries, as a first import writes it); checked by parsing."""
        if not self.file.exists:
            return "\n\n".join([head, *self.append]) + "\n"
        lines = self.file.text.split("\n")
        for position in sorted(self.replace, reverse=True):
            table = self.file.entries[position].table
            lines[table.start : table.end] = self.replace[position].split("\n")
        text = "\n".join(lines)
        if self.append:
            if text and not text.endswith("\n"):
                text += "\n"
            text += "".join(f"\n{entry}\n" for entry in self.append)
        try:
            items = tomllib.loads(text).get(self.table, [])
            ok = isinstance(items, list) and len(items) == len(self.file.entries) + len(self.append)
        except tomllib.TOMLDecodeError:
            ok = False
        if not ok:  # a safety net for the edits made as text
            code = "glossary-invalid" if self.table == "term" else "sources-invalid"
            diag = Diagnostic(
                Level.ERROR,
                code,
                f"cannot merge the export's entries into it; write each entry as a "
                f"[[{self.table}]] table",
                SourceLocation(self.where),
            )
            raise TougenError(f"{self.where} cannot be merged into; nothing was updated", [diag])
        return text


def _unique(base: str, taken: set[str]) -> str:
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    taken.add(ident)
    return ident


def _source_key(url: object, title: object) -> Key | None:
    if isinstance(url, str) and url:
        return ("url", norm_url(url))
    if isinstance(title, str) and title:
        return ("title", norm_title(title))
    return None


def _merge_sources(builder: _BookBuilder, articles: list[_Article], m: _Merge) -> None:
    """The export's works merged into sources.toml's entries (by address, else by title,
    also by what the record says the importer wrote); sets the final ids on the sources and
    in the articles' citations."""
    entries = m.file.entries
    index: dict[Key, int] = {}  # -> entry position; -1: written by the importer, removed by hand
    by_id = {e.id: k for k, e in enumerate(entries) if e.id}
    for k, e in enumerate(entries):
        key = _source_key(e.data.get("url"), e.data.get("title"))
        if key:
            index.setdefault(key, k)
    for mark in m.old.values():
        is_url = mark.key.startswith(("http://", "https://"))
        key = _source_key(mark.key if is_url else None, mark.key)
        if key:
            index.setdefault(key, by_id.get(mark.id, -1))
    m.new.update(m.old)
    taken = set(by_id) | set(m.old)
    final: dict[str, str | None] = {}
    used: set[int] = set()
    for s in builder.sources:
        keys = [_source_key(s.url, s.title), _source_key(None, s.title) if s.url else None]
        position = next((index[k] for k in keys if k in index), None)
        old_id = s.id
        if position == -1:
            final[old_id] = None  # the author removed the work: not cited again
            continue
        if position is None:
            s.id = _unique(s.id, taken)
            m.add(source_entry(s), source_mark(s))
        elif position not in used and entries[position].id:
            used.add(position)
            s.id = entries[position].id or s.id
            m.merge(position, source_entry(s), source_mark(s))
        else:
            s.id = entries[position].id or s.id
        final[old_id] = s.id
    for a in articles:
        a.sources = list(dict.fromkeys(i for i in (final.get(x, x) for x in a.sources) if i))


def _merge_glossary(
    builder: _BookBuilder, articles: list[_Article], m: _Merge, diags: Diagnostics
) -> tuple[dict[str, str], frozenset[str]]:
    """The export's terms merged into glossary.toml's entries; returns the names the
    articles link (name → entry key) and the terms listed under 【参考】 that no longer
    have an entry (written as text)."""
    entries = m.file.entries
    final_names: list[list[str]] = [names_of(e) for e in entries]
    keys: list[str] = [e.id or f"entry-{k}" for k, e in enumerate(entries)]
    names: dict[str, int] = {}  # normalised name -> entry position (new ones after the file's)
    for k, entry_names in enumerate(final_names):
        for name in entry_names:
            names.setdefault(norm_title(name), k)
    by_id = {e.id: k for k, e in enumerate(entries) if e.id}
    by_term = {norm_title(mark.key): mark.id for mark in m.old.values()}
    m.new.update(m.old)
    taken = set(by_id) | set(m.old)
    # where each term goes: the entry naming it (term or alias), the entry the record says
    # the importer wrote for it (-1: removed by hand), else the entry with its id that no
    # name claimed; None: a new entry
    where: dict[int, int | None] = {}
    for t in builder.terms:
        position = names.get(norm_title(t.term))
        if position is None and norm_title(t.term) in by_term:
            position = by_id.get(by_term[norm_title(t.term)], -1)
        where[id(t)] = position
    claimed = set(where.values())
    for t in builder.terms:
        if where[id(t)] is None and by_id.get(t.id, -1) not in (-1, *claimed):
            where[id(t)] = by_id[t.id]
            claimed.add(by_id[t.id])
    used: set[int] = set()
    label: dict[str, str | None] = {}
    for t in builder.terms:
        position = where[id(t)]
        if position == -1:
            label[t.term] = None  # the author removed the entry: not written again
            continue
        aliases = [a for a in t.aliases if names.get(norm_title(a)) in (None, position)]
        dropped = [a for a in t.aliases if a not in aliases]
        t.aliases = aliases
        written = False
        if position is None:
            t.id = _unique(t.id, taken)
            m.add(term_entry(t), term_mark(t))
            position = len(final_names)
            final_names.append([t.term, *t.aliases])
            keys.append(t.id)
            written = True
        elif position not in used:
            used.add(position)
            t.id = entries[position].id or t.id
            text = term_entry(t)
            if m.merge(position, text, term_mark(t)):
                written = text != entries[position].text
                final_names[position] = [t.term, *t.aliases]
        if written:
            for name in final_names[position]:
                names.setdefault(norm_title(name), position)
            for alias in dropped:
                diags.warning(
                    "import-glossary-alias",
                    f"alias '{alias}' of '{t.term}' already names another entry of "
                    "glossary.toml; dropped",
                    SourceLocation(builder.display, t.line),
                )
        current = final_names[position]
        label[t.term] = t.term if t.term in current else (current[0] if current else None)
    for a in articles:
        for block, listed in a.terms.items():
            a.terms[block] = [label.get(x) or x for x in listed]
    link = {
        name: keys[k]
        for k, entry_names in enumerate(final_names)
        for name in entry_names
        if linkable(name) and len(name) > 1
    }
    return link, frozenset(x for x, v in label.items() if v is None)


# -- book.toml ---------------------------------------------------------------------------------
def _book_toml(
    root: Path,
    into: Path,
    builder: _UpdateBuilder,
    articles: list[_Article],
    added: list[str],
    diags: Diagnostics,
    report: UpdateReport,
) -> str | None:
    """book.toml to write: a new one when there is none; when its ``articles`` lists the
    reading order, the same text with the new articles appended to the list; else None."""
    path = root / BOOK
    if not os.path.lexists(path):
        return blog._book_toml(builder.series, articles)
    if not added:
        return None
    where = str(into / BOOK)
    try:
        text = path.read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # tougen-pub check tells what is wrong with it
    listed = data.get("articles")
    if not isinstance(listed, list) or not listed:
        return None  # reading order by file name: the new numbers come last
    stems = [s for s in added if s not in listed]
    try:
        span = scan(text).arrays.get("articles")
    except ScanError:
        span = None
    new = with_array_items(text, span, [toml.string(s) for s in stems]) if span else None
    try:
        ok = new is not None and tomllib.loads(new) == {**data, "articles": [*listed, *stems]}
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok or new is None:
        diags.warning(
            "import-book-articles",
            "book.toml lists the reading order in 'articles' and the new articles could not "
            "be added to it: add " + ", ".join(stems),
            SourceLocation(where),
        )
        return None
    report.notes.append(f"{where}: {len(stems)} new article(s) added to 'articles'")
    return new
