"""Load ``manuscript/`` into a checked :class:`~tougen_pub.model.Book`, collecting diagnostics.

Order: book.toml → sources.toml → glossary.toml → articles (front matter, markup scan,
Markdown per section) → cross-checks (order, references, see-also links).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from tougen_pub.config import BookConfig
from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.ingest.articles import ArticleLoader
from tougen_pub.ingest.glossary import (
    GlossaryFile,
    SourcesFile,
    check_unique,
    gojuon_key,
    load_toml_file,
    reading_of,
    slug_of,
)
from tougen_pub.ingest.mdext import Converter, Resolver
from tougen_pub.ingest.tomlfile import locate_key, parse_toml, read_text, validate_model
from tougen_pub.model import Book, GlossaryEntry, Source

BOOK_FILE = "book.toml"
GLOSSARY_FILE = "glossary.toml"
SOURCES_FILE = "sources.toml"




@dataclass(frozen=True)
class Paths:
    root: Path

    def display(self, *parts: str) -> str:
        return str(self.root.joinpath(*parts))


def load_book(root: Path) -> tuple[Book | None, Diagnostics]:
    """Load and check a manuscript folder; the Book is None when there are errors."""
    diags = Diagnostics()
    paths = Paths(root)
    if not root.is_dir():
        diags.error("manuscript-missing", "manuscript folder does not exist", SourceLocation(str(root)))
        return None, diags
    config = _load_config(paths, diags)
    sources = _load_sources(paths, diags)
    resolver = Resolver(source_numbers={s.id: i for i, s in enumerate(sources, 1)})
    glossary, note = _load_glossary(paths, resolver, diags)
    articles = ArticleLoader(paths.root, diags, resolver, sources).load_all(
        config.articles if config else []
    )
    if config is None or diags.errors:
        return None, diags
    book = Book(
        root=root,
        config=config,
        articles=tuple(articles),
        glossary=tuple(glossary),
        sources=tuple(sources),
        glossary_note=note,
    )
    if not book.articles:
        diags.error("manuscript-empty", "the manuscript has no articles", SourceLocation(paths.display("articles")))
        return None, diags
    return book, diags


def _load_config(paths: Paths, diags: Diagnostics) -> BookConfig | None:
    path = paths.root / BOOK_FILE
    display = paths.display(BOOK_FILE)
    if not path.is_file():
        diags.error("book-missing", "book.toml is missing (run 'tougen-pub import' or write one)", SourceLocation(display))
        return None
    text = read_text(path, display, diags)
    if text is None:
        return None
    data = parse_toml(text, display, diags, code="book-syntax")
    if data is None:
        return None
    config = validate_model(BookConfig, data, text, display, diags, code_prefix="book")
    if config is None:
        return None
    assert isinstance(config, BookConfig)
    if not config.creators:
        diags.warning(
            "book-placeholder",
            "no [[creators]]: the author is to be filled in (要記入)",
            SourceLocation(display),
        )
    return config


def _load_sources(paths: Paths, diags: Diagnostics) -> list[Source]:
    display = paths.display(SOURCES_FILE)
    data, text = load_toml_file(paths.root / SOURCES_FILE, display, SourcesFile, diags, "sources")
    if not isinstance(data, SourcesFile):
        return []
    check_unique(
        [(s.id, ("source", i, "id")) for i, s in enumerate(data.source)],
        text, display, diags, "source-duplicate-id", "source id",
    )
    urls = [(s.url, ("source", i, "url")) for i, s in enumerate(data.source) if s.url]
    seen: dict[str, int] = {}
    for url, key in urls:
        if url in seen:
            diags.warning(
                "source-duplicate-url",
                f"two sources have the same URL {url} (first at line {seen[url]}); merge them",
                SourceLocation(display, locate_key(text, key)),
            )
        else:
            seen[url] = locate_key(text, key) or 0
    return [
        Source(
            id=s.id,
            title=s.title,
            url=s.url,
            publisher=s.publisher,
            published=s.published,
            accessed=s.accessed,
            location=SourceLocation(display, locate_key(text, ("source", i))),
        )
        for i, s in enumerate(data.source)
    ]


def _load_glossary(
    paths: Paths, resolver: Resolver, diags: Diagnostics
) -> tuple[list[GlossaryEntry], str | None]:
    display = paths.display(GLOSSARY_FILE)
    data, text = load_toml_file(paths.root / GLOSSARY_FILE, display, GlossaryFile, diags, "glossary")
    if not isinstance(data, GlossaryFile):
        return [], None
    ids = [(t.id or slug_of(t.term)) for t in data.term]
    check_unique(
        [(ident, ("term", i, "id")) for i, ident in enumerate(ids)],
        text, display, diags, "glossary-duplicate-id", "glossary id",
    )
    names: list[tuple[str, tuple[str | int, ...]]] = []
    for i, rec in enumerate(data.term):
        names.append((rec.term, ("term", i, "term")))
        names.extend((alias, ("term", i, "aliases")) for alias in rec.aliases)
    check_unique(names, text, display, diags, "glossary-duplicate-term", "glossary term or alias")
    for ident, rec in zip(ids, data.term, strict=True):
        resolver.term_ids.setdefault(rec.term, ident)
        for alias in rec.aliases:
            resolver.term_ids.setdefault(alias, ident)
    entries = []
    for i, (ident, rec) in enumerate(zip(ids, data.term, strict=True)):
        line = locate_key(text, ("term", i, "definition"))
        where = SourceLocation(display, line)
        resolver.prefix = f"gl-{ident}"
        html = Converter(resolver).convert(rec.definition)
        entries.append(
            GlossaryEntry(
                id=ident,
                term=rec.term,
                reading=rec.reading or reading_of(rec.term),
                definition_html=html,
                aliases=tuple(rec.aliases),
                origin=rec.origin,
                location=SourceLocation(display, locate_key(text, ("term", i))),
            )
        )
        _ = where
    entries.sort(key=lambda e: gojuon_key(e.reading, e.term))
    return entries, data.note


def plain_text(fragment: str) -> str:
    """Text of an XHTML fragment (for character sets and searching)."""
    return "".join(ET.fromstring(f"<div>{fragment}</div>").itertext())
