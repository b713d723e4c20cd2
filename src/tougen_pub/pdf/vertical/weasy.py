"""WeasyPrint integration: derived vertical fonts served from memory, and the user-agent
stylesheet of the print documents.

The derived font must never be written out (licensing, see :mod:`.font`), so it is
handed to WeasyPrint through a URL fetcher: ``@font-face { src: url(tougen-font:…) }``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from weasyprint.urls import URLFetcher, URLFetcherResponse

from tougen_pub.pdf.vertical.font import DerivedFont

SCHEME = "tougen-font:"


def font_url(font: DerivedFont) -> str:
    """The URL under which :class:`MemoryFontFetcher` serves ``font``."""
    return f"{SCHEME}{font.family}.{font.extension}"


def font_face_css(font: DerivedFont, *, weight: str = "normal") -> str:
    """An ``@font-face`` rule for ``font`` (served by :class:`MemoryFontFetcher`)."""
    return (
        f'@font-face {{ font-family: "{font.family}"; font-weight: {weight}; '
        f'src: url("{font_url(font)}"); }}'
    )


class MemoryFontFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves derived fonts from memory, everything else as usual."""

    def __init__(self, fonts: Iterable[DerivedFont], **kwargs) -> None:
        super().__init__(**kwargs)
        self._fonts = {font_url(font): font for font in fonts}

    def fetch(self, url, headers=None):  # noqa: D401 - WeasyPrint API
        font = self._fonts.get(url)
        if font is not None:
            return URLFetcherResponse(url, body=font.data, headers={"Content-Type": font.mime_type})
        if url.startswith(SCHEME):
            raise ValueError(f"no derived font registered for {url}")
        return super().fetch(url, headers)


# Universal pseudo-element rules of WeasyPrint's HTML5 stylesheet. Each one gives every
# element of the document a computed style of its own for that pseudo-element (six per
# element), whether or not the pseudo-element is ever drawn. Our print documents have no
# footnotes or notes, and only list items (and <summary>) have markers.
_UA_PSEUDO_RULES = (
    (re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.M), ""),
    (re.compile(r"^::marker \{", re.M), "li::marker, summary::marker {"),
)


@functools.cache
def _print_ua_stylesheet() -> Any:
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA, UA_STYLESHEET

    text = UA
    for pattern, replacement in _UA_PSEUDO_RULES:
        text, found = pattern.subn(replacement, text)
        if not found:
            return UA_STYLESHEET  # another WeasyPrint's stylesheet: use it as it is
    # The sheet's @counter-style rules go to a dictionary of their own: those already
    # defined (as they are in WeasyPrint's UA_COUNTER_STYLE, which documents copy) would be
    # refused with a warning. Documents take their counter styles from that copy.
    return CSS(string=text, counter_style=CounterStyle())


def print_ua_stylesheets(forms: bool = False) -> list[Any]:
    """WeasyPrint's user-agent stylesheets for our print documents (in place of
    ``HTML._ua_stylesheets``): the HTML5 stylesheet with the universal ``::footnote-*``
    and ``::note-*`` rules left out and ``::marker`` limited to the elements that have
    markers. The same layout, with one computed style per element instead of seven."""
    if forms:
        from weasyprint.html import UA_FORM_STYLESHEET

        return [_print_ua_stylesheet(), UA_FORM_STYLESHEET]
    return [_print_ua_stylesheet()]
