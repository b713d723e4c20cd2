"""What the document draws: its characters, those set in the Gothic face, and its
tate-chu-yoko strings (the derived vertical fonts hold only these)."""

from __future__ import annotations

import re
from html import unescape

# Characters that only the stylesheets draw (separators, leaders, kanji page numbers).
GENERATED_CHARS = "／→、（）. 0123456789〇一二三四五六七八九十百•◦▪\u00a0﹅"  # ﹅: 傍点
# Page numbers up to 99 are set as tate-chu-yoko in vertical books.
PAGE_TCY = frozenset(str(n) for n in range(1, 100))
TAG = re.compile(r"<[^>]*>")
TCY_SPAN = re.compile(r'<span class="tcy">([^<]*)</span>')
MAX_TCY = 3
GOTHIC_ELEMENTS = re.compile(
    r"<(h[1-6]|dt|strong|b|th|title)\b[^>]*>(.*?)</\1>"
    r'|<(span|p) class="(?:label|series|publisher)">(.*?)</\3>'
    r'|<li class="toc-back">(.*?)</li>',
    re.S,
)


def drawn_chars(html: str) -> frozenset[str]:
    """Every character of the document's text (tags removed, entities decoded)."""
    body = html[html.find("<body") :]
    text = unescape(TAG.sub("", body))
    head_title = re.search(r"<title>(.*?)</title>", html, re.S)
    if head_title:
        text += unescape(head_title.group(1))
    return frozenset(c for c in text if not c.isspace()) | frozenset(" \u3000")


def gothic_chars(html: str) -> frozenset[str]:
    """Characters set in the Gothic face: headings, terms, labels, running heads."""
    parts = [m.group(2) or m.group(4) or m.group(5) or "" for m in GOTHIC_ELEMENTS.finditer(html)]
    text = unescape(TAG.sub("", "".join(parts)))
    return frozenset(c for c in text if not c.isspace()) | frozenset(GENERATED_CHARS)


def tcy_strings(html: str) -> frozenset[str]:
    return frozenset(
        t for t in (unescape(m) for m in TCY_SPAN.findall(html)) if 0 < len(t) <= MAX_TCY
    )
