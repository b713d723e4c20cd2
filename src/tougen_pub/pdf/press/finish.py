"""Finishing the laid-out PDF for the printer: blank pages to the page multiple, one font
program per face, 傍点 that text extraction skips, and for press output portrait pages, crop
marks, no annotations in PDF/X-1a and the PDF/X output intent and keys; then a reproducible
file.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tougen_pub.model import Book
from tougen_pub.pdf.press.pageplan import SECTIONS, PagePlan, pad_count, page_plan


@dataclass(frozen=True)
class Finishing:
    """What the finished PDF must be."""

    mode: str  # writing mode
    multiple: int  # pages_multiple
    press: str | None  # x1a, x4, kdp or None
    marks: bool
    bleed_mm: float
    identifier: bytes
    title: str
    date: str | None  # the build date, ISO 8601 (PDF/X metadata)
    one_colour: bool = True  # [print] colour = "gray": the black plate only


def finish(
    data: bytes,
    book: Book,
    finishing: Finishing,
    pad_pdf: Callable[[int, int], bytes],
) -> tuple[bytes, PagePlan]:
    """The finished PDF and its page plan. ``pad_pdf(start, count)`` lays out ``count``
    blank pages numbered from ``start`` in the book's stylesheets."""
    import pikepdf

    from tougen_pub.pdf.press.emphasis import hide_emphasis_dots
    from tougen_pub.pdf.press.fontdicts import unify_font_dicts
    from tougen_pub.pdf.press.fonts import merge_subsets

    pdf = pikepdf.Pdf.open(io.BytesIO(data))
    body_pages = len(pdf.pages)
    starts = _section_starts(pdf, book)
    blanks = pad_count(body_pages, finishing.multiple)
    if blanks:
        pad = pikepdf.Pdf.open(io.BytesIO(pad_pdf(body_pages + 1, blanks)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # type: ignore[attr-defined]
            pdf.pages.extend(pad.pages)
    merge_subsets(pdf)
    unify_font_dicts(pdf)
    hide_emphasis_dots(pdf)
    if finishing.press:
        from tougen_pub.pdf.press.pdfx import declare
        from tougen_pub.pdf.press.rotation import flatten_rotation

        flatten_rotation(pdf)
        if finishing.press == "x1a":
            for page in pdf.pages:
                if "/Annots" in page.obj:
                    del page.obj["/Annots"]
        declare(pdf, finishing.press, finishing.title, finishing.date)
    if finishing.marks:
        from tougen_pub.pdf.press.marks import add_crop_marks

        add_crop_marks(pdf, bleed_mm=finishing.bleed_mm, one_colour=finishing.one_colour)
    plan = page_plan(starts, body_pages, blanks, finishing.multiple)
    return save(pdf, finishing.identifier, finishing.press), plan


def save(pdf: Any, identifier: bytes, press: str | None) -> bytes:
    """The PDF as reproducible bytes (PDF/X-1a: PDF 1.4, without object streams)."""
    import pikepdf

    pdf.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    out = io.BytesIO()
    old = press == "x1a"
    pdf.save(
        out,
        compress_streams=True,
        object_stream_mode=(
            pikepdf.ObjectStreamMode.disable if old else pikepdf.ObjectStreamMode.generate
        ),
        force_version="1.4" if old else None,
        deterministic_id=True,
        linearize=False,
    )
    return out.getvalue()


def _section_starts(pdf: Any, book: Book) -> list[tuple[str, int]]:
    """(section, first page) of the title page, ToC, articles and back matter, from the
    PDF's named destinations."""
    import pikepdf

    from tougen_pub.render.links import article_anchor

    names = pdf.Root.get("/Names")
    tree = names.get("/Dests") if names is not None else None
    if tree is None:
        return []
    index = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
    wanted = dict(SECTIONS)
    for art in book.articles:
        wanted[article_anchor(art.slug)] = art.title
    starts = []
    dests = pikepdf.NameTree(tree)
    for anchor, name in wanted.items():
        dest = dests.get(anchor)
        if dest is not None and len(dest) and dest[0].objgen in index:
            starts.append((name, index[dest[0].objgen]))
    return starts
