"""Load ``manuscript/`` into a checked :class:`~tougen_pub.model.Book`, collecting diagnostics.

Order: book.toml → sources.toml → glossary.toml → articles (front matter, markup scan,
Markdown per section) → cross-checks (order, references, see-also links) → the images the
text uses, decoded as the writers will (headers of raster images, SVG parsed), so that
``check``, ``build epub`` and ``build pdf`` refuse the same files at the same places.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from tougen_pub.assets.images import check_images
from tougen_pub.config import BookConfig
from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.ingest.articles import ArticleLoader, Locator
from tougen_pub.ingest.glossary import (
    GlossaryFile,
    SourcesFile,
    check_unique,
    load_toml_file,
    outside_check,
    slug_of,
)
from tougen_pub.ingest.images import ImageChecker
from tougen_pub.ingest.mdext import Converter, Resolver
from tougen_pub.ja import gojuon_key, reading_of
from tougen_pub.model import Book, GlossaryEntry, Source
from tougen_pub.records.tomlfile import locate_key, parse_toml, read_text, validate_model

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
        diags.error(
            "manuscript-missing", "manuscript folder does not exist", SourceLocation(str(root))
        )
        return None, diags
    config = _load_config(paths, diags)
    before = len(diags.errors)
    sources = _load_sources(paths, diags)
    sources_failed = len(diags.errors) > before
    resolver = Resolver(source_numbers={s.id: i for i, s in enumerate(sources, 1)})
    before = len(diags.errors)
    converter = Converter(resolver)  # one Markdown engine for the glossary and the articles
    glossary, note = _load_glossary(paths, converter, diags)
    loader = ArticleLoader(paths.root, diags, resolver, sources, converter=converter)
    loader.glossary_failed = len(diags.errors) > before and not glossary
    loader.sources_failed = sources_failed and not sources
    articles = loader.load_all(config.articles if config else [])
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
        diags.error(
            "manuscript-empty",
            "the manuscript has no articles",
            SourceLocation(paths.display("articles")),
        )
        return None, diags
    check_images(book, diags)  # decoded once here: check, EPUB and PDF refuse alike
    if diags.errors:
        return None, diags
    return book, diags


def read_config(root: Path) -> BookConfig | None:
    """book.toml alone (None when it is missing or invalid; see :func:`load_book` for why)."""
    return _load_config(Paths(root), Diagnostics())


def _load_config(paths: Paths, diags: Diagnostics) -> BookConfig | None:
    path = paths.root / BOOK_FILE
    display = paths.display(BOOK_FILE)
    if not path.is_file():
        diags.error(
            "book-missing",
            "book.toml is missing (run 'tougen-pub import' or write one)",
            SourceLocation(display),
        )
        return None
    if not outside_check(path, display, diags):
        return None
    text = read_text(path, display, diags)
    if text is None:
        return None
    data = parse_toml(text, display, diags, code="book-syntax", key_codes={"date": "bad-date"})
    if data is None:
        return None
    config = validate_model(
        BookConfig, data, text, display, diags, code_prefix="book", key_codes={"date": "bad-date"}
    )
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
        text,
        display,
        diags,
        "source-duplicate-id",
        "source id",
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
    paths: Paths, converter: Converter, diags: Diagnostics
) -> tuple[list[GlossaryEntry], str | None]:
    resolver = converter.resolver
    display = paths.display(GLOSSARY_FILE)
    data, text = load_toml_file(
        paths.root / GLOSSARY_FILE, display, GlossaryFile, diags, "glossary"
    )
    if not isinstance(data, GlossaryFile):
        return [], None
    ids = [(t.id or slug_of(t.term)) for t in data.term]
    clashing = _check_names(data, text, display, diags)
    first_id: dict[str, int] = {}
    for i, (ident, rec) in enumerate(zip(ids, data.term, strict=True)):
        if ident not in first_id:
            first_id[ident] = i
            continue
        if i in clashing:
            continue  # the same name twice: already reported
        first_line = locate_key(text, ("term", first_id[ident]))
        if rec.id:
            message = f"glossary id '{ident}' is defined twice (first at line {first_line})"
        else:
            message = (
                f"the id '{ident}' made from the term '{rec.term}' is already used by the entry "
                f'at line {first_line}; give this entry its own id = "…"'
            )
        diags.error(
            "glossary-duplicate-id",
            message,
            SourceLocation(display, locate_key(text, ("term", i, "id"))),
        )
    for ident, rec in zip(ids, data.term, strict=True):
        resolver.term_ids.setdefault(rec.term, ident)
        for alias in rec.aliases:
            resolver.term_ids.setdefault(alias, ident)
    entries = []
    lines = text.split("\n")
    for i, (ident, rec) in enumerate(zip(ids, data.term, strict=True)):
        line = locate_key(text, ("term", i, "definition")) or 1
        # a multi-line string starts on the line after 'definition = """'
        first = line + 1 if lines[line - 1].rstrip().endswith(('"""', "'''")) else line
        resolver.prefix = f"gl-{ident}"
        images = ImageChecker(paths.root, paths.root)
        converter.images = images.check
        html = converter.convert(rec.definition)
        ArticleLoader.report_to(diags, converter.findings, Locator(rec.definition, first), display)
        entries.append(
            GlossaryEntry(
                id=ident,
                term=rec.term,
                reading=rec.reading or reading_of(rec.term),
                definition_html=html,
                aliases=tuple(rec.aliases),
                origin=rec.origin,
                location=SourceLocation(display, locate_key(text, ("term", i))),
                images=tuple(images.used),
            )
        )
    entries.sort(key=lambda e: gojuon_key(e.reading, e.term))
    return entries, data.note


def _check_names(data: GlossaryFile, text: str, display: str, diags: Diagnostics) -> set[int]:
    """A term or alias may name one entry only (compared after NFKC, so ＰＦＰ is PFP);
    an alias repeating its own entry's term is only redundant. Returns the entries in error."""
    seen: dict[str, tuple[int, str, int | None]] = {}
    clashing: set[int] = set()
    for i, rec in enumerate(data.term):
        names = [(rec.term, ("term", i, "term"))]
        names += [(alias, ("term", i, "aliases")) for alias in rec.aliases]
        for name, key in names:
            norm = unicodedata.normalize("NFKC", name).strip()
            line = locate_key(text, key)
            where = SourceLocation(display, line)
            if norm not in seen:
                seen[norm] = (i, name, line)
                continue
            first_entry, first_name, first_line = seen[norm]
            at = f" at line {first_line}" if first_line else ""
            if first_entry == i:
                diags.warning(
                    "glossary-redundant-alias",
                    f"'{name}' is listed twice for the same term",
                    where,
                )
            else:
                clashing.add(i)
                diags.error(
                    "glossary-duplicate-term",
                    f"'{name}' is already a term or alias of '{data.term[first_entry].term}'"
                    f"{at} (as '{first_name}'); a name may lead to one entry only",
                    where,
                )
    return clashing


def plain_text(fragment: str) -> str:
    """Text of an XHTML fragment (for character sets and searching)."""
    return "".join(ET.fromstring(f"<div>{fragment}</div>").itertext())
