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
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from tougen_pub.assets.images import intrinsic_size
from tougen_pub.ja import ROLE_LABELS, ROLE_NAMES, japanese_date
from tougen_pub.model import REF_IMAGE, Article, Book, Elsewhere, Note, Reference
from tougen_pub.render.links import (
    LinkTargets,
    article_anchor,
    resolve,
    source_anchor,
    term_anchor,
)
from tougen_pub.transforms.xhtml import parse, serialize

TEMPLATES = Path(__file__).parent / "templates" / "print"
PX = 0.75  # pt per CSS px

Fragment = Callable[[str], str]
# Block elements of a note, set as blocks inside a footnote element that sits in a line.
NOTE_BLOCKS = frozenset(
    [
        "p",
        "div",
        "blockquote",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "figure",
    ]
)


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
    # The largest an image may be, in pt, in the book page's orientation (width, height):
    # the text block. None: only the stylesheet's limits apply.
    image_box: tuple[float, float] | None = None
    # Vertical books are laid out on a landscape page that is then turned 90° clockwise:
    # images are turned back (-90°) so that they stand upright on the book page.
    rotate_images: bool = False
    # A volume of a series: the page, in its own volume, of each place of another volume
    # that this one names (anchor -> page); 「第2巻 p.34」
    elsewhere_pages: dict[str, int] = field(default_factory=dict)


def targets() -> LinkTargets:
    return LinkTargets(
        glossary=lambda key: "#" + term_anchor(key),
        source=lambda key: "#" + source_anchor(key),
        article=lambda slug: "#" + article_anchor(slug),
        anchor=lambda _slug, element: "#" + element,
    )


