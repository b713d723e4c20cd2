"""Load the articles of a manuscript: discovery, reading order, front matter, sections."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path

from tougen_pub.diagnostics import Diagnostic, Diagnostics, SourceLocation
from tougen_pub.ingest.frontmatter import FrontMatter, split_article
from tougen_pub.ingest.images import ImageChecker
from tougen_pub.ingest.markup import Mark, NoteText, extract_notes, scan
from tougen_pub.ingest.mdext import Converter, Finding, Resolver
from tougen_pub.ingest.notes import note_anchor
from tougen_pub.model import (
    REF_GLOSSARY,
    REF_SOURCE,
    Article,
    Note,
    Reference,
    Section,
    SeeAlso,
    Source,
)
from tougen_pub.parallel import fork_pool, jobs_for
from tougen_pub.progress import progress
from tougen_pub.records.tomlfile import locate_key, read_text
from tougen_pub.urls import norm_url

ARTICLES_DIR = "articles"
ARTICLE_NAME = re.compile(r"^(\d{1,4})-([A-Za-z0-9][A-Za-z0-9_-]*)$")
SECTION_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
SECTION_ROLES = {"概要": "abstract", "要点": "keypoints", "要約": "abstract"}
MAX_ARTICLE_BYTES = 5 * 1024 * 1024


class Locator:
    """Finds where a finding's source snippet is in a text: successive occurrences of the
    same snippet get successive places; lines are shifted by ``first_line - 1``."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.lower = text.lower()
        self.first_line = first_line
        self.next: dict[str, int] = {}

    def find(self, needle: str | None, occurrence: int = 1) -> tuple[int | None, int | None]:
        if not needle:
            return None, None
        key = needle.lower()
        start = self.next.get(key, 0)
        pos = self.lower.find(key, start)
        for _ in range(occurrence - 1):  # a later place of the same snippet
            later = self.lower.find(key, pos + 1) if pos >= 0 else -1
            pos = later if later >= 0 else pos
        if pos < 0:
            pos = self.lower.find(key)
        if pos < 0:
            return None, None
        self.next[key] = pos + 1
        line = self.text.count("\n", 0, pos)
        col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return self.first_line + line, col

    def locate(self, finding: Finding) -> tuple[int | None, int | None]:
        if finding.line is not None:
            return self.first_line + finding.line - 1, finding.column
        line, col = self.find(finding.needle, finding.occurrence)
        return (line, col) if line is not None else (self.first_line, None)


@dataclass
class _Found:
    path: Path
    stem: str
    number: int
    slug: str


