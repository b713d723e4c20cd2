"""The line composer's rules over the JLReq character classes of :mod:`tougen_pub.ja`.

Only what line composition needs: which characters may not start or end a line (禁則),
which carry a compressible half-em blank (brackets, 、。) and on which side, and which
pairs may not be separated.
"""

from __future__ import annotations

from tougen_pub import ja

# Closing brackets and full stops/commas: ink on the leading side, a half-em blank after.
CLOSING = ja.CLOSING_PUNCTUATION
# Opening brackets: a half-em blank before the ink.
OPENING = ja.OPENING_PUNCTUATION
# Characters that must not begin a line (行頭禁則): JLReq cl-02 to cl-07 and cl-09 to cl-11
# (small kana: the strict rule), ～ (the full-width tilde written for 〜), Latin closers.
NO_LINE_HEAD = (
    CLOSING
    | ja.CLOSING_BRACKETS  # » and ｠ too, which carry no half-em blank
    | ja.SMALL_KANA
    | ja.PROLONGED_SOUND_MARK
    | ja.HYPHENS
    | frozenset("～")
    | ja.DIVIDING_PUNCTUATION
    | ja.MIDDLE_DOTS
    | ja.ITERATION_MARKS
    | frozenset(")]},.:;!?%")
)
# Characters that must not end a line (行末禁則).
NO_LINE_FOOT = OPENING | ja.OPENING_BRACKETS | frozenset("([{")
# Characters that are never split when doubled (……, ――). Not JLReq cl-08 as such: the
# dash of Japanese text is ― (U+2015), and 〳〴〵 are not used.
INSEPARABLE = frozenset("…‥―")
# Latin-side characters after which a long run (URL, path) may break.
LATIN_BREAK_AFTER = frozenset("/-._?&=#")
# Neighbours a ruby reading longer than its base may reach over by up to one ruby character
# (JLReq 3.3.8, "Adjustments of ruby with length longer than that of the base characters"):
# hiragana (cl-15), katakana (cl-16), the prolonged sound mark (cl-10), small kana (cl-11),
# middle dots (cl-05) and inseparable characters (cl-08). Never kanji (cl-19).
RUBY_OVERHANG = (
    frozenset(chr(c) for c in range(0x3041, 0x3097))  # ぁ … ゖ
    | frozenset(chr(c) for c in range(0x30A1, 0x30FB))  # ァ … ヺ
    | frozenset(chr(c) for c in range(0x31F0, 0x3200))  # ㇰ … ㇿ
    | ja.PROLONGED_SOUND_MARK
    | ja.SMALL_KANA
    | ja.MIDDLE_DOTS
    | INSEPARABLE
)
# Full stops and commas after a ruby: the reading may reach over them by a ruby character.
STOPS_AND_COMMAS = ja.FULL_STOPS | ja.COMMAS


def is_cjk(ch: str) -> bool:
    """Characters set on the ideographic em grid (kana, kanji, full-width forms, CJK symbols)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x3FFFF
        or 0x3000 <= cp <= 0x303F
        or 0x2160 <= cp <= 0x217F  # Roman numerals Ⅰ–Ⅻ ⅰ–ⅻ: full-width, upright (第Ⅲ期)
        or ch in "…‥―※〜"
    )