SUBHEADING = re.compile(r"<h([3-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
READING = re.compile(r"<rt\b[^>]*>.*?</rt>|<rp\b[^>]*>.*?</rp>|<[^>]+>", re.S)


def _titled(m: re.Match[str]) -> str:
    """A sub-heading with ruby gets its plain text (bases only) as ``data-title``: the PDF
    bookmark (print.css), which would otherwise read 「こうげん高原の写真」."""
    if "<rt" not in m.group(3) or "data-title=" in m.group(2):
        return m.group(0)
    plain = escape(unescape(READING.sub("", m.group(3))).strip())
    return f'<h{m.group(1)}{m.group(2)} data-title="{plain}">{m.group(3)}</h{m.group(1)}>'


def _px(value: str | None) -> float | None:
    """A width/height attribute of an image (CSS px); None when absent or not a number."""
    try:
        number = float((value or "").strip().removesuffix("px"))
    except ValueError:
        return None
    return number if number > 0 else None


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
        self._sizes: dict[str, tuple[float, float, bool] | None] = {}

    # -- fragments -------------------------------------------------------------------
    def fragment(self, html: str, *, composed: bool = True, notes: tuple[Note, ...] = ()) -> Markup:
        html = resolve(html, self.links)
        if 'src="' + REF_IMAGE in html:
            html = self.place_images(html)
        if notes and self.page.mode == "horizontal" and 'class="noteref"' in html:
            html = self.place_footnotes(html, notes)
        if "<rt" in html:
            html = SUBHEADING.sub(_titled, html)
        if composed:
            html = self.compose(html)
        return Markup(html)

    def place_images(self, html: str) -> str:
        """Point every image at its file in the manuscript (the fetcher checks it) and
        size it to the text block. An image alone in its paragraph becomes a figure block
        (not composed as a line), an image of a ``<figure>`` is sized as one; an image
        inside a line of text is set in a 1-em box, as the composer counts it. In vertical
        books images are turned upright."""
        root = parse(html)
        for parent in list(root.iter()):
            for img in [el for el in parent if el.tag == "img"]:
                src = img.get("src", "")
                if not src.startswith(REF_IMAGE):
                    continue
                rel = src.removeprefix(REF_IMAGE)
                img.set("src", (self.book.root / rel).resolve().as_uri())
                alone = (
                    parent.tag == "p"
                    and len(parent) == 1
                    and not (parent.text or "").strip()
                    and not (img.tail or "").strip()
                )
                if alone:
                    self._figure(parent, img, rel)
                elif parent.tag == "figure":
                    self._fit(parent, img, rel)
                else:
                    style = "width:1em;height:1em;object-fit:contain;max-width:none;max-height:none"
                    if self.page.rotate_images:
                        style += ";transform:rotate(-90deg)"
                    img.set("style", style)
        return serialize(root)

    def place_footnotes(self, html: str, notes: tuple[Note, ...]) -> str:
        """横組: each note right after its first call, as an element floated to the foot of
        the page (CSS ``float: footnote``); WeasyPrint leaves its call in its place."""
        by_call = {n.calls[0]: n for n in notes if n.calls}
        root = parse(html)
        for parent in list(root.iter()):
            for index, call in reversed(list(enumerate(parent))):
                note = by_call.get(call.get("id", "")) if call.tag == "a" else None
                if note is None:
                    continue
                body = parse(resolve(note.html, self.links))
                for el in body.iter():
                    if el.tag in NOTE_BLOCKS:  # block content of a note inside a line
                        el.set(
                            "class", " ".join([f"fn-{el.tag}", *(el.get("class") or "").split()])
                        )
                        el.tag = "span"
                fn = ET.Element(
                    "span", {"class": "fn", "id": note.anchor, "data-n": str(note.number)}
                )
                fn.text = body.text
                fn.extend(list(body))
                fn.tail, call.tail = call.tail, None
                parent.insert(index + 1, fn)
        return serialize(root)

    def end_notes(self, notes: tuple[Note, ...]) -> list[dict[str, object]]:
        """縦組: the notes of an article after its text (後注), each number linking back to
        its first call and set upright (tate-chu-yoko)."""
        if self.page.mode == "horizontal":
            return []
        out: list[dict[str, object]] = []
        for note in notes:
            number = (
                f'<a class="note-num" href="#{note.calls[0]}">'
                f'<span class="tcy">{note.number}</span></a>\u3000'
            )
            html = note.html
            html = "<p>" + number + html[3:] if html.startswith("<p>") else f"<p>{number}</p>{html}"
            out.append({"anchor": note.anchor, "html": self.fragment(html)})
        return out

    def _figure(self, block: ET.Element, img: ET.Element, rel: str) -> None:
        block.tag = "div"
        block.set("class", "figure")
        block.set("style", "text-indent:0;text-align:center;margin:0.5em 0;break-inside:avoid")
        self._fit(block, img, rel)

    def _fit(self, block: ET.Element, img: ET.Element, rel: str) -> None:
        """``img``, a child of ``block``, as a block of its display size, centred."""
        size = self.display_size(img, rel)
        if size is None:
            img.set("style", "display:block;margin:0 auto")
            return
        w, h = size
        fixed = f"width:{w:.2f}pt;height:{h:.2f}pt;max-width:none;max-height:none"
        if not self.page.rotate_images:
            img.set("style", f"display:block;margin:0 auto;{fixed}")
            return
        # On the landscape layout page the book's "up" points left: the image is drawn in
        # a box of swapped sides, turned a quarter counter-clockwise about its top left
        # corner and moved down by its own width, so it fills the box exactly.
        turn = ET.Element(
            "span",
            {
                "class": "figure-turn",
                "style": f"display:block;position:relative;margin:0 auto;"
                f"width:{h:.2f}pt;height:{w:.2f}pt",
            },
        )
        block[list(block).index(img)] = turn  # in its place (a caption may follow)
        turn.tail, img.tail = img.tail, None
        img.set(
            "style",
            f"position:absolute;left:0;top:0;{fixed};transform-origin:0 0;"
            f"transform:translate(0,{w:.2f}pt) rotate(-90deg)",
        )
        turn.append(img)

    def display_size(self, img: ET.Element, rel: str) -> tuple[float, float] | None:
        """The size (pt, book orientation) an image is printed at: its own size (or the
        width/height written on it, in CSS px), never larger than the text block."""
        box = self.page.image_box
        if box is None:
            return None
        if rel not in self._sizes:
            self._sizes[rel] = intrinsic_size(self.book.root, rel)
        natural = self._sizes[rel]
        if natural is None:
            return None
        nw, nh, definite = natural
        aw, ah = _px(img.get("width")), _px(img.get("height"))
        if aw and ah:
            nw, nh, definite = aw, ah, True
        elif aw:
            nw, nh, definite = aw, aw * nh / nw, True
        elif ah:
            nw, nh, definite = ah * nw / nh, ah, True
        w, h = nw * PX, nh * PX
        fit = min(box[0] / w, box[1] / h)
        # an SVG with only a viewBox has no size of its own: as large as the text block allows
        scale = fit if not definite else min(1.0, fit)
        return w * scale, h * scale

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
            other = self.book.elsewhere.get(item.article_slug or "")
            if other is not None:  # in another volume: 「第2巻 p.34」
                where = self.volume_page(other, article_anchor(other.slug))
                see_also.append({"title": other.title, "href": None, "url": None, "where": where})
            elif item.article_slug:
                target = self.book.article(item.article_slug)
                see_also.append(
                    {
                        "title": target.title,
                        "href": "#" + article_anchor(target.slug),
                        "url": None,
                        "where": None,
                    }
                )
            else:
                see_also.append({"title": item.title, "href": None, "url": item.url, "where": None})
        return {
            "art": art,
            "anchor": article_anchor(art.slug),
            "date": self.text(japanese_date(art.date)),
            "intro": self.fragment(art.intro_html, notes=art.notes)
            if art.intro_html.strip()
            else None,
            "sections": [
                {
                    "s": s,
                    "title": self.fragment(s.title_html) if s.title_html else self.text(s.title),
                    "html": self.fragment(s.html, notes=art.notes),
                }
                for s in art.sections
            ],
            "notes": self.end_notes(art.notes),
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
                    "elsewhere": self.elsewhere_refs(self.book.elsewhere_uses.get(entry.id, ())),
                }
            )
        return out

    def elsewhere_refs(self, refs: tuple[Reference, ...]) -> list[dict[str, object]]:
        """Uses in other volumes of a series, as the page lists print them:
        「冬の港の話（第1巻 p.12）」."""
        out: list[dict[str, object]] = []
        for ref in refs:
            other = self.book.elsewhere[ref.article_slug]
            out.append({"title": other.title, "where": self.volume_page(other, ref.anchor)})
        return out

    def volume_page(self, other: Elsewhere, anchor: str) -> Markup:
        """Where ``anchor`` of another volume is: 「第2巻 p.34」 (「第2巻」 while its page is
        not known)."""
        page = self.page.elsewhere_pages.get(anchor)
        return self.text(f"第{other.volume}巻" + (f" p.{page}" if page is not None else ""))

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
                    "elsewhere": self.elsewhere_refs(self.book.elsewhere_citations.get(src.id, ())),
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
