"""Kanji numerals for vertical editions that want them (2025年2月9日 → 二〇二五年二月九日)."""

from __future__ import annotations

import re

from tougen_pub.ja import KANJI_DIGITS
from tougen_pub.transforms.tcy import TCY_CLASS
from tougen_pub.transforms.xhtml import map_text

UNITS = ((1000, "千"), (100, "百"), (10, "十"))
# A number next to Japanese text: not inside a Latin word, a URL or a decimal.
NUMBER = re.compile(
    r"(?<![0-9A-Za-z.:/_-])[0-9]{1,3}(?:,[0-9]{3})+(?![0-9A-Za-z])|(?<![0-9A-Za-z.,:/_-])(?<![A-Za-z] )[0-9]+(?![0-9A-Za-z.,:/_%-])"
)


def positional(n: int) -> str:
    """1–9999 with 十/百/千 (十二, 二十四, 百三十); 0 as 〇."""
    if n == 0:
        return "〇"
    out = ""
    for value, unit in UNITS:
        q, n = divmod(n, value)
        if q:
            out += ("" if q == 1 else KANJI_DIGITS[q]) + unit
    if n:
        out += KANJI_DIGITS[n]
    return out


def to_kanji(number: str) -> str:
    """Years and long numbers digit by digit (一九九四, 一七〇〇); short ones positional."""
    digits = number.replace(",", "")
    if len(digits) >= 4 or digits.startswith("0"):
        return "".join(KANJI_DIGITS[int(d)] for d in digits)
    return positional(int(digits))


def kanji_numerals(fragment: str) -> str:
    def mapper(text: str) -> list[str | object]:
        return [NUMBER.sub(lambda m: to_kanji(m.group(0)), text)]

    return map_text(
        fragment,
        mapper,  # type: ignore[arg-type]
        skip=lambda el: (
            TCY_CLASS in (el.get("class") or "").split()
            or el.tag == "a"
            and (el.get("href") or "").startswith(("http:", "https:"))
        ),
    )
