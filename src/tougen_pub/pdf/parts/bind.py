"""Binding the parts' PDFs into one (:mod:`pikepdf`): every page as it was written, the
named destinations and outlines of every part, a reproducible file and ``/ID``."""

from __future__ import annotations

import io
import warnings
from typing import Any

from tougen_pub.pdf.parts.plan import Laid


def bind(laid: list[Laid], identifier: bytes) -> bytes:
    """One PDF of the parts' pages in order, with their named destinations and outlines,
    the first part's document information and catalog entries."""
    import pikepdf

    sources = [pikepdf.Pdf.open(io.BytesIO(part.pdf)) for part in laid]
    book = sources[0]
    offsets = [0]
    with warnings.catch_warnings():
        # named destinations are not copied with the pages: they are rebuilt below
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # type: ignore[attr-defined]
        for src in sources[1:]:
            offsets.append(len(book.pages))
            book.pages.extend(src.pages)
    pages = [page.obj for page in book.pages]
    # named destinations: each anchor where its own part put it
    dests: dict[str, Any] = {}
    for part, src, offset in zip(laid, sources, offsets, strict=True):
        index: dict[Any, int] = {page.objgen: i for i, page in enumerate(src.pages)}
        names = src.Root.get("/Names")
        tree = names.get("/Dests") if names is not None else None
        if tree is None:
            continue
        for name, dest in pikepdf.NameTree(tree).items():
            if name not in part.anchors or name in dests:
                continue  # a stand-in for an anchor of another part
            page = index.get(dest[0].objgen)
            if page is None:
                continue
            dests[name] = pikepdf.Array([pages[offset + page], *list(dest)[1:]])
    merged = pikepdf.NameTree.new(book)
    for name in sorted(dests):
        merged[name] = dests[name]
    book.Root.Names = pikepdf.Dictionary(Dests=merged.obj)
    # outlines: every part's, in order
    items: list[Any] = []
    for src, offset in zip(sources, offsets, strict=True):
        index = {page.objgen: i for i, page in enumerate(src.pages)}
        with src.open_outline() as outline:
            items.extend(_copy_outline(outline.root, index, offset, pages))
    if "/Outlines" in book.Root:
        del book.Root["/Outlines"]
    if items:
        with book.open_outline() as outline:
            outline.root.extend(items)
    out = io.BytesIO()
    book.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    book.save(
        out,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
        linearize=False,
    )
    return out.getvalue()


def _copy_outline(
    items: list[Any], index: dict[Any, int], offset: int, pages: list[Any]
) -> list[Any]:
    import pikepdf

    out = []
    for item in items:
        dest = item.destination
        if isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in index:
            new_dest = pikepdf.Array([pages[offset + index[dest[0].objgen]], *list(dest)[1:]])
        else:
            new_dest = None
        copy = pikepdf.OutlineItem(item.title)
        copy.destination = new_dest
        copy.is_closed = item.is_closed
        copy.children.extend(_copy_outline(item.children, index, offset, pages))
        out.append(copy)
    return out
