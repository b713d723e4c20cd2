"""傍点 (sesame dots) that text extraction skips.

The dots of emphasised words are glyphs of the book's face (﹅, U+FE45), drawn by the
stylesheet beside or above each character: real ink in any print workflow. Copied or
extracted text must still read as the words alone, so every text object that draws only
sesame dots gets an empty ``/ActualText`` (ISO 32000-1, 14.9.4): the glyphs stay on the
page, their text is nothing. The dots are painted after the text of their page (they are
positioned boxes), so nothing moves in the reading order either.
"""

from __future__ import annotations

from typing import Any

import pikepdf

from tougen_pub.pdf.press.fontdicts import _to_unicode

SESAME = "FE45"  # UTF-16BE hex of ﹅, as ToUnicode maps it
SHOW_TEXT = frozenset({"Tj", "TJ", "'", '"'})
BDC, EMC = pikepdf.Operator("BDC"), pikepdf.Operator("EMC")


def hide_emphasis_dots(pdf: pikepdf.Pdf) -> int:
    """Give every run of sesame dots an empty ActualText; returns how many were marked."""
    marked = 0
    dots_of: dict[tuple[int, int], frozenset[bytes]] = {}
    for page in pdf.pages:
        fonts = _dot_fonts(page, dots_of)
        if not fonts:
            continue
        ops = pikepdf.parse_content_stream(page)
        out, count = _wrap_dots(ops, fonts)
        if count:
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
            marked += count
    return marked


def _dot_fonts(page: Any, cache: dict[tuple[int, int], frozenset[bytes]]) -> dict[str, Any]:
    """Resource name → the 2-byte codes that draw ﹅ in that (Type 0, Identity-H) font."""
    resources = page.obj.get("/Resources")
    table = resources.get("/Font") if resources is not None else None
    if table is None:
        return {}
    out = {}
    for name, font in table.items():
        if str(font.get("/Subtype")) != "/Type0" or str(font.get("/Encoding")) != "/Identity-H":
            continue
        key = font.objgen if font.is_indirect else None
        codes = cache.get(key) if key is not None else None
        if codes is None:
            mapping = _to_unicode(font.get("/ToUnicode"))
            codes = frozenset(
                code.to_bytes(2, "big") for code, text in mapping.items() if text == SESAME
            )
            if key is not None:
                cache[key] = codes
        if codes:
            out[str(name)] = codes
    return out


def _wrap_dots(ops: list[Any], fonts: dict[str, frozenset[bytes]]) -> tuple[list[Any], int]:
    """The operators with every text-showing operator that draws only sesame dots
    wrapped in ``/Span << /ActualText () >> BDC … EMC``."""
    out: list[Any] = []
    font: frozenset[bytes] = frozenset()
    count = 0
    for instruction in ops:
        operands, operator = instruction.operands, str(instruction.operator)
        if operator == "Tf" and operands:
            font = fonts.get(str(operands[0]), frozenset())
        elif operator in SHOW_TEXT and font and _only_dots(operands, operator, font):
            span = pikepdf.Dictionary(ActualText=pikepdf.String(""))
            out.append(pikepdf.ContentStreamInstruction([pikepdf.Name.Span, span], BDC))
            out.append(instruction)
            out.append(pikepdf.ContentStreamInstruction([], EMC))
            count += 1
            continue
        out.append(instruction)
    return out, count


def _only_dots(operands: Any, operator: str, dots: frozenset[bytes]) -> bool:
    """Whether a text-showing operator draws sesame dots and nothing else."""
    if operator == "TJ":
        strings = [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)]
    else:
        strings = [bytes(operands[-1])]
    data = b"".join(strings)
    if not data or len(data) % 2:
        return False
    return all(data[k : k + 2] in dots for k in range(0, len(data), 2))
