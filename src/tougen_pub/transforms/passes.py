"""The ordered passes that turn the loaded book into one edition's book."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass

from tougen_pub.model import Article, Book, GlossaryEntry, Section
from tougen_pub.transforms.numerals import kanji_numerals
from tougen_pub.transforms.tcy import auto_tcy

Pass = Callable[[str], str]


@dataclass(frozen=True)
class Edition:
    """What distinguishes one output: writing mode and the vertical-only text rules."""

    writing_mode: str  # "vertical" or "horizontal"
    numerals: str = "arabic"  # "arabic" or "kanji" (vertical only)
    tcy: str = "auto"  # "auto" or "manual" (vertical only)
    #: names whose digits stay as written with kanji numerals (glossary terms and aliases)
    names: frozenset[str] = frozenset()

    @property
    def vertical(self) -> bool:
        return self.writing_mode == "vertical"


def passes_for(edition: Edition) -> list[tuple[str, Pass]]:
    """Named passes in order; kanji numerals come before tate-chu-yoko."""
    passes: list[tuple[str, Pass]] = []
    if edition.vertical and edition.numerals == "kanji":
        passes.append(("kanji-numerals", functools.partial(kanji_numerals, names=edition.names)))
    if edition.vertical and edition.tcy == "auto":
        passes.append(("auto-tcy", auto_tcy))
    return passes


def edition_of(book: Book, writing_mode: str, numerals: str | None = None) -> Edition:
    names = frozenset(n for e in book.glossary for n in (e.term, *e.aliases))
    return Edition(writing_mode, numerals or book.config.numerals, book.config.tcy, names)


def apply(book: Book, edition: Edition) -> Book:
    """A copy of the book with every XHTML fragment passed through the edition's passes."""
    passes = passes_for(edition)
    if not passes:
        return book

    def run(fragment: str) -> str:
        for _name, func in passes:
            fragment = func(fragment)
        return fragment

    def section(s: Section) -> Section:
        if not s.title_html:
            return dataclasses.replace(s, html=run(s.html), title=_run_text(run, s.title))
        heading = run(s.title_html)
        return dataclasses.replace(s, html=run(s.html), title=_plain(heading), title_html=heading)

    def article(a: Article) -> Article:
        sections = tuple(section(s) for s in a.sections)
        notes = tuple(dataclasses.replace(n, html=run(n.html)) for n in a.notes)
        return dataclasses.replace(a, intro_html=run(a.intro_html), sections=sections, notes=notes)

    def entry(e: GlossaryEntry) -> GlossaryEntry:
        return dataclasses.replace(e, definition_html=run(e.definition_html))

    return dataclasses.replace(
        book,
        articles=tuple(article(a) for a in book.articles),
        glossary=tuple(entry(e) for e in book.glossary),
    )


def _run_text(run: Pass, text: str) -> str:
    """A plain section title: numerals apply, tate-chu-yoko markup does not."""
    from html import escape

    return _plain(run(escape(text, quote=False)))


def _plain(fragment: str) -> str:
    """The text of an inline fragment as a reader sees it: ruby bases, no readings (the
    plain title of a heading whose ``title_html`` took the passes)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(f"<div>{fragment}</div>")
    for rt in root.iter("rt"):
        rt.text = ""
    return "".join(root.itertext())


__all__ = ["Edition", "Section", "apply", "edition_of", "passes_for"]
