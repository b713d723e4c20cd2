"""The ``book.toml`` schema: typed, documented fields; unknown keys are errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from tougen_pub.records.schema import Field, Record, check


class Creator(Record, strip=True):
    """An author, editor or translator of the book."""

    name: str = Field(min_length=1, description="Name as printed (e.g. 小清水 桃源).")
    file_as: str | None = Field(
        default=None, description="Reading used for sorting (e.g. こしみず とうげん)."
    )
    role: Literal["aut", "edt", "trl", "ill", "pbl"] = Field(
        default="aut",
        description="MARC relator: aut author, edt editor, trl translator, ill illustrator.",
    )


class Series(Record, strip=True):
    """The series the book belongs to (EPUB belongs-to-collection)."""

    name: str = Field(min_length=1, description="Series name, e.g. 桃源閑話.")
    position: int | None = Field(default=None, ge=1, description="Volume number within the series.")


class Fonts(Record, strip=True):
    """Fonts of the print editions and the cover: a path, ``path:index`` for a .ttc, or empty
    to let fontconfig find an installed Japanese font."""

    mincho: str | None = Field(default=None, description="Body text face (明朝).")
    gothic: str | None = Field(default=None, description="Heading face (ゴシック).")


class Margins(Record, strip=True):
    """Page margins in millimetres for one trim size (book page orientation, not layout)."""

    top: float = Field(gt=0, description="Head margin (天).")
    bottom: float = Field(gt=0, description="Foot margin (地).")
    inner: float = Field(gt=0, description="Gutter margin (のど).")
    outer: float = Field(gt=0, description="Fore-edge margin (小口).")


class Print(Record, strip=True):
    """Print edition settings."""

    font_size: float = Field(default=9.0, gt=4, lt=30, description="Body size in points.")
    line_height: float = Field(
        default=1.75, ge=1.0, le=3.0, description="Line pitch as a multiple of the body size."
    )
    margins: dict[Literal["a5", "b6", "bunko", "shinsho"], Margins] = Field(
        default_factory=dict, description="Margins per trim size; presets apply where absent."
    )
    r2l_viewer: bool = Field(
        default=False, description="Ask PDF viewers to show right-bound spreads (/Direction /R2L)."
    )
    pages_multiple: Literal[1, 2, 4, 8, 16] = Field(
        default=4,
        description="Blank pages at the end bring the page count to a multiple of this "
        "(printed sheets fold into signatures of 4, 8 or 16 pages); 1: no blanks.",
    )
    colour: Literal["gray", "colour"] = Field(
        default="gray",
        description="Ink of the book: gray (one colour: text and images on the black "
        "plate) or colour (images keep their colours; text stays black only).",
    )
    press: Literal["x1a", "x4", "kdp"] | None = Field(
        default=None,
        description="Press-ready output as with --press: PDF/X-1a, PDF/X-4 or KDP paperback.",
    )


VOLUME_SPLIT = re.compile(r"month|year|(count|pages):([1-9][0-9]{0,5})")


class Volume(Record, strip=True):
    """One volume (巻) of a series compiled in several books: a ``[[volumes]]`` table, or
    the rule of a ``[volumes]`` table (``split``)."""

    title: str | None = Field(
        default=None, min_length=1, description="Volume subtitle, e.g. 2025年2月 (optional)."
    )
    articles: list[str] = Field(
        default_factory=list, description="Its articles as file stems, in reading order."
    )
    first: str | None = Field(
        default=None, description="Or a range: the stem of its first article (key: from)."
    )
    last: str | None = Field(default=None, description="The stem of its last article (key: to).")
    identifier: str | None = Field(
        default=None,
        min_length=1,
        description="Identifier of this volume (e.g. its ISBN); default: derived from the book's.",
    )
    split: str | None = Field(
        default=None,
        description="[volumes] only: month or year (by article date), count:N (N articles "
        "each) or pages:N (at most N pages each, counted in the default print edition).",
    )

    @check("articles", mode="after")
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an article is listed twice")
        return value

    @check("split", mode="after")
    def _split_rule(cls, value: str | None) -> str | None:
        if value is not None and not VOLUME_SPLIT.fullmatch(value):
            raise ValueError(
                f"split = {value!r}: write month, year, count:N or pages:N (N a whole number)"
            )
        return value


def volume_title(series: str, position: int | None) -> str | None:
    """The title of a volume of a series: 「桃源閑話 第2巻」."""
    return f"{series} 第{position}巻" if position is not None else None


class BookConfig(Record, strip=True):
    """Everything ``book.toml`` may say. Fields marked 要記入 in a new manuscript must be filled
    in by hand before publishing."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Base name of the output files (build/NAME.epub, build/NAME-vertical.pdf).",
    )
    title: str = Field(min_length=1, description="Book title.")
    title_reading: str | None = Field(default=None, description="Reading of the title (file-as).")
    subtitle: str | None = Field(default=None, description="Subtitle.")
    creators: list[Creator] = Field(default_factory=list, description="Authors and contributors.")
    language: str = Field(
        default="ja", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", description="BCP 47 language."
    )
    identifier: str = Field(
        min_length=1, description="Unique identifier, e.g. urn:uuid:… or urn:isbn:…."
    )
    publisher: str | None = Field(default=None, description="Publisher (奥付).")
    rights: str | None = Field(default=None, description="Rights statement (奥付).")
    date: dt.date | None = Field(default=None, description="Publication date of this edition.")
    description: str | None = Field(
        default=None, description="Short description for the EPUB metadata."
    )
    series: Series | None = Field(default=None, description="Series membership.")
    writing_mode: Literal["vertical", "horizontal"] = Field(
        default="vertical",
        description="Default writing mode: vertical (縦組) or horizontal (横組).",
    )
    trim: Literal["a5", "b6", "bunko", "shinsho"] = Field(
        default="a5",
        description="Trim size of the print edition: a5, b6, bunko (A6), shinsho (103×182 mm).",
    )
    numerals: Literal["arabic", "kanji"] = Field(
        default="arabic",
        description="Numerals in vertical editions: arabic (tate-chu-yoko) or kanji (二〇二五年).",
    )
    tcy: Literal["auto", "manual"] = Field(
        default="auto",
        description="Tate-chu-yoko: auto sets 1–2 digit numbers upright; manual only ^12^ markup.",
    )
    articles: list[str] = Field(
        default_factory=list,
        description="Reading order as article file stems (articles/NN-slug.md); empty: by file name.",
    )
    volumes: list[Volume] = Field(
        default_factory=list,
        description="Compile the series in volumes (巻): [[volumes]] tables, or [volumes] "
        "with split = month | year | count:N | pages:N.",
    )
    fonts: Fonts = Field(default_factory=Fonts, description="Fonts (see [fonts]).")
    print: Print = Field(default_factory=Print, description="Print edition settings (see [print]).")

    @check("volumes", mode="before")
    def _volume_ranges(cls, value: object) -> object:
        # [volumes] (a rule) is read as one volume holding only ``split``; ``from`` and
        # ``to`` read naturally in book.toml but are not Python names
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list):
            renamed = {"from": "first", "to": "last"}
            return [
                {renamed.get(k, k): v for k, v in item.items()} if isinstance(item, dict) else item
                for item in value
            ]
        return value

    @check("volumes", mode="after")
    def _one_rule(cls, value: list[Volume]) -> list[Volume]:
        rules = [v for v in value if v.split is not None]
        if rules and len(value) > 1:
            raise ValueError("a [volumes] split rule and [[volumes]] tables cannot be mixed")
        for v in rules:
            if v.title or v.articles or v.first or v.last or v.identifier:
                raise ValueError("[volumes] with split takes no other key")
        for v in value:
            if v.split is None and bool(v.articles) == bool(v.first or v.last):
                raise ValueError("each [[volumes]] lists its articles, or gives from and to")
        return value

    @check("date", mode="before")
    def _strict_date(cls, value: object) -> object:
        # pydantic would read a bare number as a Unix timestamp; a book date is a calendar date
        if value is None or isinstance(value, dt.date | str):
            return value
        raise ValueError(f"{value!r} is not a date; write e.g. date = 2025-02-09")

    def shows_series(self) -> bool:
        """Whether title page and cover name the series: not when it only repeats the title
        (a book named after its series)."""
        if self.series is None or self.title == volume_title(
            self.series.name, self.series.position
        ):
            return False  # a volume titled 「桃源閑話 第2巻」 names its series already
        return self.series.name != self.title or self.series.position is not None

    def series_label(self) -> str | None:
        """The series as the title page, the cover and the colophon name it, with its
        position: 「桃源閑話 3」; None when the series is not shown (:meth:`shows_series`)."""
        if self.series is None or not self.shows_series():
            return None
        position = f" {self.series.position}" if self.series.position is not None else ""
        return self.series.name + position

    @check("articles", mode="after")
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for stem in value:
            if stem in seen:
                raise ValueError(f"article '{stem}' is listed twice")
            seen.add(stem)
        return value
