"""The blog-export importer: ``tougen-pub import EXPORT --into DIR``.

parse (:mod:`.export`: bytes → posts) → model of the book (this module: articles in date
order with stable ``NN-slug`` names, one glossary entry per ☞ term, one source per cited
work, see-also links resolved between the posts) → write (Markdown by :mod:`.mdwriter`, TOML
by :mod:`.tomltext`, and the import record of :mod:`.record` that a later ``--update``
reads) into a temporary folder next to the target, swapped in at the end. Merging a newer
export into an existing manuscript is :mod:`.update`.

The output is a function of the export only: no clock, no randomness, sorted and stable, so
importing the same file twice gives the same bytes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import tempfile
import tomllib
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tougen_pub.diagnostics import Diagnostic, Diagnostics, Level, SourceLocation, TougenError
from tougen_pub.importers import tomltext as toml
from tougen_pub.importers.export import (
    MAX_EXPORT_BYTES,
    Block,
    GlossaryItem,
    Post,
    SourceRef,
    norm_title,
    parse_export,
    read_export,
)
from tougen_pub.importers.mdwriter import (
    Linker,
    bullet_list,
    escape,
    escape_line,
    inline,
    linkable,
    render_lines,
)
from tougen_pub.importers.record import RECORD, ArticleMark, EntryMark, ImportRecord, digest
from tougen_pub.ja import kana_reading, romaji_slug
from tougen_pub.urls import norm_url

ARTICLES = "articles"
BOOK = "book.toml"
GLOSSARY = "glossary.toml"
SOURCES = "sources.toml"
MANAGED = (ARTICLES, BOOK, GLOSSARY, SOURCES)
SLUG_CHARS = 40
ID_CHARS = 48
TERM_HEADER = re.compile(r"^(?P<term>[^(（]+?)\s*[(（](?P<paren>[^()（）]*)[)）]\s*(?P<rest>.*)$")
TERM_SENTENCE = re.compile(r"^(?P<term>.+?)(?:とは|は、|[:：])")
ALIAS_SPLIT = re.compile(r"\s*[,、，;；/／]\s*")
URL_SUFFIX = re.compile(r"\.(?:html?|php|aspx?)$", re.IGNORECASE)
#: uuid5 namespace of book identifiers derived from a series name
SERIES_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tougen-pub.invalid/series")


@dataclass
class ImportReport:
    """What an import wrote, and what it had to say about the export."""

    articles: int = 0
    glossary_entries: int = 0
    sources: int = 0
    citations: int = 0
    internal_links: int = 0
    external_links: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)


def run_import(export: Path, into: Path, *, force: bool = False) -> ImportReport:
    """Import a blog export into the manuscript folder ``into``.

    Refuses (``import-exists``) when ``into`` holds a manuscript unless ``force``; with
    ``force`` an existing book.toml is kept and everything else is rewritten. Problems with
    the export are located diagnostics; fatal ones raise :class:`TougenError`.
    """
    diags = Diagnostics()
    display = str(export)
    # absolute, so that "." and "dir/" have a name and a parent; a link: its folder
    into = into.resolve() if into.is_symlink() else Path(os.path.abspath(into))
    _check_target(into, force)
    text = read_export(_read_bytes(export, display), display, diags)
    posts = parse_export(text, display, diags)
    keep_book = force and (into / BOOK).is_file()
    book = _BookBuilder(posts, display, diags).build()
    files = book.files(with_book_toml=not keep_book)
    if keep_book:
        _check_kept_book(into / BOOK, book, diags)
    _write(into, files, keep_book=keep_book)
    return ImportReport(
        articles=len(book.articles),
        glossary_entries=len(book.terms),
        sources=len(book.sources),
        citations=sum(len(a.sources) for a in book.articles),
        internal_links=sum(1 for a in book.articles for s in a.see_also if s.get("article")),
        external_links=sum(1 for a in book.articles for s in a.see_also if not s.get("article")),
        diagnostics=diags.sorted(),
    )


def _fail(code: str, message: str, where: str, line: int | None = None) -> TougenError:
    return TougenError(
        message, [Diagnostic(Level.ERROR, code, message, SourceLocation(where, line))]
    )


def _read_bytes(export: Path, display: str) -> bytes:
    try:
        if export.is_dir():
            raise _fail("import-unreadable", "is a folder, not an export file", display)
        size = export.stat().st_size
        if size > MAX_EXPORT_BYTES:
            raise _fail(
                "import-too-large",
                f"file is {size:,} bytes; an export is at most "
                f"{MAX_EXPORT_BYTES:,} bytes (split it)",
                display,
            )
        return export.read_bytes()
    except OSError as exc:
        raise _fail(
            "import-unreadable", f"cannot read the export: {exc.strerror}", display
        ) from None


def _check_target(into: Path, force: bool) -> None:
    where = str(into)
    if into.exists() and not into.is_dir():
        raise _fail("import-target", "the target exists and is not a folder", where)
    if not into.is_dir():
        return
    present = [name for name in MANAGED if (into / name).exists()]
    if present and not force:
        raise _fail(
            "import-exists",
            f"already holds a manuscript ({', '.join(present)}); use --update to merge the "
            "export into it, or --force to rewrite its articles, glossary and sources "
            "(book.toml is kept)",
            where,
        )


# -- the book -----------------------------------------------------------------------------
@dataclass
class _Article:
    post: Post
    stem: str
    url: str | None = None
    sources: list[str] = field(default_factory=list)
    see_also: list[dict[str, str]] = field(default_factory=list)
    terms: dict[int, list[str]] = field(default_factory=dict)  # id(block) -> terms listed

    @property
    def path(self) -> str:
        return f"{ARTICLES}/{self.stem}.md"


@dataclass
class _Term:
    id: str
    term: str
    reading: str | None
    aliases: list[str]
    definition: str
    origin: str
    line: int | None = None  # the ☞ header in the export


@dataclass(frozen=True)
class _Target:
    """Something a see-also link can point at: an article of the import or of the folder."""

    stem: str
    title: str
    article: _Article | None = None


@dataclass
class _Source:
    id: str
    title: str
    url: str | None
    publisher: str | None


@dataclass
class _Book:
    series: str
    articles: list[_Article]
    terms: list[_Term]
    sources: list[_Source]
    note: str | None
    article_text: dict[str, str]

    def files(self, *, with_book_toml: bool) -> dict[str, str]:
        files = dict(self.article_text)
        files[GLOSSARY] = _glossary_toml(self.terms, self.note)
        files[SOURCES] = _sources_toml(self.sources)
        files[RECORD] = self.record().text()
        if with_book_toml:
            files[BOOK] = _book_toml(self.series, self.articles)
        return files

    def record(self) -> ImportRecord:
        """What this import writes, for a later ``import --update``."""
        record = ImportRecord()
        for a in self.articles:
            record.articles[a.path] = article_mark(a, self.article_text[a.path])
        for t in self.terms:
            record.terms[t.id] = term_mark(t)
        for s in self.sources:
            record.sources[s.id] = source_mark(s)
        return record


class _BookBuilder:
    def __init__(self, posts: list[Post], display: str, diags: Diagnostics) -> None:
        self.posts = posts
        self.display = display
        self.diags = diags
        self.terms: list[_Term] = []
        self.names: dict[str, _Term] = {}  # normalised term or alias -> entry
        self.sources: list[_Source] = []
        self.source_by_url: dict[str, _Source] = {}
        self.source_by_title: dict[str, _Source] = {}
        #: other articles of the folder that see-also links may point at: (stem, title, url)
        self.extra_targets: list[tuple[str, str, str | None]] = []

    def where(self, line: int | None) -> SourceLocation:
        return SourceLocation(self.display, line)

    def build(self) -> _Book:
        articles = self.collect()
        return self.render(articles, link_names(self.terms))

    def collect(self) -> list[_Article]:
        """The articles with their addresses, see-also links, citations and glossary terms."""
        articles = self._number(self._posts())
        self._urls(articles)
        by_url, by_title = self._targets(articles)
        for article in articles:
            self._see_also(article, by_url, by_title)
            for ref in article.post.sources:
                self._cite(article, ref)
            for block in article.post.blocks:
                if block.glossary is not None:
                    listed = [self._term(article, item) for item in block.glossary]
                    article.terms[id(block)] = [t for t in listed if t]
        return articles

    def render(
        self, articles: list[_Article], names: dict[str, str], plain: frozenset[str] = frozenset()
    ) -> _Book:
        """The Markdown of the articles; ``names`` are the glossary names to link (name → entry
        key), ``plain`` terms listed under 【参考】 that have no entry (written as text)."""
        text = {a.path: self._article_text(a, Linker(dict(names)), plain) for a in articles}
        notes = list(dict.fromkeys(n.text for p in self.posts for n in p.notes))
        return _Book(
            series=self.posts[0].series,
            articles=articles,
            terms=self.terms,
            sources=self.sources,
            note="\n".join(notes) or None,
            article_text=text,
        )

    # -- articles, addresses and links -------------------------------------------------------
    def _posts(self) -> list[Post]:
        """The posts without duplicates, in date order."""
        seen: dict[tuple[str, str], Post] = {}
        posts = []
        for post in self.posts:
            key = (norm_title(post.title), post.date.isoformat())
            if key in seen:
                self.diags.warning(
                    "import-duplicate-post",
                    f"post '{post.title}' appears twice (first at line {seen[key].line}); "
                    "the copy is skipped",
                    SourceLocation(self.display, post.line, 1),
                )
                continue
            seen[key] = post
            posts.append(post)
        ordered = sorted(posts, key=lambda p: p.date)  # stable: same time keeps export order
        if ordered != posts:
            self.diags.info(
                "import-reordered",
                "posts are not in date order in the export; the articles are numbered by date",
                self.where(None),
            )
        return ordered

    def _number(self, ordered: list[Post]) -> list[_Article]:
        """Articles NN-slug, numbered by date; NN has at least two digits, more when needed."""
        width = number_width(len(ordered))
        slugs: dict[str, int] = {}
        articles = []
        for number, post in enumerate(ordered, 1):
            slug = romaji_slug(post.title, SLUG_CHARS, "post")
            slugs[slug] = slugs.get(slug, 0) + 1
            if slugs[slug] > 1:
                slug = f"{slug}-{slugs[slug]}"
            articles.append(_Article(post, f"{number:0{width}d}-{slug}"))
        return articles

    def _urls(self, articles: list[_Article], *, report: bool = True) -> None:
        """Addresses of the posts, as revealed by the 参照 lists of other posts."""
        by_title = {norm_title(a.post.title): a for a in articles}
        for article in articles:
            for ref in article.post.see_also:
                target = by_title.get(norm_title(ref.title))
                if target is None or ref.url is None:
                    continue
                if target.url is None:
                    target.url = ref.url
                elif report and norm_url(target.url) != norm_url(ref.url):
                    self.diags.warning(
                        "import-url-conflict",
                        f"'{ref.title}' is linked with two addresses ({target.url} and "
                        f"{ref.url}); the first is kept",
                        self.where(ref.line),
                    )

    def _targets(self, articles: list[_Article]) -> tuple[dict[str, _Target], dict[str, _Target]]:
        """What see-also links can point at, by address and by title: the posts first, then
        the other articles of the folder (``extra_targets``)."""
        by_url: dict[str, _Target] = {}
        by_title: dict[str, _Target] = {}
        for a in articles:
            target = _Target(a.stem, a.post.title, a)
            if a.url:
                by_url[norm_url(a.url)] = target  # as before: the last of equal keys
            by_title[norm_title(a.post.title)] = target
        for stem, title, url in self.extra_targets:
            target = _Target(stem, title)
            if url:
                by_url.setdefault(norm_url(url), target)
            by_title.setdefault(norm_title(title), target)
        return by_url, by_title

    def _see_also(
        self, article: _Article, by_url: dict[str, _Target], by_title: dict[str, _Target]
    ) -> None:
        seen: set[str] = set()
        for ref in article.post.see_also:
            target = (by_url.get(norm_url(ref.url)) if ref.url else None) or by_title.get(
                norm_title(ref.title)
            )
            key = target.stem if target else norm_url(ref.url or ref.title)
            if key in seen:
                continue
            seen.add(key)
            if target is not None and target.article is article:
                self.diags.info(
                    "import-self-link",
                    f"'{ref.title}' links the post itself; left out",
                    self.where(ref.line),
                )
                continue
            link = {"title": target.title if target else ref.title}
            if ref.url:
                link["url"] = ref.url
            if target:
                link["article"] = target.stem
            else:
                self.diags.info(
                    "import-external-link",
                    f"see-also '{ref.title}' is not in the export; kept as an external link",
                    self.where(ref.line),
                )
            article.see_also.append(link)

    # -- sources -----------------------------------------------------------------------------
    def _cite(self, article: _Article, ref: SourceRef) -> None:
        title_key = norm_title(ref.title)
        record = None
        if ref.url:
            record = self.source_by_url.get(norm_url(ref.url))
            if record is None:
                candidate = self.source_by_title.get(title_key)
                if candidate is not None and candidate.url is None:
                    record = candidate
                    record.url = ref.url
                    self.source_by_url[norm_url(ref.url)] = record
        else:
            record = self.source_by_title.get(title_key)
        if record is None:
            record = _Source(self._source_id(ref), ref.title, ref.url, ref.publisher)
            self.sources.append(record)
            if ref.url:
                self.source_by_url[norm_url(ref.url)] = record
            self.source_by_title.setdefault(title_key, record)
        if record.publisher is None and ref.publisher:
            record.publisher = ref.publisher
        if record.id not in article.sources:
            article.sources.append(record.id)

    def _source_id(self, ref: SourceRef) -> str:
        base = ""
        if ref.url:
            parts = urlsplit(ref.url)
            segments = [s for s in parts.path.split("/") if s]
            last = URL_SUFFIX.sub("", segments[-1]) if segments else ""
            base = re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-")
            if not base or base.replace("-", "").isdigit():
                host = (parts.hostname or "").removeprefix("www.").split(".")[0]
                base = "-".join(p for p in (host, base) if p)
            base = romaji_slug(base, ID_CHARS, "source")
        if not base:
            base = romaji_slug(ref.title, ID_CHARS, "source")
        ident, n = base, 1
        taken = {s.id for s in self.sources}
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        return ident

    # -- glossary ----------------------------------------------------------------------------
    def _term(self, article: _Article, item: GlossaryItem) -> str | None:
        """Record a ☞ entry; returns the term the article lists (None: nothing to list)."""
        header = item.header
        term, aliases, lead = _split_term_header(header.text)
        where = SourceLocation(self.display, header.number, header.column)
        existing = self.names.get(norm_title(term))
        if existing is not None:
            self.diags.warning(
                "import-glossary-duplicate",
                f"'{term}' is already defined by {existing.origin}; this definition is skipped",
                where,
            )
            return existing.term
        definition = render_lines(item.lines, headings=False)
        if lead:
            definition = inline(lead) + ("\n\n" + definition if definition else "")
        if not definition.strip():
            self.diags.warning(
                "import-glossary-empty",
                f"glossary entry '{term}' has no definition; skipped",
                where,
            )
            return None
        kept = []
        for alias in aliases:
            other = self.names.get(norm_title(alias))
            if other is not None:
                self.diags.warning(
                    "import-glossary-alias",
                    f"alias '{alias}' of '{term}' is already a name of '{other.term}'; dropped",
                    where,
                )
            elif alias not in kept:
                kept.append(alias)
        taken = {t.id for t in self.terms}
        base = romaji_slug(term, ID_CHARS, "term")
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        entry = _Term(
            ident, term, kana_reading(term), kept, definition, article.path, header.number
        )
        self.terms.append(entry)
        for name in (term, *kept):
            self.names[norm_title(name)] = entry
        return term

    # -- Markdown ----------------------------------------------------------------------------
    def _article_text(self, article: _Article, linker: Linker, plain: frozenset[str]) -> str:
        post = article.post
        head = [
            toml.key_value("title", post.title),
            toml.key_value("series", post.series),
            toml.key_value("date", post.date),
        ]
        if article.url:
            head.append(toml.key_value("url", article.url))
        if post.image_credit:
            head.append(toml.key_value("image_credit", post.image_credit))
        if article.sources:
            head.append(toml.key_value("sources", article.sources))
        for link in article.see_also:
            head.append("")
            head.append("[[see_also]]")
            head.extend(toml.key_value(k, v) for k, v in link.items())
        parts = ["+++\n" + "\n".join(head) + "\n+++"]
        if post.intro:
            parts.append(render_lines(post.intro, linker=linker))
        for block in post.blocks:
            section = self._section(article, block, linker, plain)
            if section:
                parts.append(f"## {escape_line(block.name)}\n\n{section}")
            else:
                self.diags.info(
                    "import-empty-block",
                    f"【{block.name}】 is empty; left out",
                    self.where(block.line),
                )
        return "\n\n".join(parts) + "\n"

    def _section(
        self, article: _Article, block: Block, linker: Linker, plain: frozenset[str]
    ) -> str:
        if block.glossary is None:
            return render_lines(block.lines, linker=linker)
        parts = []
        if block.lines:
            parts.append(render_lines(block.lines))
        terms = article.terms.get(id(block), [])
        if terms:
            parts.append(
                bullet_list(
                    f"[[{t}]]" if linkable(t) and t not in plain else escape(t) for t in terms
                )
            )
        return "\n\n".join(parts)


def _split_term_header(text: str) -> tuple[str, list[str], str | None]:
    """``TERM(ALIAS, ALIAS)REST`` → (term, aliases, the header as a lead paragraph or None).

    Parenthesised names without digits are aliases (``PFP, Partnership for Peace``); dates
    such as ``(1999年 – 2009年)`` are not. When the header says more than the term, the whole
    header is kept as the first paragraph of the definition.
    """
    m = TERM_HEADER.match(text)
    if m is None or re.search(r"とは|は、|。", m.group("term")):  # a sentence before any (…)
        s = TERM_SENTENCE.match(text)
        if s is not None and len(s.group("term")) < len(text):
            return s.group("term").strip(), [], text
        return text, [], None
    term = m.group("term").strip()
    aliases = [
        a
        for a in ALIAS_SPLIT.split(m.group("paren").strip())
        if a and not any(c.isdigit() for c in a) and a != term and len(a) <= 80
    ]
    return term, aliases, text


# -- TOML files ---------------------------------------------------------------------------
def article_mark(a: _Article, text: str) -> ArticleMark:
    return ArticleMark(a.path, digest(text), a.post.title, a.post.date, a.url)


def term_mark(t: _Term) -> EntryMark:
    return EntryMark(t.id, t.term, digest(term_entry(t)))


def source_mark(s: _Source) -> EntryMark:
    return EntryMark(s.id, s.url or s.title, digest(source_entry(s)))


def link_names(terms: list[_Term]) -> dict[str, str]:
    """The glossary names an article links at their first mention: name → entry id."""
    return {
        name: entry.id
        for entry in terms
        for name in (entry.term, *entry.aliases)
        if linkable(name) and len(name) > 1
    }


def number_width(count: int) -> int:
    """Digits of the NN- numbers of a book of ``count`` articles (at least two)."""
    return max(2, len(str(count)))


def term_entry(t: _Term) -> str:
    """One ``[[term]]`` table of glossary.toml (no blank line around it)."""
    out = ["[[term]]", toml.key_value("id", t.id), toml.key_value("term", t.term)]
    if t.reading:
        out.append(toml.key_value("reading", t.reading))
    if t.aliases:
        out.append(toml.key_value("aliases", t.aliases))
    out.append(toml.key_value("origin", t.origin))
    out.append("definition = " + toml.multiline(t.definition))
    return "\n".join(out)


def source_entry(s: _Source) -> str:
    """One ``[[source]]`` table of sources.toml (no blank line around it)."""
    out = ["[[source]]", toml.key_value("id", s.id), toml.key_value("title", s.title)]
    if s.publisher:
        out.append(toml.key_value("publisher", s.publisher))
    if s.url:
        out.append(toml.key_value("url", s.url))
    return "\n".join(out)


GLOSSARY_HEAD = (
    "# Glossary (用語集), imported from the 【参考】 ☞ entries of the blog export.\n"
    "# reading: generated with pykakasi for 五十音 order; check and correct it.\n"
    "# origin: the article the entry came from."
)
SOURCES_HEAD = (
    "# Sources (参考文献), one record per work, imported from the 【引用・参照・底本】 blocks.\n"
    "# Articles cite them by id (front matter 'sources', or [@id] in the text)."
)


def _glossary_toml(terms: list[_Term], note: str | None) -> str:
    out = [GLOSSARY_HEAD]
    if note:
        out.append(toml.key_value("note", note))
    out.extend(term_entry(t) for t in terms)
    return "\n\n".join(out) + "\n"


def _sources_toml(sources: list[_Source]) -> str:
    return "\n\n".join([SOURCES_HEAD, *(source_entry(s) for s in sources)]) + "\n"


def book_identifier(series: str) -> str:
    """Stable identifier of the book of a series: urn:uuid:uuid5(series name)."""
    return f"urn:uuid:{uuid.uuid5(SERIES_NAMESPACE, unicodedata.normalize('NFC', series))}"


def _book_toml(series: str, articles: list[_Article]) -> str:
    first, last = articles[0].post.date.date(), articles[-1].post.date.date()
    span = f"{first}" if first == last else f"{first} – {last}"
    lines = [
        "# The book. Written once by 'tougen-pub import' (an import with --force keeps this",
        "# file); edit freely. Fields marked 要記入 are not in the export: fill them in by hand.",
        "",
        toml.key_value("name", romaji_slug(series, SLUG_CHARS, "book")) + "  # output file name",
        toml.key_value("title", series),
    ]
    reading = kana_reading(series)
    if reading:
        lines.append(
            toml.key_value("title_reading", reading) + "  # generated with pykakasi; check it"
        )
    lines += [
        '# subtitle = ""  # 要記入 (optional)',
        'language = "ja"',
        toml.key_value("identifier", book_identifier(series))
        + "  # uuid5 of the series name; replace with urn:isbn:… if the book gets an ISBN",
        f"# date = {last}  # 要記入: publication date of this edition (posts: {span})",
        '# publisher = ""  # 要記入: not named in the export',
        '# rights = ""  # 要記入: e.g. © YEAR NAME; not stated in the export',
        '# description = ""  # 要記入 (optional)',
        "# articles: reading order as file stems; empty = by the NN- number of articles/*.md",
        "",
        "[series]",
        toml.key_value("name", series),
        "",
        "# 要記入: the author. The export does not name one; add a table per creator:",
        "# [[creators]]",
        '# name = ""      # as printed, e.g. 姓 名',
        '# file_as = ""   # reading, e.g. せい めい',
        '# role = "aut"   # aut author, edt editor, trl translator',
    ]
    return "\n".join(lines) + "\n"


def _check_kept_book(path: Path, book: _Book, diags: Diagnostics) -> None:
    """A kept book.toml listing articles that no longer exist (or missing new ones)."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    listed = data.get("articles")
    if not isinstance(listed, list) or not listed:
        return
    stems = [a.stem for a in book.articles]
    if listed != stems:
        diags.warning(
            "import-book-articles",
            "book.toml is kept but its 'articles' list differs from the imported articles ("
            + ", ".join(stems)
            + "); update it or remove it",
            SourceLocation(str(path)),
        )


