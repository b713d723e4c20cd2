"""The XHTML adapter of the composer: composes the paragraphs of an XHTML fragment.

Every ``<p>`` and list item is flattened into atoms (one per character; ruby and
tate-chu-yoko spans as opaque boxes), broken into lines by :mod:`.core`, and rebuilt as one
``<span class="ln">`` per line, a no-wrap block with the line's letter-spacing. Inline markup
(links, citations, emphasis, ruby, tate-chu-yoko spans) is kept: an element that crosses a
line end is split into one copy per line (its ``id`` stays on the first copy).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tougen_pub import ja
from tougen_pub.pdf.compose.core import BOX, LAT, SPACE, Atom, Line, char_atom, compose
from tougen_pub.pdf.compose.jlreq import CLOSING, OPENING, is_cjk
from tougen_pub.transforms.xhtml import parse, serialize

Advance = Callable[[str], float]

BLOCK_TAGS = frozenset(
    {
        "p",
        "ul",
        "ol",
        "li",
        "div",
        "blockquote",
        "table",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dl",
        "dt",
        "dd",
        "figure",
        "hr",
        "section",
    }
)
# Inline-start indent (em) each container adds; the stylesheet must use the same values.
CONTAINER_INDENT = {"ul": 1.5, "ol": 1.5, "blockquote": 2.0}
RUBY_SCALE = 0.5  # ruby text size relative to the base
NOTE_CALL_SCALE = 0.6  # footnote call (superscript) size; print.css: .noteref sup
EMPHASIS_CLASS = "bt"  # 傍点: a character of <em> that print.css dots
# punctuation takes no dot (small kana, ー and 々 do)
NO_DOT = CLOSING | OPENING | ja.DIVIDING_PUNCTUATION | ja.MIDDLE_DOTS | frozenset("\u3000…‥―〜～")
NO_DOT_TAGS = frozenset({"ruby", "rt", "rp", "code", "pre", "img", "br"})
LINE_CLASS = "ln"
# The most frequent per-line and per-character declarations are set by class, not by a
# ``style`` attribute: WeasyPrint shares one computed style among siblings with the same
# classes and parent style, but never among elements with a ``style`` attribute (nor among
# their descendants). The stylesheet (print.css) gives each class its declaration, marked
# ``!important`` so that it wins as the attribute would.
STYLE_CLASSES = {
    "margin-right:0.25em": "sp",  # the quarter-em space between Japanese and Latin text
    "padding-left:1em": "ind",  # the first-line indent of a paragraph
}


@dataclass(frozen=True)
class Settings:
    """What the adapter needs to know about the page."""

    advance: Advance  # body face advances in em
    measure: float  # line length in em
    indent: float = 1.0  # first-line indent of paragraphs (字下げ)
    tcy: frozenset[str] = frozenset()  # vertical: strings the font sets as one 1-em glyph
    #: a curly quote next to a Latin letter (Russia’s, “new”) as the face sets it in a
    #: ``span.lq``: (advance, blank cut before, blank cut after) in em; None: as text
    latin_quote: Callable[[str], tuple[float, float, float]] | None = None


@dataclass
class _Item:
    atom: Atom
    chain: tuple[ET.Element, ...]  # inline ancestors inside the block, outermost first
    box: ET.Element | None = None  # rendered element for BOX atoms


def compose_fragment(fragment: str, settings: Settings) -> str:
    """Compose every paragraph and list item of an XHTML fragment."""
    root = parse(fragment)
    mark_emphasis(root)
    _walk(root, settings, 0.0)
    ruby_boxes(root, settings)
    return serialize(root)


def ruby_boxes(root: ET.Element, s: Settings) -> None:
    """Ruby outside composed lines (table cells, headings) as the same boxes as in lines:
    the reading over its base, never run into the text after it."""
    for parent in list(root.iter()):
        for index in reversed(range(len(parent))):
            ruby = parent[index]
            if ruby.tag != "ruby":
                continue
            boxes = [item.box for item in _ruby(ruby, (), s) if item.box is not None]
            if boxes:
                boxes[-1].tail = ruby.tail
                parent[index : index + 1] = boxes


def takes_dot(ch: str) -> bool:
    """Characters that get a 傍点 (sesame dot): Japanese letters, not punctuation."""
    return is_cjk(ch) and ch not in NO_DOT


def mark_emphasis(root: ET.Element) -> None:
    """傍点 (sesame dots) for ``<em>``: every Japanese character inside it (and every
    tate-chu-yoko span) is wrapped in ``<span class="bt">``, which the stylesheet dots
    with a generated ﹅ beside (縦組) or above (横組) it. Ruby, code and Latin are left as
    they are. One span per character: the composer may break a line anywhere between."""

    def wrap(text: str) -> tuple[str, list[ET.Element]]:
        """The leading text and the elements that take the place of ``text``."""
        lead, out = "", []
        for ch in text:
            if takes_dot(ch):
                out.append(ET.Element("span", {"class": EMPHASIS_CLASS}))
                out[-1].text = ch
            elif out:
                out[-1].tail = (out[-1].tail or "") + ch
            else:
                lead += ch
        return lead, out

    def dot(el: ET.Element) -> None:
        lead, spans = wrap(el.text or "")
        el.text = lead or None
        new: list[ET.Element] = list(spans)
        for kid in list(el):
            if kid.tag == "span" and "tcy" in (kid.get("class") or "").split():
                holder = ET.Element("span", {"class": EMPHASIS_CLASS})
                holder.append(kid)
                holder.tail, kid.tail = kid.tail, None
                kid = holder
            elif kid.tag not in NO_DOT_TAGS:
                dot(kid)
            new.append(kid)
            tail, spans = wrap(kid.tail or "")
            kid.tail = tail or None
            new.extend(spans)
        for kid in list(el):
            el.remove(kid)
        el.extend(new)

    def walk(el: ET.Element) -> None:
        for kid in el:
            if kid.tag == "em":
                dot(kid)
            elif kid.tag not in NO_DOT_TAGS:
                walk(kid)

    walk(root)


def _walk(el: ET.Element, s: Settings, inset: float) -> None:
    for child in list(el):
        tag = child.tag
        if tag == "p" or tag == "li":
            _compose_block(child, s, inset, s.indent if tag == "p" and el.tag != "li" else 0.0)
        if tag in BLOCK_TAGS and tag not in ("p", "pre", "table"):
            _walk(child, s, inset + CONTAINER_INDENT.get(tag, 0.0))


def _compose_block(block: ET.Element, s: Settings, inset: float, indent: float) -> None:
    """Replace the leading inline content of ``block`` by composed lines."""
    children = list(block)
    cut = next((k for k, c in enumerate(children) if c.tag in BLOCK_TAGS), len(children))
    inline, rest = children[:cut], children[cut:]
    items = list(_flatten(block.text or "", inline, (), s))
    if not items:
        return
    for child in children:
        block.remove(child)
    block.text = None
    measure = s.measure - inset
    out: list[ET.Element] = []
    for segment in _segments(items):
        atoms = [it.atom for it in segment]
        lines = compose(atoms, measure, indent if not out else 0.0)
        for n, line in enumerate(lines):
            out.append(_render_line(segment, line, indent if not out and n == 0 else 0.0, s))
    cls = (block.get("class") or "").split()
    if len(out) == 1 and not rest and block.get("style") is None and _may_be_line(block, out[0]):
        # a paragraph or list item of one line is that line (one block box fewer)
        (only,) = out
        block.text = only.text
        block.extend(only)
        block.set("class", " ".join([*(only.get("class") or "").split(), *cls, "composed"]))
        if only.get("style") is not None:
            block.set("style", only.get("style", ""))
        return
    for el in out:
        block.append(el)
    for el in rest:
        block.append(el)
    block.set("class", " ".join([*cls, "composed"]))


def _may_be_line(block: ET.Element, line: ET.Element) -> bool:
    """Whether ``block`` can take the place of its only line. A list item only when the
    line has no spacing of its own: its marker would inherit it."""
    return block.tag == "p" or (block.tag == "li" and line.get("style") is None)


def _segments(items: list[_Item]) -> Iterator[list[_Item]]:
    """Split at forced line breaks (<br/>)."""
    seg: list[_Item] = []
    for it in items:
        if it.box is not None and it.box.tag == "br":
            yield seg
            seg = []
        else:
            seg.append(it)
    if seg:
        yield seg


def _flatten(
    text: str, children: list[ET.Element], chain: tuple[ET.Element, ...], s: Settings
) -> Iterator[_Item]:
    prev: list[Atom | None] = [None]

    def chars(t: str, ch: tuple[ET.Element, ...]) -> Iterator[_Item]:
        for n, c in enumerate(t):
            if c in "\n\t\r":
                c = " "
            if c in ja.WESTERN_QUOTES and s.latin_quote is not None:
                after = t[n + 1 : n + 2]
                before = prev[0].last if prev[0] is not None else ""
                if _latin_letter(before) or _latin_letter(after):
                    width, cut_left, cut_right = s.latin_quote(c)
                    prev[0] = atom = char_atom(c, width, prev[0])
                    yield _Item(atom, ch, _latin_quote(c, cut_left, cut_right))
                    continue
            atom = char_atom(c, s.advance(c), prev[0])
            if atom.kind == SPACE and prev[0] is not None and prev[0].kind == SPACE:
                continue  # collapse white space as HTML does
            if atom.kind == SPACE and prev[0] is None:
                continue
            prev[0] = atom
            yield _Item(atom, ch)

    def walk(t: str, kids: list[ET.Element], ch: tuple[ET.Element, ...]) -> Iterator[_Item]:
        yield from chars(t, ch)
        for kid in kids:
            if kid.tag == "ruby":
                for item in _ruby(kid, ch, s):
                    prev[0] = item.atom
                    yield item
            elif kid.tag == "br":
                prev[0] = None
                yield _Item(Atom("\n", 0.0, BOX, spaced=False), ch, kid)
            elif kid.tag == "img":
                prev[0] = None
                yield _Item(Atom("\ufffc", 1.0, BOX, spaced=False), ch, kid)
            elif kid.tag == "a" and "noteref" in (kid.get("class") or "").split():
                yield _note_call(kid, ch, s)
                prev[0] = None
            elif kid.tag == "span" and "fn" in (kid.get("class") or "").split():
                # a footnote floated to the page foot (横組): nothing on the line, kept
                # right after its call
                yield _Item(Atom("\ufffc", 0.0, BOX, spaced=False, glue=True), ch, kid)
            elif (
                kid.tag == "span"
                and "tcy" in (kid.get("class") or "").split()
                and "".join(kid.itertext()) in s.tcy
            ):
                body = "".join(kid.itertext())
                atom = Atom(body, 1.0, BOX, spaced=True)
                prev[0] = atom
                yield _Item(atom, ch, _shallow_copy(kid, body))
            else:
                yield from walk(kid.text or "", list(kid), (*ch, kid))
            if kid.tail:
                yield from chars(kid.tail, ch)

    items = list(walk(text, children, chain))
    while items and items[-1].atom.kind == SPACE:
        items.pop()
    yield from items


def _note_call(call: ET.Element, chain: tuple[ET.Element, ...], s: Settings) -> _Item:
    """A footnote call: a superscript number in a box of its own width, never the first
    thing on a line (it stays with the word it belongs to)."""
    body = "".join(call.itertext())
    natural = 1.0 if body in s.tcy else sum(s.advance(c) for c in body)
    width = round(natural * NOTE_CALL_SCALE, 4)
    box = ET.Element(call.tag, dict(call.attrib))
    box.text = call.text
    box.extend(list(call))
    box.set("style", f"width:{_fmt(width)}")
    return _Item(Atom(body, width, BOX, spaced=False, glue=True), chain, box)


def _latin_letter(ch: str) -> bool:
    return ch.isalnum() and ch.isascii() or "\u00c0" <= ch <= "\u024f"


def _latin_quote(ch: str, cut_left: float, cut_right: float) -> ET.Element:
    """``span.lq``: the face's proportional (vertical: sideways) form of a curly quote,
    its blank beyond a thin side bearing cut by negative margins."""
    el = ET.Element("span", {"class": "lq"})
    _add_margins(el, -cut_left, -cut_right)
    el.text = ch
    return el


def _shallow_copy(el: ET.Element, text: str) -> ET.Element:
    out = ET.Element(el.tag, dict(el.attrib))
    out.text = text
    return out


def _ruby(ruby: ET.Element, chain: tuple[ET.Element, ...], s: Settings) -> Iterator[_Item]:
    """One box per base/reading pair: ``<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>``."""
    base = ruby.text or ""
    for kid in ruby:
        if kid.tag == "rt":
            reading = "".join(kid.itertext())
            yield _ruby_item(base, reading, chain, s)
            base = ""
        elif kid.tag == "rb":
            base += "".join(kid.itertext())
        if kid.tail:
            base += kid.tail
    if base:
        yield _ruby_item(base, "", chain, s)


def _ruby_item(base: str, reading: str, chain: tuple[ET.Element, ...], s: Settings) -> _Item:
    bw = sum(s.advance(c) for c in base)
    rw = sum(s.advance(c) for c in reading) * RUBY_SCALE
    width = max(bw, rw)
    box = ET.Element("span", {"class": "ruby"})
    if width > bw + 1e-6:
        box.set("style", f"width:{width:.4f}em")
    if reading:
        rt = ET.SubElement(box, "span", {"class": "rt"})
        rt.text = reading
    rb = ET.SubElement(box, "span", {"class": "rb"})
    rb.text = base
    over = (width - bw) / 2 if width > bw + 1e-6 else 0.0
    return _Item(Atom(base, width, BOX, spaced=False, ruby_over=over), chain, box)


def _fmt(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") + "em"


def _render_line(items: list[_Item], line: Line, indent: float, s: Settings) -> ET.Element:
    style = []
    if line.letter_spacing:
        style.append(f"letter-spacing:{_fmt(line.letter_spacing)}")
    if line.word_spacing:
        style.append(f"word-spacing:{_fmt(line.word_spacing)}")
    if indent:
        style.append(f"padding-left:{_fmt(indent)}")
    out = ET.Element("span", {"class": f"{LINE_CLASS} {line.how}"})
    _set_style(out, style)
    stack: list[tuple[ET.Element, ET.Element]] = []  # (source element, its copy)
    lat: ET.Element | None = None  # the open Latin run (letter-spacing 0)
    lat_closed = False  # the run got a right margin: the next Latin atom starts a new run

    def parent() -> ET.Element:
        return stack[-1][1] if stack else out

    def put_text(el: ET.Element, t: str) -> None:
        if len(el):
            el[-1].tail = (el[-1].tail or "") + t
        else:
            el.text = (el.text or "") + t

    for k in range(line.start, line.end):
        it = items[k]
        # align open elements with the item's chain
        depth = 0
        while depth < len(stack) and depth < len(it.chain) and stack[depth][0] is it.chain[depth]:
            depth += 1
        if depth < len(stack):
            del stack[depth:]
            lat = None
        for src in it.chain[depth:]:
            copy = ET.SubElement(parent(), src.tag, dict(src.attrib))
            if src.get("id"):
                src.attrib.pop("id")  # later copies of a split element carry no id
            stack.append((src, copy))
            lat = None
        left, right = line.margins.get(k, (0.0, 0.0))
        atom = it.atom
        if it.box is not None:
            box = it.box
            if box.get("class") == "lq":
                box = _in_latin_run(box, line.latin_spacing)
            if left or right:
                _add_margins(box, left, right)
            box.tail = None
            parent().append(box)
            lat = None
        elif (
            atom.kind in (LAT, SPACE)
            and (lat is None or lat_closed)
            and not (line.letter_spacing or left or right)
        ):
            # a line without letter-spacing needs no Latin run for spacing 0
            put_text(parent(), atom.text)
            lat = None
        elif atom.kind in (LAT, SPACE):
            if lat is None or lat_closed:
                lat = ET.SubElement(parent(), "span", {"class": "lat"})
                if line.latin_spacing:
                    lat.set("style", f"letter-spacing:{_fmt(line.latin_spacing)}")
                lat_closed = False
            if left:
                _add_margins(lat, left, 0.0)
            put_text(lat, atom.text)
            if right:
                _add_margins(lat, 0.0, right)
                lat_closed = True
        else:
            lat = None
            if left or right:
                span = ET.SubElement(parent(), "span")
                _add_margins(span, left, right)
                span.text = atom.text
            else:
                put_text(parent(), atom.text)
    return out


def _in_latin_run(quote: ET.Element, spacing: float) -> ET.Element:
    """A Latin-context quote inside a ``span.lat`` of its own (the line's Latin spacing)."""
    run = ET.Element("span", {"class": "lat"})
    if spacing:
        run.set("style", f"letter-spacing:{_fmt(spacing)}")
    run.append(quote)
    return run


def _add_margins(el: ET.Element, left: float, right: float) -> None:
    parts = [p for p in (el.attrib.pop("style", "")).split(";") if p]
    if left:
        parts.append(f"margin-left:{_fmt(left)}")
    if right:
        parts.append(f"margin-right:{_fmt(right)}")
    _set_style(el, parts)


def _set_style(el: ET.Element, declarations: list[str]) -> None:
    """Give ``el`` the declarations: a class for those of :data:`STYLE_CLASSES`, the rest
    in its ``style`` attribute."""
    rest = []
    for decl in declarations:
        cls = STYLE_CLASSES.get(decl)
        if cls is None:
            rest.append(decl)
        elif cls not in (el.get("class") or "").split():
            el.set("class", f"{el.get('class')} {cls}" if el.get("class") else cls)
    if rest:
        el.set("style", ";".join(rest))
