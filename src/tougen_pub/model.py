"""The manuscript model: frozen records built from ``manuscript/`` by the loader.

Article bodies are kept as well-formed XHTML fragments whose cross references
are neutral (``href="@glossary/ID"``, ``@source/ID``, ``@article/SLUG``); each
writer resolves them to its own targets (EPUB file names, PDF anchors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tougen_pub.config import BookConfig
from tougen_pub.diagnostics import SourceLocation

# Neutral link targets written by the Markdown extensions, resolved by writers.
REF_GLOSSARY = "@glossary/"
REF_SOURCE = "@source/"
REF_ARTICLE = "@article/"
REF_IMAGE = "@image/"  # + manuscript-relative path, e.g. "@image/images/map.png" (an <img> src)


@dataclass(frozen=True)
class Section:
    """A ``##`` section of an article (概要, 詳細, 要点, …)."""

    title: str  # plain text, ruby bases only: table of contents, navigation, bookmarks
    anchor: str
    html: str
    location: SourceLocation
    role: str = ""  # "abstract" for 概要, "keypoints" for 要点, "" otherwise
    # the title as the heading prints it: an inline XHTML fragment (ruby, 傍点, tate-chu-yoko)
    title_html: str = ""


@dataclass(frozen=True)
class SeeAlso:
    """A "see also" link of an article: to another article of the book, or external."""

    title: str
    url: str | None
    article_slug: str | None  # set when the link points inside the book
    location: SourceLocation


@dataclass(frozen=True)
class Reference:
    """One use of a glossary term or a citation of a source inside an article."""

    target_id: str
    article_slug: str
    anchor: str  # id of the <a> element in the article, for back-links
    location: SourceLocation


@dataclass(frozen=True)
class Note:
    """A footnote of an article, numbered per article in order of first reference.

    Its calls in the article's fragments are ``<a class="noteref" href="#ANCHOR"
    id="CALL">`` (a superscript number); ``anchor`` is an id no other element of the book
    has, so each writer links to it within the article's own document."""

    number: int  # 1, 2, … in the article
    label: str  # as written: "1", "source-note"
    anchor: str  # fn-aSLUG-N
    calls: tuple[str, ...]  # ids of its calls in the text, in reading order
    html: str  # XHTML fragment: one or more paragraphs
    location: SourceLocation


@dataclass(frozen=True)
class Article:
    """One chapter of the book: an article of the series."""

    number: int
    slug: str
    title: str
    date: datetime | None
    url: str | None
    image_credit: str | None
    series: str | None
    intro_html: str  # content before the first ## heading (may be empty)
    sections: tuple[Section, ...]
    sources: tuple[str, ...]  # ids of sources cited (front matter and [@id] in the text)
    see_also: tuple[SeeAlso, ...]
    glossary_uses: tuple[Reference, ...]
    citations: tuple[Reference, ...]
    location: SourceLocation
    text_chars: frozenset[str] = field(default_factory=frozenset)
    # Images used by the article, as manuscript-relative paths (images/map.png); their <img>
    # elements have src="@image/images/map.png". Packagers copy these files.
    images: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()  # footnotes in number order


@dataclass(frozen=True)
class GlossaryEntry:
    """A term of the glossary (用語集)."""

    id: str
    term: str
    reading: str
    definition_html: str
    aliases: tuple[str, ...]
    origin: str | None
    location: SourceLocation
    images: tuple[str, ...] = ()  # manuscript-relative paths of images in the definition


@dataclass(frozen=True)
class Source:
    """A work cited by the articles: one record per work, however many articles cite it."""

    id: str
    title: str
    url: str | None
    publisher: str | None
    published: str | None
    accessed: str | None
    location: SourceLocation


@dataclass(frozen=True)
class Elsewhere:
    """An article of the series printed in another volume: what a link to it shows."""

    slug: str
    title: str
    url: str | None
    volume: int  # its volume's number (第N巻)
    name: str  # its volume's output name (NAME-vol02)


@dataclass(frozen=True)
class Book:
    """The whole manuscript, loaded and checked."""

    root: Path
    config: BookConfig
    articles: tuple[Article, ...]
    glossary: tuple[GlossaryEntry, ...]  # in 五十音 order of the readings
    sources: tuple[Source, ...]
    glossary_note: str | None = None
    # A volume of a series: articles of the other volumes that links may point to, by slug
    elsewhere: dict[str, Elsewhere] = field(default_factory=dict)
    # ... and the uses of its glossary terms and citations of its sources in other volumes
    # (term or source id -> first use per article, in reading order)
    elsewhere_uses: dict[str, tuple[Reference, ...]] = field(default_factory=dict)
    elsewhere_citations: dict[str, tuple[Reference, ...]] = field(default_factory=dict)
    volume: int | None = None  # its number, when the book is one volume of several

    def article(self, slug: str) -> Article:
        for art in self.articles:
            if art.slug == slug:
                return art
        raise KeyError(slug)

    def glossary_entry(self, entry_id: str) -> GlossaryEntry:
        for entry in self.glossary:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def source(self, source_id: str) -> Source:
        for src in self.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)

    def uses_of_term(self, entry_id: str) -> list[Reference]:
        return [
            ref for art in self.articles for ref in art.glossary_uses if ref.target_id == entry_id
        ]

    def citations_of(self, source_id: str) -> list[Reference]:
        return [ref for art in self.articles for ref in art.citations if ref.target_id == source_id]

    def chars(self) -> frozenset[str]:
        """Every character of the book's text (for font subsetting and coverage)."""
        out: set[str] = set()
        for art in self.articles:
            out |= art.text_chars
        return frozenset(out)
