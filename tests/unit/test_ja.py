"""Japanese text rules (tougen_pub.ja) against values written by hand."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from datetime import UTC, date, datetime
from typing import get_args, get_type_hints

import pytest

from tougen_pub import ja
from tougen_pub.config import Creator

# -- roles and dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "label", "name"),
    [
        ("aut", "著", "著者"),
        ("edt", "編", "編者"),
        ("trl", "訳", "訳者"),
        ("ill", "画", "イラスト"),
        ("pbl", "発行", "発行者"),
    ],
)
def test_role_label_and_name(role: str, label: str, name: str) -> None:
    assert ja.ROLE_LABELS[role] == label
    assert ja.ROLE_NAMES[role] == name


def test_every_role_of_book_toml_has_a_label_and_a_name() -> None:
    roles = set(get_args(get_type_hints(Creator)["role"]))
    assert roles == set(ja.ROLE_LABELS) == set(ja.ROLE_NAMES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2025, 2, 9), "2025年2月9日"),
        (datetime(2025, 2, 9, 15, 13), "2025年2月9日"),  # the time is left out
        (datetime(1994, 12, 31, 23, 59, 59, tzinfo=UTC), "1994年12月31日"),
        (date(2000, 1, 1), "2000年1月1日"),
        (None, ""),
    ],
)
def test_japanese_date(value: date | None, expected: str) -> None:
    assert ja.japanese_date(value) == expected


# -- kana, readings, slugs ------------------------------------------------------------------


def test_katakana_to_hiragana() -> None:
    assert (
        ja.katakana_to_hiragana("ナトー・ヴァイオリン・ヶ月 ABC")
        == "なとー・ゔぁいおりん・ゖ月 ABC"
    )
    assert ja.katakana_to_hiragana("ヷ") == "ヷ"  # no hiragana counterpart: kept


@pytest.mark.parametrize(
    ("reading", "row"),
    [
        ("あめ", "あ行"),
        ("ヴァイオリン", "あ行"),  # ヴ → ゔ
        ("がいこう", "か行"),
        ("ぜんせん", "さ行"),
        ("っぽ", "た行"),
        ("ナトー", "な行"),
        ("ぶだぺすと", "は行"),
        ("ぱりこうわ", "は行"),
        ("みんく", "ま行"),
        ("ゃ", "や行"),
        ("ろしあ", "ら行"),
        ("をかし", "わ行"),
        ("ん", "わ行"),
        ("nato", "英数・記号"),
        ("1994ねん", "英数・記号"),
        ("ー", "英数・記号"),
        ("", "英数・記号"),
    ],
)
def test_kana_row(reading: str, row: str) -> None:
    assert ja.kana_row(reading) == row


def test_gojuon_order_voiced_after_plain_katakana_after_hiragana() -> None:
    words = ["がっこう", "カッコウ", "かっこう", "あか", "ＮＡＴＯ"]
    assert sorted(words, key=lambda w: ja.gojuon_key(w, w)) == [
        "ＮＡＴＯ",  # NFKC: NATO, before kana
        "あか",
        "かっこう",
        "カッコウ",  # same reading: the term decides
        "がっこう",
    ]


@pytest.mark.parametrize(
    ("term", "reading"),
    [
        ("平和", "へいわ"),
        ("NATO加盟", "NATOかめい"),
        ("ロシア・ジョージア戦争", "ろしあ・じょーじあせんそう"),
        ("パートナーシップ", "ぱーとなーしっぷ"),
    ],
)
def test_reading_of(term: str, reading: str) -> None:
    assert ja.reading_of(term) == reading


@pytest.mark.parametrize(
    ("term", "reading"),
    [
        ("ロシア・ジョージア戦争", "ろしあじょーじあせんそう"),  # ・ dropped
        ("ＮＡＴＯ加盟", "NATOかめい"),  # full-width Latin read as ASCII
        ("平和のためのパートナーシップ", "へいわのためのぱーとなーしっぷ"),
        ("！？", None),
    ],
)
def test_kana_reading(term: str, reading: str | None) -> None:
    assert ja.kana_reading(term) == reading


def test_romaji_slug() -> None:
    assert ja.romaji_slug("NATO拡大とロシアの反応") == "nato-kakudai-to-roshia-no-hannou"
    assert ja.romaji_slug("ブダペスト覚書") == "budapesuto-oboegaki"
    assert ja.romaji_slug("Partnership for Peace") == "partnership-for-peace"
    assert ja.romaji_slug("aaaa-bbbb-cccc", 10) == "aaaa-bbbb"  # cut at a word
    assert ja.romaji_slug("abcdefghijkl", 5) == "abcde"  # one word: cut inside it
    assert ja.romaji_slug("！？") == ""
    assert ja.romaji_slug("！？", fallback="term") == "term"


def test_pykakasi_is_loaded_only_when_asked_for() -> None:
    code = "import sys, tougen_pub.ja; assert 'pykakasi' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- JLReq character classes ----------------------------------------------------------------
# From JLReq appendix A, by code point. Where JLReq gives an ASCII code point set full-width
# (0028 0029 005B 005D 007B 007D 0021 003F 003A 003B 002E 002C), its full-width form is
# written here, and ｟｠ (FF5F/FF60) for JLReq's ⦅⦆ (2985/2986): what Japanese text holds.
JLREQ = {
    "cl-01": "2018 201C FF08 3014 FF3B FF5B 3008 300A 300C 300E 3010 FF5F 3018 3016 00AB 301D",
    "cl-02": "2019 201D FF09 3015 FF3D FF5D 3009 300B 300D 300F 3011 FF60 3019 3017 00BB 301F",
    "cl-03": "2010 301C 30A0 2013",
    "cl-04": "FF01 FF1F 203C 2047 2048 2049",
    "cl-05": "30FB FF1A FF1B",
    "cl-06": "3002 FF0E",
    "cl-07": "3001 FF0C",
    "cl-09": "30FD 30FE 309D 309E 3005 303B",
    "cl-10": "30FC",
    "cl-11": "3041 3043 3045 3047 3049 30A1 30A3 30A5 30A7 30A9 3063 3083 3085 3087 308E 3095 "
    "3096 30C3 30E3 30E5 30E7 30EE 30F5 30F6 31F0 31F1 31F2 31F3 31F4 31F5 31F6 31F7 31F8 "
    "31F9 31FA 31FB 31FC 31FD 31FE 31FF",
}
CLASSES = {
    "cl-01": ja.OPENING_BRACKETS,
    "cl-02": ja.CLOSING_BRACKETS,
    "cl-03": ja.HYPHENS,
    "cl-04": ja.DIVIDING_PUNCTUATION,
    "cl-05": ja.MIDDLE_DOTS,
    "cl-06": ja.FULL_STOPS,
    "cl-07": ja.COMMAS,
    "cl-09": ja.ITERATION_MARKS,
    "cl-10": ja.PROLONGED_SOUND_MARK,
    "cl-11": ja.SMALL_KANA,
}


@pytest.mark.parametrize("cls", sorted(JLREQ))
def test_jlreq_class(cls: str) -> None:
    expected = frozenset(chr(int(cp, 16)) for cp in JLREQ[cls].split())
    assert CLASSES[cls] == expected


# character: (in CLOSING_PUNCTUATION, OPENING_PUNCTUATION, FULL_WIDTH_CLOSING,
# FULL_WIDTH_OPENING)
MEMBERSHIP = {
    "」": (True, False, True, False),
    "、": (True, False, True, False),
    "。": (True, False, True, False),
    "，": (True, False, True, False),
    "．": (True, False, True, False),
    "）": (True, False, True, False),
    "「": (False, True, False, True),
    "（": (False, True, False, True),
    "〝": (False, True, False, True),
    "〟": (True, False, True, False),
    # curly quotes: composer's 禁則 applies; proportional, so no kerning in the vertical font
    "”": (True, False, False, False),
    "’": (True, False, False, False),
    "“": (False, True, False, False),
    "‘": (False, True, False, False),
    # ｟｠: full-width, kerned; never in the composer's lists
    "｠": (False, False, True, False),
    "｟": (False, False, False, True),
    # guillemets: in neither
    "»": (False, False, False, False),
    "«": (False, False, False, False),
    # not brackets, stops or commas
    "・": (False, False, False, False),
    "ー": (False, False, False, False),
    "!": (False, False, False, False),
    ")": (False, False, False, False),
}


@pytest.mark.parametrize("ch", sorted(MEMBERSHIP))
def test_punctuation_sets(ch: str) -> None:
    got = (
        ch in ja.CLOSING_PUNCTUATION,
        ch in ja.OPENING_PUNCTUATION,
        ch in ja.FULL_WIDTH_CLOSING,
        ch in ja.FULL_WIDTH_OPENING,
    )
    assert got == MEMBERSHIP[ch]


def test_full_width_sets_are_the_full_width_members() -> None:
    brackets_stops_commas = ja.OPENING_BRACKETS | ja.CLOSING_BRACKETS | ja.FULL_STOPS | ja.COMMAS
    wide = {c for c in brackets_stops_commas if unicodedata.east_asian_width(c) in "FW"}
    assert wide == ja.FULL_WIDTH_CLOSING | ja.FULL_WIDTH_OPENING
    assert len(ja.FULL_WIDTH_CLOSING) == 17 and len(ja.FULL_WIDTH_OPENING) == 13


def test_kanji_digits() -> None:
    assert "".join(ja.KANJI_DIGITS[int(d)] for d in "2025") == "二〇二五"
