"""Tables whose cells hold ruby, glossary links and citations (ingest/tables.py)."""

from __future__ import annotations

from tougen_pub.ingest.mdext import Converter, Resolver
from tougen_pub.ingest.tables import cell_count, protect, table_rows

TABLE = """| 駅 | 時刻 | 備考 |
|---|---|---|
| {野辺山|のべやま} | 6:40 | [[青春18きっぷ|18きっぷ]]可 |
| 清里 | 7:02 | 時刻表[@jikoku] |
| 小淵沢 | 7:30 | 上り\\|下り |
"""


def converter() -> Converter:
    return Converter(
        Resolver(term_ids={"青春18きっぷ": "s18"}, source_numbers={"jikoku": 1}), images=None
    )


def cells(html: str) -> list[str]:
    import re

    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html)


def test_markup_inside_cells() -> None:
    c = converter()
    html = c.convert(TABLE)
    assert c.findings == []
    got = cells(html)
    assert got[:3] == ["駅", "時刻", "備考"]
    assert got[3] == "<ruby>野辺山<rt>のべやま</rt></ruby>"
    assert got[4] == "6:40"
    assert (
        got[5].startswith('<a class="glossary-ref" href="@glossary/s18"')
        and ">18きっぷ</a>可" in got[5]
    )
    assert 'href="@source/jikoku"' in got[8]
    assert got[9:] == ["小淵沢", "7:30", "上り|下り"]
    assert len(got) == 12


def test_protect_only_inside_ruby_and_glossary() -> None:
    assert protect("| {a|b} | [[t|l]] | `x|y` | c |") == "| {a\x1fb} | [[t\x1fl]] | `x|y` | c |"
    assert protect("| a \\| b |") == "| a \\| b |"
    assert cell_count(protect("| {a|b} | c |")) == 2
    assert cell_count("a | b | c") == 3
    assert cell_count("| a \\| b |") == 1


def test_row_of_wrong_width_is_located() -> None:
    c = converter()
    c.convert("本文\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 1 | 2 | 3 |\n| 1 |\n")
    assert [(f.code, f.line, f.error) for f in c.findings] == [
        ("table-cells", 6, True),
        ("table-cells", 7, True),
    ]


def test_fenced_code_and_plain_text_are_left_alone() -> None:
    lines = ["```", "| {a|b} | c |", "|---|---|", "```", "{a|b} | x"]
    assert table_rows(lines) == lines
