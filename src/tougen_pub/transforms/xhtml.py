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


def _splice(parent: ET.Element, index: int, pieces: list[Inline], as_tail_of: ET.Element | None) -> int:
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


def map_text(fragment: str, mapper: TextMapper, skip: Callable[[ET.Element], bool] | None = None) -> str:
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
