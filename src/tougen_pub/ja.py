"""Japanese text rules: kana rows, readings, dates, role labels, JLReq character classes.

A leaf: nothing of tougen_pub is imported here. pykakasi (readings and romaji of terms) is
imported on first use only: it loads a dictionary, which a book whose glossary gives every
reading never needs.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import cache
from typing import Any

# -- JLReq character classes ----------------------------------------------------------------
# Requirements for Japanese Text Layout (W3C), appendix A. Where JLReq lists an ASCII code
# point set full-width (（ ［ ｛ ！ ？ ： ； ． ，) the full-width form is given: that is what
# Japanese text holds. JLReq's white parentheses ⦅⦆ (U+2985/6) appear as ｟｠ (U+FF5F/60).
#: cl-01 opening brackets (始め括弧類)
OPENING_BRACKETS = frozenset("‘“（〔［｛〈《「『【｟〘〖«〝")
#: cl-02 closing brackets (終わり括弧類)
CLOSING_BRACKETS = frozenset("’”）〕］｝〉》」』】｠〙〗»〟")
#: cl-03 hyphens (ハイフン類)
HYPHENS = frozenset("‐〜゠–")
#: cl-04 dividing punctuation marks (区切り約物)
DIVIDING_PUNCTUATION = frozenset("！？‼⁇⁈⁉")
#: cl-05 middle dots (中点類)
MIDDLE_DOTS = frozenset("・：；")
#: cl-06 full stops (句点類)
FULL_STOPS = frozenset("。．")
#: cl-07 commas (読点類)
COMMAS = frozenset("、，")
#: cl-09 iteration marks (繰返し記号)
ITERATION_MARKS = frozenset("ヽヾゝゞ々〻")
#: cl-10 prolonged sound mark (長音記号)
PROLONGED_SOUND_MARK = frozenset("ー")
#: cl-11 small kana (小書きの仮名); ㇷ゚ is ㇷ plus a combining mark, so ㇷ covers it
SMALL_KANA = frozenset(
    "ぁぃぅぇぉァィゥェォっゃゅょゎゕゖッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
#: The members of cl-01/cl-02 that are proportional Western punctuation, not 1 em wide.
WESTERN_QUOTES = frozenset("‘’“”«»")

# Two unions of cl-01, cl-02, cl-06 and cl-07 are in use; they differ on purpose (see each).
#: Closing punctuation as the line composer treats it: no line starts with it (行頭禁則), a
#: full-width one carries a compressible half-em blank after its ink, and no 和欧間 is set
#: next to it. Includes the curly quotes ’” (set as Latin, but 禁則 applies); not the
#: guillemet », and not ｠, which the composer has never listed.
CLOSING_PUNCTUATION = (CLOSING_BRACKETS | FULL_STOPS | COMMAS) - frozenset("»｠")
#: Opening punctuation as the line composer treats it (行末禁則, half-em blank before the
#: ink): cl-01 with the curly quotes ‘“, without « and ｟.
OPENING_PUNCTUATION = OPENING_BRACKETS - frozenset("«｟")
#: The full-width closing brackets, full stops and commas: a 1-em glyph with a half-em blank
#: after the ink, upright in vertical text (UAX #50 Tu/Tr). The vertical font squeezes a
#: pair of them (」」 」「 。」) by half an em with ``kern``. The curly quotes are not here:
#: they are proportional and lie sideways in vertical text (R), with no blank to squeeze.
FULL_WIDTH_CLOSING = (CLOSING_BRACKETS | FULL_STOPS | COMMAS) - WESTERN_QUOTES
#: The full-width opening brackets (a half-em blank before the ink; see FULL_WIDTH_CLOSING).
FULL_WIDTH_OPENING = OPENING_BRACKETS - WESTERN_QUOTES


# -- segment breaks (CSS Text 3, §4.1.2 segment break transformation rules) -------------------
def _hangul(c: str) -> bool:
    o = ord(c)
    return (
        0x1100 <= o <= 0x11FF
        or 0x3130 <= o <= 0x318F
        or 0xA960 <= o <= 0xA97F
        or 0xAC00 <= o <= 0xD7FF
        or 0xFFA0 <= o <= 0xFFDC
    )


def east_asian_wide(c: str) -> bool:
    """East Asian Width F, W or H (not A), and not Hangul."""
    return unicodedata.east_asian_width(c) in ("F", "W", "H") and not _hangul(c)


def segment_break_removable(before: str, after: str) -> bool:
    """Whether a line break inside a paragraph between ``before`` and ``after`` (the
    characters either side of it, "" at an edge) disappears instead of becoming a space:
    next to a zero-width space, or between two East Asian wide characters."""
    if "\u200b" in (before, after):
        return True
    return bool(before and after) and east_asian_wide(before) and east_asian_wide(after)


# -- numerals -------------------------------------------------------------------------------
#: Kanji digits 0–9 (二〇二五年).
KANJI_DIGITS = "〇一二三四五六七八九"

# -- creators and dates ---------------------------------------------------------------------
#: Short labels after a creator's name (title page): 小清水桃源 著.
ROLE_LABELS = {"aut": "著", "edt": "編", "trl": "訳", "ill": "画", "pbl": "発行"}
#: Names of the roles (colophon rows).
ROLE_NAMES = {"aut": "著者", "edt": "編者", "trl": "訳者", "ill": "イラスト", "pbl": "発行者"}


def japanese_date(value: date | datetime | None) -> str:
    """2025年2月9日 (no zero padding; a time of day is left out); "" for None."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


