"""Page references (table of contents, glossary and bibliography page lists, related
articles): the anchors links point to, their pages, and the numbers written in their place.

The stylesheets print a reference as ``target-counter(attr(href), page…)``; with page numbers
known (the previous build's, or a round of parts) :func:`with_page_numbers` writes them into
``data-page`` attributes instead, and the document is laid out once (:func:`.builder.render`).
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tougen_pub.paths import styles_dir
from tougen_pub.pdf.geometry import STYLESHEETS
from tougen_pub.pdf.html5 import parse_as_html5
from tougen_pub.pdf.prepared import Prepared

INTERNAL_HREF = re.compile(r'<a\b[^>]*?\shref="#([^"]+)"[^>]*>')
TARGET_COUNTER_RULE = re.compile(
    r"([^{}]+)\{\s*content:([^;{}]*?)target-counter\(attr\(href\), page(?:, [a-z-]+)?\)"
    r"([^;{}]*);?\s*\}"
)
TARGET_COUNTER = re.compile(r"target-counter\(attr\(href\), page(?:, [a-z-]+)?\)")
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')
STYLE_ELEMENT = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
PAGE_COUNTER_CHANGE = re.compile(r"counter-(?:reset|set|increment)\s*:[^;{}]*\bpage\b")
KANJI_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def referenced_anchors(html: str) -> frozenset[str]:
    """The anchors that internal links point to."""
    return frozenset(unescape(m.group(1)) for m in INTERNAL_HREF.finditer(html))


def anchor_pages(document: Any, anchors: frozenset[str]) -> dict[str, int]:
    """Page number (1-based) of each of ``anchors`` in a laid-out document."""
    out: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            if name in anchors and name not in out:
                out[name] = number
    return out


def _stylesheets(prepared: Prepared) -> list[str] | None:
    """The text of the document's stylesheets (comments removed), or None when they change
    the page counter (page numbers are then not page indexes)."""
    stylesheets = [
        (styles_dir() / name).read_text(encoding="utf-8")
        for name in STYLESHEETS[prepared.geometry.mode]
    ]
    style = re.search(r"<style[^>]*>(.*?)</style>", prepared.html, re.S)
    if style is None:
        return None
    stylesheets = [re.sub(r"/\*.*?\*/", "", css, flags=re.S) for css in (*stylesheets, style[1])]
    if any(PAGE_COUNTER_CHANGE.search(css) for css in stylesheets):
        return None
    return stylesheets


def numbered_links(prepared: Prepared, html: str) -> frozenset[str] | None:
    """The anchors that links showing a page number (``target-counter``) point to in the
    document ``html``; None when that cannot be told (then every link counts)."""
    import cssselect2

    stylesheets = _stylesheets(prepared)
    root = parse_as_html5(html)
    if stylesheets is None or root is None:
        return None
    matcher = cssselect2.Matcher()
    try:
        for css in stylesheets:
            for m in TARGET_COUNTER_RULE.finditer(css):
                selector = re.sub(r"::?(?:after|before)\b", "", m.group(1).strip())
                for compiled in cssselect2.compile_selector_list(selector):
                    matcher.add_selector(compiled, None)
    except cssselect2.SelectorError:
        return None
    out = set()
    for element in cssselect2.ElementWrapper.from_html_root(root).iter_subtree():
        href = element.etree_element.get("href") or ""
        if href.startswith("#") and matcher.match(element):
            out.add(unescape(href[1:]))
    return frozenset(out)


def with_page_numbers(prepared: Prepared, pages: dict[str, int]) -> str | None:
    """The prepared HTML with every ``target-counter(attr(href), page…)`` of the
    stylesheets replaced by the number in a ``data-page`` attribute of the link.

    The stylesheets are rewritten where they stand (linked ones become inline ``<style>``
    elements in the same place), so the cascade is the one of the original document."""
    if _stylesheets(prepared) is None:
        return None
    kanji = prepared.numerals == "kanji" and prepared.geometry.mode == "vertical"

    def number(m: re.Match[str]) -> str:
        page = pages.get(unescape(m.group(1)))
        if page is None:
            return m.group(0)
        text = str(page).translate(KANJI_DIGITS) if kanji else str(page)
        return f'{m.group(0)[:-1]} data-page="{text}">'

    sheets = {
        (styles_dir() / name).resolve().as_uri(): (styles_dir() / name).read_text(encoding="utf-8")
        for name in STYLESHEETS[prepared.geometry.mode]
    }

    def inline(m: re.Match[str]) -> str:
        css = sheets.get(unescape(m.group(1)))
        if css is None:
            return m.group(0)
        return f"<style>{TARGET_COUNTER.sub('attr(data-page)', css)}</style>"

    html = INTERNAL_HREF.sub(number, prepared.html)
    html = STYLESHEET_LINK.sub(inline, html)
    return STYLE_ELEMENT.sub(
        lambda m: m.group(1) + TARGET_COUNTER.sub("attr(data-page)", m.group(2)) + m.group(3),
        html,
    )