# -- writing ------------------------------------------------------------------------------
def _write(into: Path, files: dict[str, str], *, keep_book: bool) -> None:
    """Build the manuscript in a temporary folder next to ``into``, then swap it in."""
    where = str(into)
    parent = into.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{into.name}.import-", dir=parent))
    except OSError as exc:
        raise _fail(
            "import-write", f"cannot write next to the target: {exc.strerror}", where
        ) from None
    try:
        os.chmod(tmp, 0o755)
        for rel in sorted(files):
            _write_file(tmp / rel, files[rel].encode("utf-8"))
        if keep_book:
            shutil.copyfile(into / BOOK, tmp / BOOK)
        _install(tmp, into)
    except OSError as exc:
        raise _fail(
            "import-write",
            f"cannot write the manuscript: {exc.strerror or exc}; the target is unchanged",
            where,
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _install(tmp: Path, into: Path) -> None:
    """Move the entries built in ``tmp`` into ``into``.

    A new folder is renamed into place as a whole. In an existing folder each entry
    (articles/, glossary.toml, sources.toml, book.toml) is swapped atomically, and if any
    swap fails the entries already swapped are put back, so the folder is either all old or
    all new; files of the folder that the import does not write are never touched.
    """
    if not into.exists():
        os.rename(tmp, into)
        return
    old = tmp / ".previous"
    old.mkdir()
    done: list[str] = []
    try:
        for name in sorted(os.listdir(tmp)):
            if name != old.name:
                _swap_in(tmp / name, into / name, old / name)
                done.append(name)
    except OSError:
        for name in reversed(done):
            with contextlib.suppress(OSError):
                os.rename(into / name, tmp / name)
                if os.path.lexists(old / name):
                    os.rename(old / name, into / name)
        raise


def _swap_in(new: Path, target: Path, aside: Path) -> None:
    """Put ``new`` at ``target``; a previous ``target`` ends up at ``aside``."""
    if not os.path.lexists(target):
        os.rename(new, target)
    elif _exchange(new, target):
        os.rename(new, aside)
    else:
        os.rename(target, aside)
        try:
            os.rename(new, target)
        except OSError:
            os.rename(aside, target)
            raise


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        func = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except (OSError, TypeError):  # no C library to ask (not a POSIX system)
        return False
    if func is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if func(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))