# -- kana, readings, 五十音 order -------------------------------------------------------------
#: 五十音 rows of the glossary; a reading's first kana (katakana as hiragana) picks the row.
KANA_ROWS = (
    ("あ行", "あいうえおぁぃぅぇぉゔ"),
    ("か行", "かきくけこがぎぐげごゕゖ"),
    ("さ行", "さしすせそざじずぜぞ"),
    ("た行", "たちつてとだぢづでどっ"),
    ("な行", "なにぬねの"),
    ("は行", "はひふへほばびぶべぼぱぴぷぺぽ"),
    ("ま行", "まみむめも"),
    ("や行", "やゆよゃゅょ"),
    ("ら行", "らりるれろ"),
    ("わ行", "わゐゑをんゎ"),
)
#: The row of readings that start with anything else (Latin, digits, symbols).
OTHER_ROW = "英数・記号"
#: Combining voiced and semi-voiced sound marks (濁点, 半濁点), as NFD writes them.
VOICING_MARKS = ("\u3099", "\u309a")


def katakana_to_hiragana(text: str) -> str:
    """ァ…ヶ as ぁ…ゖ; everything else (ー, ヷ…ヺ, Latin) unchanged."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def kana_row(reading: str) -> str:
    """The 五十音 row (あ行 … わ行, else 英数・記号) of a reading (katakana counts as hiragana)."""
    if not reading:
        return OTHER_ROW
    first = katakana_to_hiragana(reading[0])
    for label, chars in KANA_ROWS:
        if first in chars:
            return label
    return OTHER_ROW


def gojuon_key(reading: str, term: str) -> tuple[str, str, str]:
    """Sort key for 五十音 order: katakana as hiragana, voiced marks ignored first."""
    hira = katakana_to_hiragana(unicodedata.normalize("NFKC", reading))
    plain = "".join(c for c in unicodedata.normalize("NFD", hira) if c not in VOICING_MARKS)
    return (plain, hira, term)


@cache
def _kakasi() -> Any:
    import pykakasi  # loads its dictionary: only when a reading or a slug is asked for

    return pykakasi.kakasi()


def reading_of(text: str) -> str:
    """pykakasi's hiragana reading of a term, as it gives it (kanji and katakana as
    hiragana, anything else — Latin, ・ — kept)."""
    return "".join(item["hira"] for item in _kakasi().convert(text))


def kana_reading(text: str) -> str | None:
    """A reading to write into a manuscript: :func:`reading_of` the NFKC form, in hiragana,
    keeping only kana, ー and ASCII letters and digits; None when nothing is left."""
    hira = katakana_to_hiragana(reading_of(unicodedata.normalize("NFKC", text)))
    kept = "".join(
        c for c in hira if "ぁ" <= c <= "ゖ" or c == "ー" or (c.isascii() and c.isalnum())
    )
    return kept or None


def romaji_slug(text: str, limit: int | None = None, fallback: str = "") -> str:
    """Lower-case ASCII slug of a Japanese or Latin text: Hepburn romaji (pykakasi) of the
    NFKC form, runs of anything but a–z and 0–9 as one ``-``; cut at a ``-`` to at most
    ``limit`` characters; ``fallback`` when nothing is left."""
    words = [item["hepburn"] for item in _kakasi().convert(unicodedata.normalize("NFKC", text))]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    if limit is not None and len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:limit]
    return slug.strip("-") or fallback
