"""The EPUB's pages: one XHTML document per page kind, rendered from Jinja templates.

Article, glossary and source fragments come from the edition's book (tate-chu-yoko and
numerals already applied); their neutral links are resolved to file names here. What is
rendered knows nothing about the container: ``epub/builder.py`` turns the pages into a
zip with an OPF.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from tougen_pub.ja import ROLE_LABELS, ROLE_NAMES, japanese_date, kana_row
from tougen_pub.model import REF_IMAGE, Article, Book, Note, Reference
from tougen_pub.progress import progress
from tougen_pub.render.links import LinkTargets, resolve, source_anchor, term_anchor
from tougen_pub.transforms.passes import Edition, passes_for

TEMPLATES = Path(__file__).parent / "templates" / "epub"
TEXT_DIR = "text"  # XHTML documents, relative to the package folder
STYLE_DIR = "styles"
COVER_IMAGE = "images/cover.png"
STYLESHEETS = {
    "vertical": ("base.css", "epub.css", "epub-vertical.css"),
    "horizontal": ("base.css", "epub.css", "epub-horizontal.css"),
}
GUIDE_CLASS = {"vertical": "vrtl", "horizontal": "hltr"}  # 電書協 EPUB 3 制作ガイド
FILES = {
    "cover": "cover.xhtml",
    "titlepage": "titlepage.xhtml",
    "nav": "nav.xhtml",
    "glossary": "glossary.xhtml",
    "bibliography": "bibliography.xhtml",
    "colophon": "colophon.xhtml",
}
IMAGE_SRC_PREFIX = 'src="' + REF_IMAGE
IMAGE_SRC = re.compile(r'src="' + re.escape(REF_IMAGE) + r'([^"]*)"')
# A paragraph holding nothing but one image: set as a figure block (no indent, centred).
LONE_IMAGE = re.compile(r"<p>\s*(<img\b[^<>]*/>)\s*</p>")
# A ruby reading without its parentheses: readers without ruby show （かん） after the base.
RT_BARE = re.compile(r"(?<!</rp>)(<rt\b[^>]*>.*?</rt>)(?!\s*<rp\b)", re.DOTALL)
RP_WRAPPED = r"<rp>（</rp>\1<rp>）</rp>"
# Semantics for the reference links inside article and glossary fragments.
REF_SEMANTICS = {
    'class="glossary-ref"': 'class="glossary-ref" epub:type="glossref" role="doc-glossref"',
    'class="citation-ref"': 'class="citation-ref" epub:type="biblioref" role="doc-biblioref"',
    'class="noteref"': 'class="noteref" epub:type="noteref" role="doc-noteref"',
}


@dataclass(frozen=True)
class Page:
    """One XHTML document of the book, in reading order."""

    uid: str  # manifest id
    href: str  # path inside the package folder, e.g. text/ch001.xhtml
    kind: str  # cover, titlepage, nav, chapter, glossary, bibliography, colophon
    title: str
    content: bytes


@dataclass(frozen=True)
class TocEntry:
    """A table-of-contents line; ``href`` is relative to the text folder."""

    label: str
    href: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Landmark:
    type: str  # epub:type of the landmark
    label: str
    href: str


@dataclass(frozen=True)
class RenderedBook:
    """Everything the packager needs besides the cover image and the stylesheets."""

    pages: tuple[Page, ...]
    toc: tuple[TocEntry, ...]
    landmarks: tuple[Landmark, ...]
    stylesheets: tuple[str, ...]  # file names inside styles/
    has_ruby: bool
    has_tcy: bool
    chapter_files: dict[str, str] = field(default_factory=dict)  # article slug -> file name


def chapter_file(index: int) -> str:
    return f"ch{index:03d}.xhtml"


def iso_date(value: datetime) -> str:
    if value.tzinfo is None and (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.date().isoformat()
    return value.isoformat()


class EpubRenderer:
    """Renders the pages of one edition of a book."""

    def __init__(
        self,
        book: Book,
        edition: Edition,
        cover_alt: str,
        image_files: Mapping[str, str] | None = None,
    ) -> None:
        self.book = book
        self.edition = edition
        self.cover_alt = cover_alt
        # manuscript path of an image -> its file inside the package folder (images/…)
        self.image_files = dict(image_files or {})
        self.passes = [func for _name, func in passes_for(edition)]
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=template_code_cache(),
        )
        self.files = {art.slug: chapter_file(i) for i, art in enumerate(book.articles, 1)}
        self.source_numbers = {src.id: i for i, src in enumerate(book.sources, 1)}
        # lookups by key, built once (the Book's own lookups scan every article per call)
        self.titles = {art.slug: art.title for art in book.articles}
        self.sources_by_id = {src.id: src for src in book.sources}
        self.term_uses: dict[str, list[Reference]] = {}
        self.source_uses: dict[str, list[Reference]] = {}
        for art in book.articles:
            for ref in art.glossary_uses:
                self.term_uses.setdefault(ref.target_id, []).append(ref)
            for ref in art.citations:
                self.source_uses.setdefault(ref.target_id, []).append(ref)
        self.targets = LinkTargets(
            glossary=lambda key: f"{FILES['glossary']}#{term_anchor(key)}",
            source=lambda key: f"{FILES['bibliography']}#{source_anchor(key)}",
            article=lambda slug: self.files.get(slug, FILES["nav"]),
            anchor=lambda slug, anchor: f"{self.files[slug]}#{anchor}",
        )

    # -- helpers -------------------------------------------------------------------------

    def text(self, value: str) -> Markup:
        """Plain text with the edition's passes (tate-chu-yoko, numerals) applied."""
        out = str(escape(value))
        for func in self.passes:
            out = func(out)
        return Markup(out)

    def fragment(self, html: str) -> Markup:
        """A model fragment with its links resolved to this book's files."""
        out = resolve(html, self.targets)
        for plain, rich in REF_SEMANTICS.items():
            out = out.replace(plain, rich)
        if IMAGE_SRC_PREFIX in out:
            out = IMAGE_SRC.sub(self._image_src, out)
            out = LONE_IMAGE.sub(r'<div class="figure">\1</div>', out)
        if "<rt" in out:  # EPUB only: the print composer sets <rt> itself
            out = RT_BARE.sub(RP_WRAPPED, out)
        return Markup(out)

    def _image_src(self, m: re.Match[str]) -> str:
        """``@image/PATH`` -> the packaged file, relative to the text folder."""
        path = unescape(m.group(1))
        name = self.image_files.get(path)
        if name is None:  # the packager reads every image first: a writer bug
            raise KeyError(f"image {path!r} was not packaged")
        return f'src="{escape(posixpath.relpath(name, TEXT_DIR))}"'

    def backlinks(self, refs: Iterable[Reference]) -> list[dict[str, str]]:
        """One link per use; a second use in the same article is labelled （2）, …"""
        seen: dict[str, int] = {}
        out = []
        for ref in refs:
            seen[ref.article_slug] = seen.get(ref.article_slug, 0) + 1
            title = self.titles[ref.article_slug]
            label = title if seen[ref.article_slug] == 1 else f"{title}（{seen[ref.article_slug]}）"
            out.append({"href": self.targets.anchor(ref.article_slug, ref.anchor), "label": label})
        return out

    def elsewhere_links(self, refs: Iterable[Reference]) -> list[dict[str, str]]:
        """Uses in other volumes of a series: the post's address, the volume named."""
        out = []
        for ref in refs:
            other = self.book.elsewhere[ref.article_slug]
            out.append({"href": other.url or "", "label": f"{other.title}（第{other.volume}巻）"})
        return out

    def page(
        self, uid: str, name: str, kind: str, page_title: str, template: str, **ctx: object
    ) -> Page:
        mode = self.edition.writing_mode
        body_type = {
            "chapter": "bodymatter",
            "glossary": "backmatter",
            "bibliography": "backmatter",
        }
        content = self.env.get_template(template).render(
            lang=self.book.config.language,
            guide_class=GUIDE_CLASS[mode],
            page_title=page_title,
            stylesheets=[f"../{STYLE_DIR}/{css}" for css in STYLESHEETS[mode]],
            body_class=f"p-{kind}",
            body_type=body_type.get(kind, ""),
            **ctx,
        )
        return Page(uid, f"{TEXT_DIR}/{name}", kind, page_title, content.encode("utf-8"))

    # -- pages ---------------------------------------------------------------------------

    def render(self) -> RenderedBook:
        book = self.book
        pages = [self.cover(), self.titlepage()]
        chapters = []
        with progress(len(book.articles), "EPUB articles") as step:
            for art in book.articles:
                chapters.append(self.chapter(art))
                step()
        back = []
        if book.glossary:
            back.append(self.glossary())
        if book.sources:
            back.append(self.bibliography())
        back.append(self.colophon())
        toc = self.toc(back)
        landmarks = self.landmarks(chapters, back)
        pages.append(self.nav(toc, landmarks))
        pages += chapters + back
        html = "".join(s.title_html + s.html for a in book.articles for s in a.sections)
        html += "".join(a.intro_html for a in book.articles)
        html += "".join(e.definition_html for e in book.glossary)
        html += "".join(n.html for a in book.articles for n in a.notes)
        return RenderedBook(
            pages=tuple(pages),
            toc=tuple(toc),
            landmarks=tuple(landmarks),
            stylesheets=STYLESHEETS[self.edition.writing_mode],
            has_ruby="<ruby>" in html,
            has_tcy='class="tcy"' in html,
            chapter_files=dict(self.files),
        )

    def cover(self) -> Page:
        return self.page(
            "cover",
            FILES["cover"],
            "cover",
            "表紙",
            "cover.jinja",
            cover_src=f"../{COVER_IMAGE}",
            cover_alt=self.cover_alt,
        )

    def titlepage(self) -> Page:
        cfg = self.book.config
        creators = [
            {"name": c.name, "role_label": ROLE_LABELS.get(c.role, "")} for c in cfg.creators
        ]
        return self.page(
            "titlepage",
            FILES["titlepage"],
            "titlepage",
            cfg.title,
            "titlepage.jinja",
            series=self.text(cfg.series_label() or ""),
            title=self.text(cfg.title),
            subtitle=self.text(cfg.subtitle) if cfg.subtitle else "",
            creators=creators,
            publisher=cfg.publisher or "",
        )

    def chapter(self, art: Article) -> Page:
        index = int(self.files[art.slug][2:5])
        sections = [
            {
                "anchor": s.anchor,
                "title": self.fragment(s.title_html) if s.title_html else self.text(s.title),
                "role": s.role,
                "html": self.fragment(s.html),
            }
            for s in art.sections
        ]
        see_also = []
        for link in art.see_also:
            other = self.book.elsewhere.get(link.article_slug or "")
            if other is not None:  # in another volume: the post's address, the volume named
                see_also.append(
                    {
                        "title": other.title,
                        "href": other.url,
                        "internal": False,
                        "where": f"第{other.volume}巻",
                    }
                )
            elif link.article_slug in self.files or link.url:
                see_also.append(
                    {
                        "title": link.title,
                        "href": self.files[link.article_slug] if link.article_slug else link.url,
                        "internal": bool(link.article_slug),
                        "where": "" if link.article_slug else "本書未収録",
                    }
                )
        sources = [
            {
                "anchor": f"a{art.slug}-src-{sid}",
                "href": self.targets.source(sid),
                "number": self.text(str(self.source_numbers[sid])),
                "title": self.sources_by_id[sid].title,
            }
            for sid in art.sources
            if sid in self.source_numbers
        ]
        return self.page(
            f"ch{index:03d}",
            self.files[art.slug],
            "chapter",
            art.title,
            "article.jinja",
            anchor=f"a{art.slug}",
            number=index,
            series=art.series or "",
            title=self.text(art.title),
            date=self.text(japanese_date(art.date)) if art.date else "",
            date_iso=iso_date(art.date) if art.date else "",
            url=art.url or "",
            image_credit=art.image_credit or "",
            intro=self.fragment(art.intro_html) if art.intro_html.strip() else "",
            sections=sections,
            notes=[self.note(n) for n in art.notes],
            see_also=see_also,
            sources=sources,
        )

    def note(self, note: Note) -> dict[str, object]:
        """A footnote at the end of its chapter; its number links back to the first call."""
        back = (
            f'<a class="note-back" role="doc-backlink" href="#{note.calls[0]}">'
            f'<span class="tcy">{note.number}</span></a>\u3000'
        )
        html = note.html
        html = "<p>" + back + html[3:] if html.startswith("<p>") else f"<p>{back}</p>{html}"
        return {"anchor": note.anchor, "html": self.fragment(html)}

    def glossary(self) -> Page:
        groups: list[dict[str, object]] = []
        for entry in self.book.glossary:
            row = kana_row(entry.reading)
            if not groups or groups[-1]["label"] != row:
                groups.append(
                    {"label": row, "anchor": f"glossary-g{len(groups) + 1}", "entries": []}
                )
            entries = groups[-1]["entries"]
            assert isinstance(entries, list)
            entries.append(
                {
                    "anchor": term_anchor(entry.id),
                    "term": entry.term,
                    "reading": entry.reading if entry.reading != entry.term else "",
                    "definition": self.fragment(entry.definition_html),
                    "aliases": list(entry.aliases),
                    "uses": self.backlinks(self.term_uses.get(entry.id, [])),
                    "elsewhere": self.elsewhere_links(self.book.elsewhere_uses.get(entry.id, ())),
                }
            )
        return self.page(
            "glossary",
            FILES["glossary"],
            "glossary",
            "用語集",
            "glossary.jinja",
            note=self.book.glossary_note or "",
            groups=groups,
        )

    def bibliography(self) -> Page:
        sources = [
            {
                "anchor": source_anchor(src.id),
                "number": self.text(str(self.source_numbers[src.id])),
                "title": src.title,
                "publisher": src.publisher or "",
                "published": src.published or "",
                "accessed": src.accessed or "",
                "url": src.url or "",
                "cited_in": self.backlinks(self.source_uses.get(src.id, [])),
                "elsewhere": self.elsewhere_links(self.book.elsewhere_citations.get(src.id, ())),
            }
            for src in self.book.sources
        ]
        return self.page(
            "bibliography",
            FILES["bibliography"],
            "bibliography",
            "参考文献",
            "bibliography.jinja",
            sources=sources,
        )

    def colophon(self) -> Page:
        cfg = self.book.config
        rows: list[dict[str, object]] = []
        for creator in cfg.creators:
            rows.append({"label": ROLE_NAMES.get(creator.role, "著者"), "value": creator.name})
        if cfg.series:
            position = f" {cfg.series.position}" if cfg.series.position else ""  # as 扉
            rows.append({"label": "叢書", "value": self.text(cfg.series.name + position)})
        if cfg.date:
            rows.append(
                {
                    "label": "発行日",
                    "value": self.text(japanese_date(cfg.date)),
                }
            )
        if cfg.publisher:
            rows.append({"label": "発行者", "value": cfg.publisher})
        rows.append({"label": "識別子", "value": cfg.identifier})
        if self.book.articles:
            rows.append({"label": "初出", "value": "各章の冒頭に記載"})
        return self.page(
            "colophon",
            FILES["colophon"],
            "colophon",
            "奥付",
            "colophon.jinja",
            title=self.text(cfg.title),
            subtitle=self.text(cfg.subtitle) if cfg.subtitle else "",
            rows=rows,
            rights=cfg.rights or "",
        )

    def toc(self, back: list[Page]) -> list[TocEntry]:
        entries = [
            TocEntry(
                art.title,
                self.files[art.slug],
                tuple(
                    TocEntry(s.title, f"{self.files[art.slug]}#{s.anchor}") for s in art.sections
                ),
            )
            for art in self.book.articles
        ]
        entries += [TocEntry(p.title, p.href.rpartition("/")[2]) for p in back]
        return entries

    def landmarks(self, chapters: list[Page], back: list[Page]) -> list[Landmark]:
        marks = [
            Landmark("cover", "表紙", FILES["cover"]),
            Landmark("titlepage", "扉", FILES["titlepage"]),
            Landmark("toc", "目次", f"{FILES['nav']}#toc"),
        ]
        if chapters:
            marks.append(Landmark("bodymatter", "本文", chapters[0].href.rpartition("/")[2]))
        marks += [Landmark(p.kind, p.title, p.href.rpartition("/")[2]) for p in back]
        return marks

    def nav(self, toc: list[TocEntry], landmarks: list[Landmark]) -> Page:
        return self.page(
            "nav",
            FILES["nav"],
            "nav",
            "目次",
            "nav.jinja",
            toc=toc,
            landmarks=landmarks,
        )


class _QuietCodeCache(FileSystemBytecodeCache):
    """Jinja's compiled-template cache (like .pyc files: keyed by the template source's
    hash, holding code, never output); a cache that cannot be written is skipped."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_code_cache() -> FileSystemBytecodeCache | None:
    """Compiling the page templates costs more than rendering the seed book's pages; the
    compiled code is kept in Jinja's per-user temporary folder (``TOUGEN_TEMPLATE_CACHE=0``
    turns this off)."""
    if os.environ.get("TOUGEN_TEMPLATE_CACHE", "") == "0":
        return None
    try:
        return _QuietCodeCache()
    except (OSError, RuntimeError):  # no safe per-user folder
        return None


def render_pages(
    book: Book, edition: Edition, cover_alt: str, image_files: Mapping[str, str] | None = None
) -> RenderedBook:
    """Render every page of one edition (``book`` is the edition's book: passes applied).

    ``image_files`` maps the manuscript path of every image of the text to its file inside
    the package folder (``images/map.png``)."""
    return EpubRenderer(book, edition, cover_alt, image_files).render()


__all__ = ["Landmark", "Page", "RenderedBook", "TocEntry", "render_pages"]
