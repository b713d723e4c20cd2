"""Soft line breaks: a newline inside a paragraph between two East Asian wide characters
disappears (CSS Text 3 segment break transformation); between Latin words it stays white
space (a space when laid out).

Done once, on the converted XHTML tree, so every output gets the same text. Text runs are
followed in document order through inline elements (ruby, tate-chu-yoko, glossary links,
emphasis): the characters either side of a break are the ones a reader sees. Block
elements, ``<br/>`` (a hard break), images and code (``<code>``, ``<pre>``, kept as
written) end a run: a break next to them is left alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tougen_pub.ja import segment_break_removable

BREAK = re.compile(r"[ \t]*\n[ \t]*")
# Elements that end a run of inline text (their content is a run of its own, if any).
BARRIERS = frozenset(
    {
        "p",
        "div",
        "blockquote",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "br",
        "img",
        "figure",
        "figcaption",
        "section",
        "aside",
    }
)
OPAQUE = frozenset({"code", "pre", "kbd", "samp"})  # text kept exactly as written

Slot = tuple[ET.Element, str]  # (element, "text" or "tail")
UPRIGHT = "\u3007"  # stands for a tate-chu-yoko span's text when judging a break


def _is_tcy(el: ET.Element) -> bool:
    return el.tag == "span" and "tcy" in (el.get("class") or "").split()


def _runs(root: ET.Element) -> list[list[Slot]]:
    """The text slots of the tree in document order, cut into runs at barriers."""
    runs: list[list[Slot]] = [[]]
    stack: list[tuple[ET.Element, bool]] = [(root, False)]  # (element, entering done)
    while stack:
        el, done = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if done:
            if tag in BARRIERS or tag in OPAQUE:
                runs.append([])
            if el is not root:
                runs[-1].append((el, "tail"))
            continue
        stack.append((el, True))
        if tag in BARRIERS or tag in OPAQUE:
            runs.append([])
        if tag in OPAQUE:
            continue
        runs[-1].append((el, "text"))
        for child in reversed(el):
            stack.append((child, False))
    return [run for run in runs if run]


def _get(slot: Slot) -> str:
    el, attr = slot
    return (el.text if attr == "text" else el.tail) or ""


def join_soft_breaks(root: ET.Element) -> None:
    """Remove the soft line breaks between two East Asian wide characters, in place."""
    for run in _runs(root):
        texts = [_get(slot) for slot in run]
        if not any("\n" in t for t in texts):
            continue
        joined = "".join(texts)
        # what the reader sees: a tate-chu-yoko span is one upright, full-width unit
        seen = "".join(
            UPRIGHT * len(t) if attr == "text" and _is_tcy(el) else t
            for (el, attr), t in zip(run, texts, strict=True)
        )
        # positions in ``joined`` to delete
        cut = bytearray(len(joined))
        for m in BREAK.finditer(joined):
            before = seen[m.start() - 1] if m.start() else ""
            after = seen[m.end()] if m.end() < len(seen) else ""
            if segment_break_removable(before, after):
                cut[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        if not any(cut):
            continue
        pos = 0
        for slot, text in zip(run, texts, strict=True):
            end = pos + len(text)
            if "\x01" in cut[pos:end].decode("latin-1"):
                new = "".join(c for c, gone in zip(text, cut[pos:end], strict=True) if not gone)
                el, attr = slot
                if attr == "text":
                    el.text = new or None
                else:
                    el.tail = new or None
            pos = end
