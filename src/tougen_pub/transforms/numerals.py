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


# Numbers left as digits (judgement, not arithmetic): a number with a vulgar fraction
# (大さじ2½, 1と⅓), a sign or currency before it (−15, ¥500) or a unit symbol after it
# (15℃, 25‰, 5%, 30°, ㎞). Decimals, Latin units (10km) and enumerators (1.) are already
# outside NUMBER.
FRACTIONS = "¼½¾\u2150-\u215f\u2189"
SIGNS = "−‐＋+±¥￥$€£"
UNITS_AFTER = "℃℉‰‱%％°′″\u3380-\u33ff"
KEEP = re.compile(
    rf"(?<=[{FRACTIONS}{SIGNS}])[0-9][0-9,]*"
    rf"|[0-9][0-9,]*(?=と?[{FRACTIONS}]|[{UNITS_AFTER}])"
)
# 十 followed by these would read as another word (十分 じゅうぶん): digit by digit instead.
AMBIGUOUS_AFTER = frozenset("分")
GLOSSARY_CLASS = "glossary-ref"


def _convert(text: str) -> str:
    kept = [(m.start(), m.end()) for m in KEEP.finditer(text)]

    def repl(m: re.Match[str]) -> str:
        if any(a <= m.start() < b for a, b in kept):
            return m.group(0)
        out = to_kanji(m.group(0))
        if out == "十" and text[m.end() : m.end() + 1] in AMBIGUOUS_AFTER:
            return "一〇"
        return out

    return NUMBER.sub(repl, text)


def _split_names(text: str, names: tuple[str, ...]) -> list[str]:
    """``text`` cut into pieces; odd pieces are names (left as they are)."""
    if not names:
        return [text]
    pattern = "|".join(re.escape(n) for n in names)
    return re.split(f"({pattern})", text)


def kanji_numerals(fragment: str, names: frozenset[str] = frozenset()) -> str:
    """Arabic numbers → kanji numerals, except in glossary links, web links, tate-chu-yoko
    spans, ``names`` (glossary terms and aliases that hold digits: 青春18きっぷ) and the
    numbers of :data:`KEEP`."""
    ordered = tuple(sorted((n for n in names if any(c.isdigit() for c in n)), key=len)[::-1])

    def mapper(text: str) -> list[str | object]:
        pieces = _split_names(text, ordered)
        return ["".join(p if k % 2 else _convert(p) for k, p in enumerate(pieces))]

    return map_text(
        fragment,
        mapper,  # type: ignore[arg-type]
        skip=lambda el: (
            TCY_CLASS in (el.get("class") or "").split()
            or el.tag == "a"
            and (
                (el.get("href") or "").startswith(("http:", "https:"))
                or GLOSSARY_CLASS in (el.get("class") or "").split()
            )
        ),
    )
