"""Split an article into TOML front matter (between ``+++`` lines) and its Markdown body."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.records.schema import Field, Record, check
from tougen_pub.records.tomlfile import parse_toml, validate_model

FENCE = "+++"
DATE_CODES = {"date": "bad-date"}  # a wrong date has its own code, located at its line


class SeeAlsoLink(Record):
    """A related post: by URL (matched against the articles of the book) or by article stem."""

    title: str = Field(min_length=1)
    url: str | None = None
    article: str | None = None


class FrontMatter(Record, strip=True):
    """Keys an article's front matter may have."""

    title: str = Field(min_length=1, description="Article title.")
    date: dt.datetime | dt.date | None = Field(
        default=None, description="Publication date(time) of the post."
    )
    url: str | None = Field(default=None, description="Address of the original post.")
    image_credit: str | None = Field(default=None, description="Credit line of the post's image.")
    series: str | None = Field(default=None, description="Series name.")
    sources: list[str] = Field(default_factory=list, description="Ids of sources in sources.toml.")
    see_also: list[SeeAlsoLink] = Field(default_factory=list, description="Related posts.")

    @check("date", mode="before")
    def _parse_date(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(
            f"{value!r} is not a date; write e.g. date = 2025-02-09 or 2025-02-09T15:13:00+09:00"
        )


@dataclass(frozen=True)
class SplitArticle:
    meta: FrontMatter
    body: str
    body_line: int  # line number (1-based) of the body's first line in the file
    meta_text: str


def split_article(text: str, display: str, diags: Diagnostics) -> SplitArticle | None:
    """Split and validate; problems become located diagnostics and None is returned."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        diags.error(
            "frontmatter-missing",
            "article must start with TOML front matter between '+++' lines",
            SourceLocation(display, 1, 1),
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        diags.error(
            "frontmatter-unterminated",
            "front matter opened with '+++' is never closed",
            SourceLocation(display, 1, 1),
        )
        return None
    meta_text = "\n".join(lines[1:end])
    data = parse_toml(
        meta_text, display, diags, line_offset=1, code="frontmatter-syntax", key_codes=DATE_CODES
    )
    if data is None:
        return None
    meta = validate_model(
        FrontMatter,
        data,
        meta_text,
        display,
        diags,
        code_prefix="frontmatter",
        line_offset=1,
        key_codes=DATE_CODES,
    )
    if meta is None:
        return None
    assert isinstance(meta, FrontMatter)
    return SplitArticle(meta, "\n".join(lines[end + 1 :]), end + 2, meta_text)
