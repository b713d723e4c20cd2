"""The records of the TOML files: the quick path (``construct``) gives exactly the record
pydantic's validation gives, and leaves everything it cannot vouch for to pydantic."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tougen_pub.config import BookConfig, Creator, Fonts, Margins, Print, Series
from tougen_pub.ingest.frontmatter import FrontMatter, SeeAlsoLink
from tougen_pub.ingest.glossary import GlossaryFile, SourceRecord, SourcesFile, TermRecord
from tougen_pub.records.schema import Record, construct, from_schema, schema_of

REPO = Path(__file__).resolve().parents[3]
BOOKS = [REPO / "manuscript", REPO / "tests" / "fixtures" / "books" / "tiny"]


def _slow(model: type[Record], data: Any) -> Record:
    """The record by pydantic's validation alone."""
    return from_schema(model, schema_of(model).model_validate(data))


def _same(fast: Any, slow: Any) -> None:
    assert fast == slow
    assert type(fast) is type(slow)  # nested types too (9.0 is not 9)
    if isinstance(slow, Record):
        for name in vars(slow):
            _same(getattr(fast, name), getattr(slow, name))
    elif isinstance(slow, list):
        for a, b in zip(fast, slow, strict=True):
            _same(a, b)
    elif isinstance(slow, dict):
        for key in slow:
            _same(fast[key], slow[key])


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8")
    return tomllib.loads(text.split("+++\n")[1])


def _shipped() -> list[tuple[type[Record], dict[str, Any]]]:
    cases: list[tuple[type[Record], dict[str, Any]]] = []
    for root in BOOKS:
        cases.append((BookConfig, tomllib.loads((root / "book.toml").read_text("utf-8"))))
        for name, model in (("glossary.toml", GlossaryFile), ("sources.toml", SourcesFile)):
            if (root / name).exists():
                cases.append((model, tomllib.loads((root / name).read_text("utf-8"))))
        for md in sorted((root / "articles").glob("*.md")):
            cases.append((FrontMatter, _front_matter(md)))
    return cases


@pytest.mark.parametrize(("model", "data"), _shipped())
def test_shipped_manuscripts_take_the_quick_path(model: type[Record], data: dict) -> None:
    fast = construct(model, data)
    assert fast is not None
    _same(fast, _slow(model, data))


def test_defaults_and_default_sections() -> None:
    data = {"name": "x", "title": "題", "identifier": "urn:x"}
    fast = construct(BookConfig, data)
    assert fast is not None
    _same(fast, _slow(BookConfig, data))
    assert fast.print == Print() and fast.fonts == Fonts()
    _same(construct(GlossaryFile, {}), GlossaryFile())


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (BookConfig, {"name": "x", "title": "t"}),  # required key missing
        (BookConfig, {"name": "x", "title": "t", "identifier": "i", "colour": "red"}),
        (BookConfig, {"name": "x y", "title": "t", "identifier": "i"}),  # pattern
        (BookConfig, {"name": "x", "title": "  ", "identifier": "i"}),  # empty once stripped
        (BookConfig, {"name": "x", "title": "t", "identifier": "i", "date": "2025-02-09"}),
        (BookConfig, {"name": "x", "title": "t", "identifier": "i", "articles": ["a", "a"]}),
        (Series, {"name": "s", "position": 0}),
        (Series, {"name": "s", "position": True}),
        (Creator, {"name": "n", "role": " aut"}),
        (Print, {"font_size": float("nan")}),
        (Print, {"font_size": "9"}),
        (Margins, {"top": 1, "bottom": 1, "inner": 1, "outer": 0}),
        (FrontMatter, {"title": "\x1ct"}),
        (SourceRecord, {"id": "a", "title": "t", "url": "ftp://x"}),
        (TermRecord, {"term": "t", "definition": "d", "id": "-x"}),
    ],
)
def test_anything_doubtful_is_left_to_pydantic(model: type[Record], data: dict) -> None:
    assert construct(model, data) is None
    try:
        slow = _slow(model, data)
    except ValidationError:
        with pytest.raises(ValidationError):
            model.model_validate(data)
    else:  # valid after all (a string date, a bool as a number…): pydantic's record
        _same(model.model_validate(data), slow)


