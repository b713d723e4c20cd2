"""Footnote calls in the Markdown conversion: ``[^label]`` → a superscript number linking
to the note (the definitions are taken out of the text first, see
:func:`tougen_pub.ingest.markup.extract_notes`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Protocol

from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString


class NoteNumbers(Protocol):
    """What the call needs of the converter's resolver (:class:`.mdext.Resolver`)."""

    prefix: str
    counter: dict[str, int]
    note_labels: frozenset[str]

    def note_number(self, label: str) -> int: ...


def note_anchor(prefix: str, number: int) -> str:
    """The id of a footnote (``fn-aSLUG-N``); its calls are ``fnref-aSLUG-N[-K]``."""
    return f"fn-{prefix}-{number}"


class NoteRef(InlineProcessor):
    """``[^label]`` → ``<a class="noteref" href="#fn-…" id="fnref-…"><sup>N</sup></a>``,
    the number in a tate-chu-yoko span (upright in vertical editions)."""

    def __init__(self, pattern: str, resolver: NoteNumbers) -> None:
        super().__init__(pattern)
        self.resolver = resolver

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        label = m.group(1)
        if label not in self.resolver.note_labels:
            span = ET.Element("span", {"class": "noteref-unknown"})
            span.text = AtomicString(m.group(0))
            return span, m.start(0), m.end(0)
        number = self.resolver.note_number(label)
        calls = self.resolver.counter[f"noteref:{label}"] = (
            self.resolver.counter.get(f"noteref:{label}", 0) + 1
        )
        anchor = note_anchor(self.resolver.prefix, number)
        el = ET.Element(
            "a",
            {
                "class": "noteref",
                "href": "#" + anchor,
                "id": "fnref" + anchor[2:] + (f"-{calls}" if calls > 1 else ""),
            },
        )
        sup = ET.SubElement(el, "sup")
        ET.SubElement(sup, "span", {"class": "tcy"}).text = str(number)
        return el, m.start(0), m.end(0)
