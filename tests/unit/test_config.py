"""book.toml schema: defaults, allowed values, unknown keys located at their line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from tougen_pub.config import BookConfig
from tougen_pub.diagnostics import Diagnostics
from tougen_pub.records.tomlfile import locate_key, parse_toml, validate_model

MINIMAL = {"name": "b", "title": "本", "identifier": "urn:uuid:1"}


def test_defaults() -> None:
    cfg = BookConfig.model_validate(MINIMAL)
    assert (cfg.language, cfg.writing_mode, cfg.trim, cfg.numerals, cfg.tcy) == (
        "ja",
        "vertical",
        "a5",
        "arabic",
        "auto",
    )
    assert cfg.articles == [] and cfg.fonts.mincho is None and cfg.print.font_size == 9.0


@pytest.mark.parametrize(
    "extra",
    [
        {"trim": "a4"},
        {"writing_mode": "diagonal"},
        {"name": "名前"},
        {"language": "Japanese"},
        {"date": 2025},
        {"colour": "red"},
        {"print": {"font_size": 100}},
        {"print": {"margins": {"a5": {"top": 10}}}},
        {"creators": [{"name": "x", "role": "boss"}]},
        {"articles": ["01-a", "01-a"]},
    ],
)
def test_invalid_values_are_refused(extra: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BookConfig.model_validate({**MINIMAL, **extra})


def test_date_accepts_toml_dates_and_iso_strings() -> None:
    assert BookConfig.model_validate({**MINIMAL, "date": dt.date(2025, 2, 9)}).date == dt.date(
        2025, 2, 9
    )
    assert BookConfig.model_validate({**MINIMAL, "date": "2025-02-09"}).date == dt.date(2025, 2, 9)


TEXT = """\
name = "b"
title = "本"
identifier = "urn:uuid:1"

[print]
font_size = 9
margins.a5 = { top = 10, bottom = 10, inner = 10, outer = 10, extra = 1 }

[[creators]]
name = "甲"

[[creators]]
name = "乙"
nickname = "x"
"""


def test_unknown_keys_are_located_at_their_line() -> None:
    diags = Diagnostics()
    data = parse_toml(TEXT, "book.toml", diags)
    assert data is not None
    assert validate_model(BookConfig, data, TEXT, "book.toml", diags, code_prefix="book") is None
    found = sorted((d.code, d.location.line) for d in diags if d.location)  # type: ignore[misc]
    assert found == [("book-unknown-key", 7), ("book-unknown-key", 14)]
    assert "creators.1.nickname" in " ".join(d.message for d in diags)


def test_locate_key_paths() -> None:
    assert locate_key(TEXT, ("title",)) == 2
    assert locate_key(TEXT, ("print", "font_size")) == 6
    assert locate_key(TEXT, ("creators", 1, "name")) == 13
    assert locate_key(TEXT, ("creators", 1)) == 12
    assert locate_key(TEXT, ("creators", 1, "missing")) == 12  # nearest written parent
    assert locate_key(TEXT, ("nothing",)) is None
    assert locate_key(TEXT, ("title",), line_offset=1) == 3


def test_toml_syntax_error_is_located() -> None:
    diags = Diagnostics()
    assert parse_toml('a = 1\nb = "x\n', "f.toml", diags, line_offset=10) is None
    [diag] = diags.items
    assert diag.code == "toml-syntax" and diag.location is not None and diag.location.line == 12


def test_key_codes_name_the_real_problem() -> None:
    diags = Diagnostics()
    assert parse_toml("date = 2025-02-30\n", "f", diags, key_codes={"date": "bad-date"}) is None
    assert diags.codes() == ["bad-date"]


def test_tiny_fixture_book_toml_is_valid() -> None:
    import tomllib

    path = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "tiny" / "book.toml"
    cfg = BookConfig.model_validate(tomllib.loads(path.read_text("utf-8")))
    assert cfg.name == "tiny" and cfg.series is not None and cfg.series.name == "試験叢書"


def test_series_shown_unless_it_only_repeats_the_title() -> None:
    from tougen_pub.config import BookConfig

    base = {"name": "b", "title": "桃源閑話", "identifier": "urn:uuid:x"}
    assert not BookConfig.model_validate(base).shows_series()
    same = BookConfig.model_validate({**base, "series": {"name": "桃源閑話"}})
    assert not same.shows_series()
    numbered = BookConfig.model_validate({**base, "series": {"name": "桃源閑話", "position": 2}})
    assert numbered.shows_series()
    other = BookConfig.model_validate({**base, "series": {"name": "試験叢書"}})
    assert other.shows_series()