def test_validators_run_on_the_quick_path() -> None:
    data = {"title": " t ", "date": "2025-02-09T15:13:00+09:00"}  # the date validator parses it
    fast = construct(FrontMatter, data)
    assert fast is not None and isinstance(fast.date, dt.datetime)
    _same(fast, _slow(FrontMatter, data))


# Values of every kind TOML can give, with the edge cases of the constraints.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            " ",
            "x",
            " 題 ",
            "\u3000題\u3000",
            "a\n",
            "\x1c",
            "vertical",
            "horizontal",
            " vertical",
            "aut",
            "trl",
            "a5",
            "b6",
            "kanji",
            "https://example.org/x",
            "http://a b",
            "urn:uuid:1",
            "ja",
            "ja-JP",
            "JA",
            "2025-02-09",
            "x.y-z_1",
            "-x",
        ]
    ),
    st.text(max_size=6),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=9))])),
)


BASES: dict[type[Record], dict[str, Any]] = {
    BookConfig: {"name": "x", "title": "題", "identifier": "urn:x"},
    Creator: {"name": "n"},
    Series: {"name": "s"},
    Print: {},
    Margins: {"top": 1, "bottom": 2.5, "inner": 3, "outer": 4},
    FrontMatter: {"title": "t"},
    SeeAlsoLink: {"title": "t"},
    TermRecord: {"term": "t", "definition": "d"},
    SourceRecord: {"id": "a", "title": "t"},
    GlossaryFile: {},
    SourcesFile: {},
}


def _mutated(model: type[Record], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """A valid record of ``model`` with a few keys replaced, added or removed."""
    names = [f.name for f in dataclasses.fields(model)]  # type: ignore[arg-type]
    keys = st.sampled_from([*names, "extra"])
    changes = st.dictionaries(keys, _values(depth), max_size=2)
    drop = st.sets(st.sampled_from(names), max_size=1)
    return st.builds(
        lambda c, d: {k: v for k, v in {**BASES[model], **c}.items() if k not in d}, changes, drop
    )


def _values(depth: int = 2) -> st.SearchStrategy[Any]:
    if depth == 0:
        return SCALARS
    nested = st.sampled_from(list(BASES)).flatmap(lambda m: _mutated(m, depth - 1))
    return st.one_of(
        SCALARS,
        st.lists(st.one_of(SCALARS, nested), max_size=3),
        nested,
        st.dictionaries(st.sampled_from(["a5", "b6", "bunko", "x"]), nested, max_size=2),
    )


def _data(model: type[Record]) -> st.SearchStrategy[dict[str, Any]]:
    return _mutated(model, 2)


MODELS = [BookConfig, Creator, Series, Print, Margins, FrontMatter, SeeAlsoLink, TermRecord,
          SourceRecord, GlossaryFile, SourcesFile]  # fmt: skip


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_quick_path_agrees_with_pydantic(model: type[Record]) -> None:
    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_data(model))
    def check(data: dict[str, Any]) -> None:
        fast = construct(model, data)
        if fast is None:
            return
        try:
            slow = _slow(model, data)
        except ValidationError as exc:  # pragma: no cover - the failure this test looks for
            raise AssertionError(f"quick path accepted invalid data {data!r}: {exc}") from None
        _same(fast, slow)

    check()


def test_records_validate_like_pydantic_models() -> None:
    margins = Margins(top=20, bottom=1, inner=1.5, outer=1)
    assert margins.top == 20.0 and type(margins.top) is float  # as pydantic would coerce
    with pytest.raises(ValidationError):
        Margins(top=0, bottom=1, inner=1, outer=1)
    with pytest.raises(ValidationError, match="instance of Creator"):
        BookConfig.model_validate({"name": "x", "title": "t", "identifier": "i", "creators": [1]})
    cfg = BookConfig.model_validate({"name": "x", "title": "t", "identifier": "i"})
    copy = cfg.model_copy(update={"print": Print(margins={"b6": margins})})
    assert copy.print.margins["b6"] is margins and cfg.print.margins == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.title = "other"  # type: ignore[misc]


def test_the_pydantic_model_has_the_records_fields_and_descriptions() -> None:
    model = schema_of(BookConfig)
    assert model.__name__ == "BookConfig"
    assert list(model.model_fields) == [f.name for f in dataclasses.fields(BookConfig)]
    assert model.model_fields["title"].description == "Book title."
    assert model.model_config["extra"] == "forbid" and model.model_config["str_strip_whitespace"]
