"""Derived vertical fonts in stand-alone documents (tests, ``scripts/vertical-reference.sh``):
an ``@font-face`` rule and the build's own fetcher serving the fonts from memory.

The derived font must never be written out (licensing, see :mod:`.font`), so it is
handed to WeasyPrint through a URL fetcher: ``@font-face { src: url(tougen-font:…) }``.
The build adds its fonts to :class:`~tougen_pub.pdf.fetch.RestrictedFetcher` itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from tougen_pub.pdf.fetch import FONT_SCHEME, RestrictedFetcher
from tougen_pub.pdf.vertical.font import DerivedFont


def _name(font: DerivedFont) -> str:
    return f"{font.family}.{font.extension}"


def font_url(font: DerivedFont) -> str:
    """The URL under which :class:`MemoryFontFetcher` serves ``font``."""
    return f"{FONT_SCHEME}:{_name(font)}"


def font_face_css(font: DerivedFont, *, weight: str = "normal") -> str:
    """An ``@font-face`` rule for ``font`` (served by :class:`MemoryFontFetcher`)."""
    return (
        f'@font-face {{ font-family: "{font.family}"; font-weight: {weight}; '
        f'src: url("{font_url(font)}"); }}'
    )


class MemoryFontFetcher(RestrictedFetcher):
    """The build's fetcher with no folders to read: it serves ``fonts`` and nothing else."""

    def __init__(self, fonts: Iterable[DerivedFont]) -> None:
        super().__init__([])
        for font in fonts:
            self.add(_name(font), font.data, font.mime_type)
