"""The print book as one HTML document for WeasyPrint, rendered from Jinja templates.

Parts in order: title page (扉), table of contents, one section per article, glossary
(用語集, 五十音 order, page references), bibliography (参考文献, pages that cite each work),
colophon (奥付). Neutral links become in-document anchors; page numbers are left to CSS
(``target-counter``). Body fragments pass through ``compose`` (the line composer) before
they are placed. Nothing here knows the writing mode except ``html[class]``: the same
document serves the horizontal and the vertical book, the stylesheets differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from tougen_pub.model import Article, Book, Reference
from tougen_pub.render.links import (
    LinkTargets,
    article_anchor,
    resolve,
    source_anchor,
    term_anchor,
)

TEMPLATES = Path(__file__).parent / "templates" / "print"
ROLE_LABELS = {"aut": "著", "edt": "編", "trl": "訳", "ill": "画", "pbl": "発行"}
ROLE_NAMES = {"aut": "著者", "edt": "編者", "trl": "訳者", "ill": "イラスト", "pbl": "発行者"}
IMAGE_SRC = re.compile(r'src="@image/([^"]*)"')

Fragment = Callable[[str], str]


def _identity(fragment: str) -> str:
    return fragment


@dataclass(frozen=True)
class PageRef:
    """A link whose text is the page number of its target (CSS target-counter)."""

    href: str
    label: str = ""  # e.g. the article title before the page number


@dataclass(frozen=True)
class PrintPage:
    """Everything the template needs that is not in the book itself."""

    mode: str  # "vertical" or "horizontal"
    lang: str
    stylesheets: tuple[str, ...] = ()
    inline_css: str = ""
    created: str | None = None  # W3C date for dcterms.created / modified
    fonts_note: str = ""  # for the colophon
    extra_meta: dict[str, str] = field(default_factory=dict)


def targets() -> LinkTargets:
    return LinkTargets(
        glossary=lambda key: "#" + term_anchor(key),
        source=lambda key: "#" + source_anchor(key),
        article=lambda slug: "#" + article_anchor(slug),
        anchor=lambda _slug, element: "#" + element,
    )


def japanese_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def first_per_article(refs: list[Reference]) -> list[Reference]:
    """One reference per article (its first use): different articles start on different
    pages, so the page list has no duplicates."""
    seen: set[str] = set()
    out = []
    for ref in refs:
        if ref.article_slug not in seen:
            seen.add(ref.article_slug)
            out.append(ref)
    return out


class PrintRenderer:
    """Render a book (already passed through its edition) into one HTML string."""

    def __init__(
        self,
        book: Book,
        page: PrintPage,
        *,
        compose: Fragment = _identity,
        inline: Fragment | None = None,
    ) -> None:
        self.book = book
        self.page = page
        self.compose = compose
        # text (dates, titles) -> XHTML with the edition's rules (tate-chu-yoko, numerals)
        self.inline = inline or (lambda text: str(escape(text)))
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.links = targets()

    # -- fragments -------------------------------------------------------------------
    def fragment(self, html: str, *, composed: bool = True) -> Markup:
        html = resolve(html, self.links)
        html = IMAGE_SRC.sub(
            lambda m: f'src="{(self.book.root / m.group(1)).resolve().as_uri()}"', html
        )
        if composed:
            html = self.compose(html)
        return Markup(html)

    def text(self, value: str | None) -> Markup:
        return Markup(self.inline(value or ""))

    # -- parts -----------------------------------------------------------------------
    def article_context(self, art: Article) -> dict[str, object]:
        body_ids = " ".join([art.intro_html, *(s.html for s in art.sections)])
        front_sources = [
            ref
            for ref in art.citations
            if f'id="{ref.anchor}"' not in body_ids and ref.target_id in self._source_ids
        ]
        see_also = []
        for item in art.see_also:
            if item.article_slug:
                target = self.book.article(item.article_slug)
                see_also.append(
                    {"title": target.title, "href": "#" + article_anchor(target.slug), "url": None}
                )
            else:
                see_also.append({"title": item.title, "href": None, "url": item.url})
        return {
            "art": art,
            "anchor": article_anchor(art.slug),
            "date": self.text(japanese_date(art.date)),
            "intro": self.fragment(art.intro_html) if art.intro_html.strip() else None,
            "sections": [
                {"s": s, "title": s.title, "html": self.fragment(s.html)} for s in art.sections
            ],
            "front_sources": [
                {
                    "anchor": ref.anchor,
                    "source": self.book.source(ref.target_id),
                    "number": self._source_number[ref.target_id],
                }
                for ref in front_sources
            ],
            "see_also": see_also,
        }

    def glossary_context(self) -> list[dict[str, object]]:
        out = []
        for entry in self.book.glossary:
            refs = first_per_article(self.book.uses_of_term(entry.id))
            out.append(
                {
                    "e": entry,
                    "anchor": term_anchor(entry.id),
                    "definition": self.fragment(entry.definition_html),
                    "pages": [
                        PageRef("#" + ref.anchor, self.book.article(ref.article_slug).title)
                        for ref in refs
                    ],
                }
            )
        return out

    def bibliography_context(self) -> list[dict[str, object]]:
        out = []
        for number, src in enumerate(self.book.sources, 1):
            refs = first_per_article(self.book.citations_of(src.id))
            out.append(
                {
                    "s": src,
                    "number": number,
                    "anchor": source_anchor(src.id),
                    "pages": [
                        PageRef("#" + ref.anchor, self.book.article(ref.article_slug).title)
                        for ref in refs
                    ],
                }
            )
        return out

    def render(self) -> str:
        book = self.book
        cfg = book.config
        self._source_ids = {s.id for s in book.sources}
        self._source_number = {s.id: i for i, s in enumerate(book.sources, 1)}
        authors = [c for c in cfg.creators if c.role == "aut"]
        creators = [
            {
                "name": c.name,
                "label": ROLE_LABELS.get(c.role, ""),
                "role": ROLE_NAMES.get(c.role, ""),
            }
            for c in cfg.creators
        ]
        template = self.env.get_template("book.html.jinja")
        return template.render(
            book=book,
            cfg=cfg,
            page=self.page,
            author=", ".join(c.name for c in authors)
            or (cfg.creators[0].name if cfg.creators else ""),
            creators=creators,
            edition_date=self.text(japanese_date(cfg.date)),
            articles=[self.article_context(a) for a in book.articles],
            glossary=self.glossary_context(),
            glossary_note=book.glossary_note,
            bibliography=self.bibliography_context(),
            text=self.text,
        )
