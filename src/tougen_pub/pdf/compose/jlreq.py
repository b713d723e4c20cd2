"""Character classes of JLReq (Requirements for Japanese Text Layout) used by the composer.

Only what line composition needs: which characters may not start or end a line (禁則),
which carry a compressible half-em blank (brackets, 、。) and on which side, and which
pairs may not be separated.
"""

from __future__ import annotations

# Closing brackets and full stops/commas: ink on the leading side, a half-em blank after.
CLOSING = frozenset("、。，．」』）〕】〉》〙〗〟］｝’”")
# Opening brackets: a half-em blank before the ink.
OPENING = frozenset("「『（〔【〈《〘〖〝［｛‘“")
# Small kana and the prolonged sound mark (strict 行頭禁則).
SMALL_KANA = frozenset(
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
# Characters that must not begin a line (行頭禁則).
NO_LINE_HEAD = (
    CLOSING
    | SMALL_KANA
    | frozenset("ー‐゠–〜～！？‼⁇⁈⁉・：；ゝゞヽヾ々〻")
    | frozenset(")]},.:;!?%")
)
# Characters that must not end a line (行末禁則).
NO_LINE_FOOT = OPENING | frozenset("([{")
# Characters that are never split when doubled (……, ――).
INSEPARABLE = frozenset("…‥―")
# Latin-side characters after which a long run (URL, path) may break.
LATIN_BREAK_AFTER = frozenset("/-._?&=#")


def is_cjk(ch: str) -> bool:
    """Characters set on the ideographic em grid (kana, kanji, full-width forms, CJK symbols)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x3FFFF
        or 0x3000 <= cp <= 0x303F
        or ch in "…‥―※〜"
    )