@dataclass
class ArticleLoader:
    root: Path
    diags: Diagnostics
    resolver: Resolver
    sources: list[Source]
    by_url: dict[str, str] = field(default_factory=dict)
    # When glossary.toml / sources.toml could not be read, references to them are not
    # reported one by one (that file's error says it all).
    glossary_failed: bool = False
    sources_failed: bool = False
    converter: Converter | None = None  # one Markdown engine for the whole book

    def display(self, path: Path) -> str:
        return str(self.root / path.relative_to(self.root))

    # -- discovery and order ------------------------------------------------------------
    def discover(self, order: list[str]) -> list[_Found]:
        folder = self.root / ARTICLES_DIR
        if not folder.is_dir():
            return []
        found: dict[str, _Found] = {}
        numbers: dict[int, str] = {}
        slugs: dict[str, str] = {}
        for path in sorted(folder.iterdir()):
            if path.suffix != ".md" or path.name.startswith("."):
                continue
            where = SourceLocation(self.display(path))
            match = ARTICLE_NAME.match(path.stem)
            if not match:
                self.diags.error(
                    "article-name",
                    "article file names must look like NN-slug.md (ASCII slug)",
                    where,
                )
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(self.root.resolve()):
                self.diags.error(
                    "path-escape", "article is a link to a file outside the manuscript", where
                )
                continue
            number = int(match.group(1))
            if number in numbers:
                self.diags.error(
                    "article-number-clash",
                    f"article number {match.group(1)} is also used by {numbers[number]}.md",
                    where,
                )
            numbers.setdefault(number, path.stem)
            slug = match.group(2)
            if slug in slugs:
                self.diags.error(
                    "article-duplicate-slug",
                    f"slug '{slug}' is also used by {slugs[slug]}.md (a copy of the article?)",
                    where,
                )
            slugs.setdefault(slug, path.stem)
            found[path.stem] = _Found(path, path.stem, number, slug)
        ordered = sorted(numbers)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after > before + 1:
                missing = (
                    f"{before + 1:02d}"
                    if after == before + 2
                    else f"{before + 1:02d}–{after - 1:02d}"
                )
                self.diags.warning(
                    "article-gap",
                    f"article numbering jumps from {before:02d} to {after:02d} (no {missing}); "
                    "is an article missing?",
                    SourceLocation(self.display(found[numbers[after]].path)),
                )
        book_display = str(self.root / "book.toml")
        book_text = (
            (self.root / "book.toml").read_text("utf-8", "replace")
            if (self.root / "book.toml").exists()
            else ""
        )
        if not order:
            return sorted(found.values(), key=lambda f: (f.number, f.stem))
        result = []
        for i, stem in enumerate(order):
            line = locate_key(book_text, ("articles",))
            if stem not in found:
                self.diags.error(
                    "article-missing",
                    f"article '{stem}' is listed (position {i + 1}) but articles/{stem}.md does not exist",
                    SourceLocation(book_display, line),
                )
                continue
            result.append(found[stem])
        for stem in sorted(set(found) - set(order)):
            self.diags.warning(
                "article-unlisted",
                "article is not listed in book.toml 'articles' and is left out of the book",
                SourceLocation(self.display(found[stem].path)),
            )
        numbers_in_order = [f.number for f in result]
        if numbers_in_order != sorted(numbers_in_order):
            self.diags.warning(
                "article-order",
                "the reading order in book.toml does not follow the NN- file numbers",
                SourceLocation(book_display, locate_key(book_text, ("articles",))),
            )
        return result

    def load_all(self, order: list[str]) -> list[Article]:
        found = self.discover(order)
        parsed = [(f, self._read(f)) for f in found]
        for f, meta in parsed:
            if meta is not None and meta[0].url:
                self.by_url[norm_url(meta[0].url)] = f.stem
        jobs = [(index, f, meta) for index, (f, meta) in enumerate(parsed, 1) if meta is not None]
        articles: list[Article] = []
        with progress(len(parsed), "loading articles") as step:
            step(len(parsed) - len(jobs))
            workers = jobs_for(len(jobs), minimum_tasks=PARALLEL_MIN_ARTICLES)
            if workers > 1:
                for built, diags in self._build_parallel(jobs, workers):
                    articles += [a for a in built if a is not None]
                    self.diags.extend(diags)
                    step(len(built))
            else:
                for index, f, meta in jobs:
                    article = self._build(index, f, *meta)
                    if article is not None:
                        articles.append(article)
                    step()
        return self.unique_ids(articles)

    def unique_ids(self, articles: list[Article]) -> list[Article]:
        """An id of raw HTML given in two articles is kept in the first only: the print
        book is one document (within an article the converter keeps ids unique)."""
        seen: dict[str, str] = {}  # id -> the article that has it
        out = []
        for art in articles:
            html = [art.intro_html, *(s.html for s in art.sections), *(n.html for n in art.notes)]
            ids = {v for h in html for v in ID_ATTRIBUTE.findall(h)}
            clash = sorted(v for v in ids if v in seen)
            for v in ids - set(clash):
                seen[v] = art.slug
            for v in clash:
                line, col = _find_in_file(art.location.path, f'id="{v}"')
                self.diags.warning(
                    "html-duplicate-id",
                    f"id '{v[:40]}' is already used in {seen[v]}.md (the printed book is one "
                    "document); removed here",
                    SourceLocation(art.location.path, line, col),
                )
                art = _without_id(art, v)
            out.append(art)
        return out

    def _build_parallel(
        self, jobs: list[tuple[int, _Found, tuple[FrontMatter, str, int, str]]], workers: int
    ) -> Iterator[tuple[list[Article | None], list[Diagnostic]]]:
        """Build the articles in ``workers`` forked processes, in chunks of consecutive
        articles; chunks come back in reading order with their diagnostics, so the result
        and the order of diagnostics are those of the sequential loop."""
        global _FORKED
        size = max(8, min(PARALLEL_CHUNK, len(jobs) // (workers * 4) or 1))
        chunks = [(i, min(i + size, len(jobs))) for i in range(0, len(jobs), size)]
        _FORKED = (self, jobs)  # inherited by the forked workers: only ranges are sent
        try:
            with fork_pool(workers) as pool:
                yield from pool.imap(_build_chunk, chunks)
        finally:
            _FORKED = None

    # -- one article ----------------------------------------------------------------------
    def _read(self, f: _Found) -> tuple[FrontMatter, str, int, str] | None:
        display = self.display(f.path)
        try:
            size = f.path.stat().st_size
        except OSError:
            size = 0
        if size > MAX_ARTICLE_BYTES:
            self.diags.error(
                "article-too-large",
                f"article is {size // 1024 // 1024} MB; split it (limit {MAX_ARTICLE_BYTES // 1024 // 1024} MB)",
                SourceLocation(display),
            )
            return None
        text = read_text(f.path, display, self.diags)
        if text is None:
            return None
        split = split_article(text, display, self.diags)
        if split is None:
            return None
        return split.meta, split.body, split.body_line, split.meta_text

    def _build(
        self, number: int, f: _Found, meta: FrontMatter, body: str, body_line: int, meta_text: str
    ) -> Article | None:
        display = self.display(f.path)
        where = SourceLocation(display)
        marks = self._check_markup(body, body_line, display)
        body, note_texts = extract_notes(body)
        self.resolver.prefix = f"a{f.stem}"
        self.resolver.counter = {}
        self.resolver.note_labels = frozenset(n.label for n in note_texts)
        images = ImageChecker(self.root, f.path.parent)
        if self.converter is None:
            self.converter = Converter(self.resolver)
        converter = self.converter
        converter.images = images.check
        intro, chunks = _split_sections(body, body_line)

        def convert(text: str, first_line: int) -> str:
            html = converter.convert(text)
            self.report(converter.findings, Locator(text, first_line), display)
            return html

        intro_html = convert(intro[1], intro[0]) if intro[1].strip() else ""
        sections = []
        for i, (title, start, text) in enumerate(chunks, 1):
            title_text, title_html = _heading(convert(_inline_only(title), start))
            sections.append(
                Section(
                    title=title_text,
                    title_html=title_html,
                    anchor=f"a{f.stem}-s{i}",
                    html=convert(text, start + 1),
                    location=SourceLocation(display, start),
                    role=SECTION_ROLES.get(title_text.strip("【】 "), ""),
                )
            )
        if not intro_html.strip() and not any(s.html.strip() for s in sections):
            self.diags.warning(
                "article-empty", "article has no text", SourceLocation(display, body_line - 1)
            )
        notes = self._notes(note_texts, marks, convert, body_line, display)
        all_html = intro_html + "".join(s.html for s in sections) + "".join(n.html for n in notes)
        tree = ET.fromstring(f"<div>{all_html}</div>")  # parsed once for references and text
        glossary_uses = self._references(
            tree, REF_GLOSSARY, marks, body_line, display, "glossary", f.stem
        )
        citations = self._references(
            tree, REF_SOURCE, marks, body_line, display, "citation", f.stem
        )
        source_ids: list[str] = []
        known = {s.id for s in self.sources}
        for sid in meta.sources:
            line = locate_key(meta_text, ("sources",), 1)
            if sid not in known:
                if self.sources_failed:
                    continue
                self.diags.error(
                    "citation-unknown",
                    f"unknown source id '{sid}' (not in sources.toml)",
                    SourceLocation(display, line),
                )
                continue
            if sid not in source_ids:
                source_ids.append(sid)
                citations.append(
                    Reference(sid, f.stem, f"a{f.stem}-src-{sid}", SourceLocation(display, line))
                )
        for ref in citations:
            if ref.target_id not in source_ids:
                source_ids.append(ref.target_id)
        see_also = self._see_also(meta, meta_text, display, f.stem)
        date = meta.date
        if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
            date = dt.datetime(date.year, date.month, date.day)
        # every character that is printed, ruby readings included (fonts must cover them)
        chars = set(meta.title) | set(meta.image_credit or "") | set("".join(tree.itertext()))
        chars |= {c for s in sections for c in _all_text(s.title_html)}
        chars |= {c for s in see_also for c in s.title}
        return Article(
            number=number,
            slug=f.stem,
            title=meta.title,
            date=date,
            url=meta.url,
            image_credit=meta.image_credit,
            series=meta.series,
            intro_html=intro_html,
            sections=tuple(sections),
            sources=tuple(source_ids),
            see_also=tuple(see_also),
            glossary_uses=tuple(glossary_uses),
            citations=tuple(citations),
            location=where,
            text_chars=frozenset(chars),
            images=tuple(images.used),
            notes=tuple(notes),
        )

    def _notes(
        self,
        texts: list[NoteText],
        marks: list[Mark],
        convert: Callable[[str, int], str],
        body_line: int,
        display: str,
    ) -> list[Note]:
        """Convert the footnotes the text refers to, in number order (notes referred to
        only from other notes come last); report undefined, duplicate and unused ones."""
        defined: dict[str, tuple[NoteText, SourceLocation]] = {}
        for t in texts:
            where = SourceLocation(display, t.line + body_line - 1, t.column)
            if t.label in defined:
                first = defined[t.label][1].line
                self.diags.error(
                    "note-duplicate",
                    f"footnote '[^{t.label}]' is already defined (line {first})",
                    where,
                )
                continue
            defined[t.label] = (t, where)
        for m in marks:
            if m.kind == "noteref" and m.key not in defined:
                self.diags.error(
                    "note-undefined",
                    f"footnote '[^{m.key}]' has no definition '[^{m.key}]: …'",
                    SourceLocation(display, m.line + body_line - 1, m.column),
                )
        counter = self.resolver.counter
        notes: dict[str, Note] = {}
        while True:
            pending = sorted(
                (counter[f"note:{label}"], label)
                for label in defined
                if f"note:{label}" in counter and label not in notes
            )
            if not pending:
                break
            for number, label in pending:
                t, where = defined[label]
                html = convert(t.text, t.line + body_line - 1) if t.text.strip() else ""
                anchor = note_anchor(self.resolver.prefix, number)
                call = "fnref" + anchor[2:]
                calls = (call, *(f"{call}-{k}" for k in range(2, counter[f"noteref:{label}"] + 1)))
                notes[label] = Note(number, label, anchor, calls, html, where)
        for label, (_t, where) in defined.items():
            if label not in notes:
                self.diags.warning(
                    "note-unused", f"footnote '[^{label}]' is never referred to; left out", where
                )
        return sorted(notes.values(), key=lambda n: n.number)

    def report(self, findings: list[Finding], locator: Locator, display: str) -> None:
        self.report_to(self.diags, findings, locator, display)

    @staticmethod
    def report_to(
        diags: Diagnostics, findings: list[Finding], locator: Locator, display: str
    ) -> None:
        """Located diagnostics for what the converter removed or refused."""
        for finding in findings:
            line, col = locator.locate(finding)
            where = SourceLocation(display, line, col)
            if finding.error:
                diags.error(finding.code, finding.message, where)
            else:
                diags.warning(finding.code, finding.message, where)

    def _check_markup(self, body: str, body_line: int, display: str) -> list[Mark]:
        marks, problems = scan(body)
        for p in problems:
            loc = SourceLocation(display, p.line + body_line - 1, p.column)
            if p.warning:
                self.diags.warning(p.code, p.message, loc)
            else:
                self.diags.error(p.code, p.message, loc)
        known_sources = {s.id for s in self.sources}
        for m in marks:
            loc = SourceLocation(display, m.line + body_line - 1, m.column)
            if m.kind == "glossary" and m.key not in self.resolver.term_ids:
                if self.glossary_failed:
                    continue
                hint = _closest(m.key, list(self.resolver.term_ids))
                self.diags.error(
                    "glossary-unknown",
                    f"unknown glossary term '{m.key}'"
                    + (f" (did you mean '{hint}'?)" if hint else ""),
                    loc,
                )
            elif m.kind == "citation" and m.key not in known_sources and not self.sources_failed:
                self.diags.error(
                    "citation-unknown", f"unknown source id '{m.key}' (not in sources.toml)", loc
                )
        return marks

    def _references(
        self,
        root: ET.Element,
        prefix: str,
        marks: list[Mark],
        body_line: int,
        display: str,
        kind: str,
        slug: str,
    ) -> list[Reference]:
        places: dict[str, list[tuple[int, int]]] = {}
        for m in marks:
            if m.kind == kind:
                key = self.resolver.term_ids.get(m.key, m.key) if kind == "glossary" else m.key
                places.setdefault(key, []).append((m.line + body_line - 1, m.column))
        refs = []
        seen: dict[str, int] = {}
        for el in root.iter("a"):
            href = el.get("href", "")
            if not href.startswith(prefix):
                continue
            key = href[len(prefix) :]
            n = seen.get(key, 0)
            seen[key] = n + 1
            spots = places.get(key, [])
            line, col = spots[n] if n < len(spots) else (None, None)
            refs.append(Reference(key, slug, el.get("id", ""), SourceLocation(display, line, col)))
        return refs

    def _see_also(
        self, meta: FrontMatter, meta_text: str, display: str, stem: str
    ) -> list[SeeAlso]:
        links = []
        for i, link in enumerate(meta.see_also):
            line = locate_key(meta_text, ("see_also", i), 1)
            where = SourceLocation(display, line)
            target = link.article or (self.by_url.get(norm_url(link.url)) if link.url else None)
            if (
                link.article
                and link.article not in self.by_url.values()
                and not (self.root / ARTICLES_DIR / f"{link.article}.md").exists()
            ):
                self.diags.error(
                    "see-also-unknown", f"see-also article '{link.article}' does not exist", where
                )
                target = None
            elif target is None:
                self.diags.info(
                    "see-also-external",
                    f"'{link.title}' is not in this book; kept as an external link",
                    where,
                )
            if target == stem:
                target = None
            links.append(SeeAlso(link.title, link.url, target, where))
        return links


# Books with at least this many articles convert their Markdown in several processes, one
# per CPU (TOUGEN_JOBS=N sets the number, 1 turns it off; see tougen_pub.parallel). Below it,
# starting workers costs more than it saves.
PARALLEL_MIN_ARTICLES = 200
PARALLEL_CHUNK = 25
_FORKED: (
    tuple[ArticleLoader, list[tuple[int, _Found, tuple[FrontMatter, str, int, str]]]] | None
) = None


def _build_chunk(span: tuple[int, int]) -> tuple[list[Article | None], list[Diagnostic]]:
    """In a worker: build the articles ``jobs[start:end]`` with the forked loader's state."""
    assert _FORKED is not None
    loader, jobs = _FORKED
    loader.diags = Diagnostics()
    built = [loader._build(index, f, *meta) for index, f, meta in jobs[span[0] : span[1]]]
    return built, list(loader.diags)


ID_ATTRIBUTE = re.compile(r' id="([^"]*)"')


def _find_in_file(path: str, needle: str) -> tuple[int | None, int | None]:
    """(line, column) of the first ``needle`` in a text file, 1-based."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, None
    pos = text.find(needle)
    if pos < 0:
        return None, None
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _without_id(art: Article, value: str) -> Article:
    attribute = f' id="{value}"'

    def drop(html: str) -> str:
        return html.replace(attribute, "")

    return dataclasses.replace(
        art,
        intro_html=drop(art.intro_html),
        sections=tuple(dataclasses.replace(s, html=drop(s.html)) for s in art.sections),
        notes=tuple(dataclasses.replace(n, html=drop(n.html)) for n in art.notes),
    )


def _split_sections(
    body: str, body_line: int
) -> tuple[tuple[int, str], list[tuple[str, int, str]]]:
    lines = body.split("\n")
    intro: list[str] = []
    chunks: list[tuple[str, int, list[str]]] = []
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else SECTION_HEADING.match(line)
        if heading:
            chunks.append((heading.group(1), body_line + i, []))
        elif chunks:
            chunks[-1][2].append(line)
        else:
            intro.append(line)
    return (body_line, "\n".join(intro)), [(t, n, "\n".join(ls)) for t, n, ls in chunks]


def _inline_text(fragment: str) -> str:
    root = ET.fromstring(f"<div>{fragment}</div>")
    for rt in root.iter("rt"):
        rt.text = ""
    return "".join(root.itertext())


def _all_text(fragment: str) -> str:
    """Every character of an XHTML fragment, ruby readings included."""
    return "".join(ET.fromstring(f"<div>{fragment}</div>").itertext())


BLOCK_START = re.compile(r"^(\s*)(?:(\d+)([.)])(?=\s|$)|([-+*>#]))")


def _inline_only(title: str) -> str:
    """A ``##`` title as Markdown that cannot start a block: ``1. はじめに`` stays a numbered
    title rather than a list (whose number Markdown would drop), ``- 補遺`` keeps its dash."""

    def escape(m: re.Match[str]) -> str:
        if m.group(2):
            return f"{m.group(1)}{m.group(2)}\\{m.group(3)}"
        return f"{m.group(1)}\\{m.group(4)}"

    return BLOCK_START.sub(escape, title, count=1)


def _heading(fragment: str) -> tuple[str, str]:
    """A ``##`` title as plain text (ruby bases only: table of contents, navigation,
    bookmarks) and as inline XHTML for the heading itself (ruby, 傍点, tate-chu-yoko, bold).
    Links are unwrapped and ids dropped: the heading has an id of its own, and a title is
    not a use of a glossary term or a citation. A title Markdown reads as a block other
    than a paragraph (``## 1. はじめに`` as a list) is its text."""
    text = _inline_text(fragment)
    root = ET.fromstring(f"<div>{fragment}</div>")
    if len(root) != 1 or root[0].tag != "p" or (root.text or "").strip():
        return text, html_escape(text, quote=False)
    para = root[0]
    for parent in list(para.iter()):
        for index in reversed(range(len(parent))):
            kid = parent[index]
            if kid.tag == "a":  # its content in its place
                if len(kid):
                    kid[-1].tail = (kid[-1].tail or "") + (kid.tail or "")
                    _put_text(parent, index, kid.text or "")
                    parent[index : index + 1] = list(kid)
                else:
                    _put_text(parent, index, (kid.text or "") + (kid.tail or ""))
                    del parent[index]
    for el in para.iter():
        el.attrib.pop("id", None)
    inner = html_escape(para.text or "", quote=False)
    return text, inner + "".join(ET.tostring(kid, encoding="unicode") for kid in para)


def _put_text(parent: ET.Element, index: int, text: str) -> None:
    """Append ``text`` after what precedes child ``index`` of ``parent``."""
    if not text:
        return
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        parent[index - 1].tail = (parent[index - 1].tail or "") + text


def _closest(word: str, candidates: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return match[0] if match else None
