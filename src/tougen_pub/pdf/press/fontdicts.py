"""One font dictionary per face: after the subsets are merged into one program
(:mod:`.fonts`), the parts' Type 0 fonts of a face differ only in the glyphs their widths
(/W) and ToUnicode maps describe; they become one font with the union of both, and every
page uses it. A face whose dictionaries disagree on a glyph is left as it is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pikepdf

HEX = re.compile(rb"<([0-9a-fA-F]+)>")
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
RANGE_ENTRY = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])")
PER_BLOCK = 100  # bfchar entries per block (the CMap format allows at most 100)
CMAP_HEAD = (
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    b"/CIDSystemInfo\n<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
    b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    b"1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
)
CMAP_TAIL = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"


class Disagree(Exception):
    """Two dictionaries of a face say different things about one glyph."""


def unify_font_dicts(pdf: pikepdf.Pdf) -> int:
    """Give each face one Type 0 font dictionary; returns how many were replaced."""
    groups: dict[tuple[str, tuple[int, int]], list[Any]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        for font in _fonts(page):
            if font.objgen in seen or not font.is_indirect:
                continue
            seen.add(font.objgen)
            program = _program(font)
            if program is not None:
                groups[(str(font.get("/BaseFont")), program)].append(font)
    replaced: dict[tuple[int, int], Any] = {}
    for _key, fonts in sorted(groups.items()):
        if len(fonts) < 2:
            continue
        try:
            widths = _union([_widths(f.DescendantFonts[0].get("/W")) for f in fonts])
            unicode = _union([_to_unicode(f.get("/ToUnicode")) for f in fonts])
        except Disagree:
            continue
        unified = _unified(pdf, fonts[0], widths, unicode)
        for font in fonts:
            replaced[font.objgen] = unified
    if not replaced:
        return 0
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        table = resources.get("/Font") if resources is not None else None
        if table is None:
            continue
        for name in list(table.keys()):
            new = replaced.get(table[name].objgen)
            if new is not None:
                table[name] = new
    return len(replaced)


def _fonts(page: Any) -> list[Any]:
    resources = page.obj.get("/Resources")
    table = resources.get("/Font") if resources is not None else None
    if table is None:
        return []
    return [f for f in table.values() if str(f.get("/Subtype")) == "/Type0"]


def _program(font: Any) -> tuple[int, int] | None:
    """The object of the embedded program of a Type 0 font."""
    descendants = font.get("/DescendantFonts")
    if not descendants:
        return None
    descriptor = descendants[0].get("/FontDescriptor")
    if descriptor is None:
        return None
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            stream = descriptor[key]
            return tuple(stream.objgen) if stream.is_indirect else None  # type: ignore[return-value]
    return None


def _widths(array: Any) -> dict[int, float]:
    """A /W array (``c [w1 w2 …]`` and ``c_first c_last w`` entries) as glyph → width."""
    out: dict[int, float] = {}
    if array is None:
        return out
    items = list(array)
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            for k, w in enumerate(items[i + 1]):
                out[first + k] = float(w)
            i += 2
        else:
            last, w = int(items[i + 1]), float(items[i + 2])
            for gid in range(first, last + 1):
                out[gid] = w
            i += 3
    return out


def _to_unicode(stream: Any) -> dict[int, str]:
    """A ToUnicode CMap's bfchar and bfrange entries as glyph → UTF-16BE hex."""
    out: dict[int, str] = {}
    if stream is None:
        return out
    data = stream.read_bytes()
    for block in BFCHAR.findall(data):
        codes = HEX.findall(block)
        for src, dst in zip(codes[::2], codes[1::2], strict=False):
            out[int(src, 16)] = dst.decode().upper()
    for block in BFRANGE.findall(data):
        for lo, hi, dst in RANGE_ENTRY.findall(block):
            start, end = int(lo, 16), int(hi, 16)
            if dst.startswith(b"["):
                for k, value in enumerate(HEX.findall(dst)):
                    out[start + k] = value.decode().upper()
            else:
                base = int(dst[1:-1], 16)
                width = len(dst) - 2
                for k in range(end - start + 1):
                    out[start + k] = f"{base + k:0{width}X}"
    return out


def _union(maps: list[dict[int, Any]]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if out.setdefault(key, value) != value:
                raise Disagree(key)
    return out


def _unified(pdf: Any, first: Any, widths: dict[int, float], unicode: dict[int, str]) -> Any:
    descendant = pikepdf.Dictionary(first.DescendantFonts[0])  # a shallow copy
    descendant.W = _w_array(widths)
    font = pikepdf.Dictionary(first)
    font.DescendantFonts = pikepdf.Array([pdf.make_indirect(descendant)])
    font.ToUnicode = pdf.make_stream(_cmap(unicode))
    return pdf.make_indirect(font)


def _w_array(widths: dict[int, float]) -> pikepdf.Array:
    """Glyph → width as a compact /W array: runs of consecutive glyphs share an entry."""
    items: list[Any] = []
    run: list[float] = []
    start = previous = None
    for gid in sorted(widths):
        if previous is not None and gid == previous + 1:
            run.append(widths[gid])
        else:
            if run:
                items += [start, pikepdf.Array([_number(w) for w in run])]
            start, run = gid, [widths[gid]]
        previous = gid
    if run:
        items += [start, pikepdf.Array([_number(w) for w in run])]
    return pikepdf.Array(items)


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _cmap(unicode: dict[int, str]) -> bytes:
    entries = [f"<{gid:04x}> <{unicode[gid]}>".encode() for gid in sorted(unicode)]
    blocks = []
    for i in range(0, len(entries), PER_BLOCK):
        chunk = entries[i : i + PER_BLOCK]
        blocks.append(f"{len(chunk)} beginbfchar\n".encode() + b"\n".join(chunk) + b"\nendbfchar\n")
    return CMAP_HEAD + b"".join(blocks) + CMAP_TAIL
