"""Serving derived vertical fonts to WeasyPrint from memory.

The derived font must never be written out (licensing, see :mod:`.font`), so it is
handed to WeasyPrint through a URL fetcher: ``@font-face { src: url(tougen-font:…) }``.
"""

from __future__ import annotations

from collections.abc import Iterable

from weasyprint.urls import URLFetcher, URLFetcherResponse

from tougen_pub.package.vertical.font import DerivedFont

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
