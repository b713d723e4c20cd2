"""Loading ``glossary.toml`` and ``sources.toml`` into records, with located problems."""

from __future__ import annotations

from pathlib import Path

from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.ja import romaji_slug
from tougen_pub.records.schema import Field, Record
from tougen_pub.records.tomlfile import locate_key, parse_toml, read_text, validate_model

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class TermRecord(Record, strip=True):
    """A ``[[term]]`` of glossary.toml."""

    id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Anchor id; from the term if absent."
    )
    term: str = Field(min_length=1, description="The term as it appears in the text.")
    reading: str | None = Field(default=None, description="Reading in kana, for 五十音 order.")
    definition: str = Field(min_length=1, description="Definition, in Markdown.")
    aliases: list[str] = Field(default_factory=list, description="Other names that resolve here.")
    origin: str | None = Field(
        default=None, description="Where the entry came from (article path)."
    )


class GlossaryFile(Record):
    note: str | None = Field(default=None, description="A note printed under the glossary heading.")
    term: list[TermRecord] = Field(default_factory=list)


class SourceRecord(Record, strip=True):
    """A ``[[source]]`` of sources.toml: one work, however many articles cite it."""

    id: str = Field(pattern=ID_PATTERN, description="Id used in [@id] and front matter.")
    title: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    publisher: str | None = None
    published: str | None = None
    accessed: str | None = None


class SourcesFile(Record):
    source: list[SourceRecord] = Field(default_factory=list)


def slug_of(text: str) -> str:
    """The anchor id of a term that glossary.toml gives none: its romaji slug, or "term"."""
    return romaji_slug(text, fallback="term")


def load_toml_file(
    path: Path, display: str, model: type[Record], diags: Diagnostics, prefix: str
) -> tuple[Record | None, str]:
    if not path.exists():
        return model(), ""
    if not outside_check(path, display, diags):
        return None, ""
    text = read_text(path, display, diags)
    if text is None:
        return None, ""
    data = parse_toml(text, display, diags)
    if data is None:
        return None, text
    return validate_model(model, data, text, display, diags, code_prefix=prefix), text


def outside_check(path: Path, display: str, diags: Diagnostics) -> bool:
    """A manuscript file that is a link to a file outside the manuscript is refused."""
    if path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
        diags.error(
            "path-escape",
            "file is a link to a file outside the manuscript",
            SourceLocation(display),
        )
        return False
    return True


def check_unique(
    items: list[tuple[str, tuple[str | int, ...]]],
    text: str,
    display: str,
    diags: Diagnostics,
    code: str,
    what: str,
) -> None:
    seen: dict[str, int | None] = {}
    for key, path in items:
        line = locate_key(text, path)
        if key in seen:
            first = f" (first at line {seen[key]})" if seen[key] else ""
            diags.error(
                code, f"{what} '{key}' is defined twice{first}", SourceLocation(display, line)
            )
        else:
            seen[key] = line
