"""Editing the text of XHTML fragments without touching their markup."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

# Elements whose text no pass may change.
PROTECTED = frozenset({"code", "pre", "rt", "rp", "script", "style"})
Inline = str | ET.Element
TextMapper = Callable[[str], list[Inline]]


def parse(fragment: str) -> ET.Element:
    return ET.fromstring(f"<div>{fragment}</div>")


def serialize(root: ET.Element) -> str:
    inner = html.escape(root.text or "", quote=False)
    return inner + "".join(ET.tostring(child, encoding="unicode") for child in root)


def _splice(
    parent: ET.Element, index: int, pieces: list[Inline], as_tail_of: ET.Element | None
) -> int:
    """Replace a text run by ``pieces``; returns how many elements were inserted."""
    text = ""
    inserted: list[ET.Element] = []
    for piece in pieces:
        if isinstance(piece, str):
            if inserted:
                inserted[-1].tail = (inserted[-1].tail or "") + piece
            else:
                text += piece
        else:
            piece.tail = None
            inserted.append(piece)
    if as_tail_of is None:
        parent.text = text or None
    else:
        as_tail_of.tail = text or None
    for offset, el in enumerate(inserted):
        parent.insert(index + offset, el)
    return len(inserted)


def map_text(
    fragment: str, mapper: TextMapper, skip: Callable[[ET.Element], bool] | None = None
) -> str:
    """Apply ``mapper`` to every text run outside protected elements."""
    root = parse(fragment)

    def walk(el: ET.Element) -> None:
        if el.tag in PROTECTED or (skip and skip(el)):
            return
        if el.text:
            _splice(el, 0, mapper(el.text), None)
        i = 0
        while i < len(el):
            child = el[i]
            walk(child)
            i += 1
            if child.tail:
                tail_pieces = mapper(child.tail)
                i += _splice(el, i, tail_pieces, child)

    walk(root)
    return serialize(root)


def regex_mapper(pattern: re.Pattern[str], make: Callable[[re.Match[str]], Inline]) -> TextMapper:
    """A mapper that replaces each match of ``pattern`` by ``make(match)``."""

    def mapper(text: str) -> list[Inline]:
        out: list[Inline] = []
        pos = 0
        for m in pattern.finditer(text):
            out.append(text[pos : m.start()])
            out.append(make(m))
            pos = m.end()
        out.append(text[pos:])
        return [p for p in out if not (isinstance(p, str) and not p)]

    return mapper


# -- the same on the serialized text, without building a tree --------------------------------
# A tag of well-formed XML (quoted attribute values may hold '>'); markup this scanner does
# not follow (comments, CDATA, processing instructions) sends the fragment to map_text.
TAG = re.compile(r"""<(/?)([^\s/>!?]+)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
CLASS_ATTR = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
HREF_ATTR = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
StartTagSkip = Callable[[str, str], bool]


def attribute(attrs: str, pattern: re.Pattern[str]) -> str | None:
    """The raw value of one attribute in the attribute text of a start tag."""
    m = pattern.search(attrs)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def sub_text(
    fragment: str,
    pattern: re.Pattern[str],
    make: Callable[[re.Match[str]], str],
    skip: StartTagSkip | None = None,
) -> str:
    """Replace each match of ``pattern`` in the text runs outside protected elements (and
    elements for which ``skip(tag, attribute_text)`` is true) by the markup ``make(match)``.

    Same result as :func:`map_text` with a regex mapper, for a pattern that cannot match an
    entity reference's characters differently from the character it stands for (digits and
    punctuation, not letters): text runs are matched in their escaped form. Character
    references are normalized as a parser and ElementTree would write them.
    """
    if "<!" in fragment or "<?" in fragment:
        return map_text(
            fragment, regex_mapper(pattern, lambda m: _markup(make(m))), _tree_skip(skip)
        )
    out: list[str] = []
    skipped: list[bool] = []  # per open element: is its content left alone
    pos = 0
    for tag in TAG.finditer(fragment):
        text = fragment[pos : tag.start()]
        if text:
            out.append(text if skipped and skipped[-1] else _sub(text, pattern, make))
        out.append(tag.group(0))
        pos = tag.end()
        closing, name, attrs = tag.group(1), tag.group(2), tag.group(3)
        if closing:
            if skipped:
                skipped.pop()
        elif not attrs.endswith("/"):
            inherited = bool(skipped and skipped[-1])
            skipped.append(
                inherited or name in PROTECTED or bool(skip is not None and skip(name, attrs))
            )
    text = fragment[pos:]
    if text:
        out.append(text if skipped and skipped[-1] else _sub(text, pattern, make))
    return "".join(out)


def _sub(text: str, pattern: re.Pattern[str], make: Callable[[re.Match[str]], str]) -> str:
    if "&" in text:
        text = html.escape(html.unescape(text), quote=False)
    return pattern.sub(make, text)


def _markup(snippet: str) -> ET.Element:
    return ET.fromstring(snippet)


def _tree_skip(skip: StartTagSkip | None) -> Callable[[ET.Element], bool] | None:
    if skip is None:
        return None

    def tree_skip(el: ET.Element) -> bool:
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in el.attrib.items())
        return skip(el.tag, attrs)

    return tree_skip
