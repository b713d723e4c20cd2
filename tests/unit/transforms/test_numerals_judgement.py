"""Kanji numerals with judgement: digits stay where a kanji would misread."""

from __future__ import annotations

import pytest

from tougen_pub.transforms.numerals import kanji_numerals
from tougen_pub.transforms.passes import Edition, passes_for

NAMES = frozenset({"青春18きっぷ", "18きっぷ"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年3月1日", "二〇二五年三月一日"),
        ("12人と1,700人", "十二人と一七〇〇人"),
        ("10分待つ", "一〇分待つ"),  # not 十分 (じゅうぶん)
        ("20分と15分", "二十分と十五分"),
        ("10日", "十日"),
        ("大さじ2½", "大さじ2½"),
        ("1と⅓", "1と⅓"),
        ("3.5倍", "3.5倍"),
        ("−15℃", "−15℃"),
        ("25‰", "25‰"),
        ("10km", "10km"),
        ("5%", "5%"),
        ("¥500", "¥500"),
        ("1. 25‰の坂", "1. 25‰の坂"),
        ("18きっぷで行く", "18きっぷで行く"),
        ("青春18きっぷ", "青春18きっぷ"),
        ("18時", "十八時"),
    ],
)
def test_rules(text: str, expected: str) -> None:
    assert kanji_numerals(f"<p>{text}</p>", NAMES) == f"<p>{expected}</p>"


def test_glossary_links_are_left_alone() -> None:
    src = '<p><a class="glossary-ref" href="@glossary/x">18きっぷ</a>で3回</p>'
    assert kanji_numerals(src) == (
        '<p><a class="glossary-ref" href="@glossary/x">18きっぷ</a>で三回</p>'
    )


def test_the_edition_knows_the_names() -> None:
    (name, func), _ = passes_for(Edition("vertical", "kanji", names=NAMES))
    assert name == "kanji-numerals"
    assert func("<p>18きっぷで18時</p>") == "<p>18きっぷで十八時</p>"
