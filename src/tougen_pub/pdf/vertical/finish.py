"""Turning the landscape layout pages into portrait vertical book pages.

Vertical pages are laid out horizontally on a landscape page with pre-rotated glyphs
(:mod:`.font`). :func:`rotate_pages` gives a WeasyPrint ``write_pdf(finisher=…)`` hook
that sets ``/Rotate 90`` on every page: viewers and printers turn the page clockwise,
lines become columns running top to bottom, right to left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydyf

from tougen_pub.pdf.weasy import finisher_pages

Finisher = Callable[[Any, pydyf.PDF], None]


def rotate_pages(*, r2l: bool = False) -> Finisher:
    """A WeasyPrint 70 finisher ``(document, pdf)`` that turns every page by 90°.

    With ``r2l`` the catalog also gets ``/ViewerPreferences << /Direction /R2L >>`` and
    ``/PageLayout /TwoPageLeft`` so two-page viewers show right-bound spreads (page 1
    alone on the left). Off by default: PDFium (Chrome's viewer) then runs its bidi
    algorithm right to left and scrambles copied text.
    """

    def finisher(document: Any, pdf: pydyf.PDF) -> None:
        for page in finisher_pages(pdf):
            page["Rotate"] = (int(page.get("Rotate", 0)) + 90) % 360
        if r2l:
            prefs = pdf.catalog.get("ViewerPreferences")
            if not isinstance(prefs, pydyf.Dictionary):
                prefs = pydyf.Dictionary()
            prefs["Direction"] = "/R2L"
            pdf.catalog["ViewerPreferences"] = prefs
            pdf.catalog["PageLayout"] = "/TwoPageLeft"

    return finisher
