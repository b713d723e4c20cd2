"""UAX #50 Vertical_Orientation lookup."""

from pathlib import Path

import pytest

from tougen_pub.pdf.vertical.orientation import UNICODE_VERSION, parse_ucd, vo

# Values from VerticalOrientation-15.0.0.txt (UAX #50).
EXPECTED = {
    "、": "Tu",
    "。": "Tu",
    "，": "Tu",
    "．": "Tu",
    "「": "Tr",
    "」": "Tr",
    "『": "Tr",
    "（": "Tr",
    "）": "Tr",
    "【": "Tr",
    "ー": "Tr",
    "〜": "Tr",
    "～": "Tr",
    "：": "Tr",
    "…": "R",
    "―": "R",
    "—": "R",
    "ぁ": "Tu",
    "ゃ": "Tu",
    "っ": "Tu",
    "ァ": "Tu",
    "ヶ": "Tu",
    "あ": "U",
    "ア": "U",
    "漢": "U",
    "・": "U",
    "！": "Tu",
    "？": "Tu",
    "０": "U",
    "Ａ": "U",
    "A": "R",
    "a": "R",
    "1": "R",
    "(": "R",
    " ": "R",
    "\u3000": "U",
    "§": "U",
    "×": "U",
    "㍻": "Tu",
    "㌔": "Tu",
    "가": "U",
    "\U00020bb7": "U",  # 𠮷 (CJK Extension B)
    "\U0001f600": "U",  # emoji
    "\u0410": "R",  # Cyrillic А
}


@pytest.mark.parametrize(("ch", "value"), sorted(EXPECTED.items()))
def test_representative_characters(ch: str, value: str) -> None:
    assert vo(ch) == value


def test_rejects_more_than_one_character() -> None:
    with pytest.raises(ValueError):
        vo("ab")


UCD = Path("/usr/share/unicode/VerticalOrientation.txt")


@pytest.mark.skipif(not UCD.is_file(), reason="unicode-data not installed")
def test_table_matches_the_unicode_data_file() -> None:
    header = UCD.read_text(encoding="utf-8").splitlines()[0]
    if UNICODE_VERSION not in header:
        pytest.skip(f"installed file is {header}, table is {UNICODE_VERSION}")
    ranges = parse_ucd(UCD)
    assert len(ranges) > 100

    def expected(cp: int) -> str:
        return next((v for first, last, v in ranges if first <= cp <= last), "R")

    # both ends, the middle and the neighbours of every non-R run of the file
    for first, last, value in ranges:
        for cp in (first, (first + last) // 2, last):
            assert vo(chr(cp)) == value, hex(cp)
        for cp in (first - 1, last + 1):
            if 0 <= cp < 0x110000 and not 0xD800 <= cp <= 0xDFFF:
                assert vo(chr(cp)) == expected(cp), hex(cp)
    # and a sample of everything
    for cp in range(0, 0x32000, 61):
        if not 0xD800 <= cp <= 0xDFFF:
            assert vo(chr(cp)) == expected(cp), hex(cp)
