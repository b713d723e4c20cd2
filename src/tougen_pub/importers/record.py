"""The import record, ``.tougen-import.toml``: what the importer last wrote into a manuscript.

``tougen-pub import`` (first import, ``--force`` and ``--update``) writes it next to
book.toml. It holds a SHA-256 per article file and per glossary and source entry, with what
identifies them (the post's title, date and address; the term; the work's address), so that
``import --update`` can tell what the author edited by hand (kept as it is) from what only
the importer wrote (updated from the newer export). The manuscript loader never reads it
(hidden file), so ``tougen-pub check`` and the builds ignore it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tougen_pub.importers import tomltext as toml

RECORD = ".tougen-import.toml"
VERSION = 1
HEAD = (
    "# Written by 'tougen-pub import': what the importer last wrote into this manuscript (a\n"
    "# SHA-256 per article, glossary entry and source), so that 'tougen-pub import --update'\n"
    "# updates only what was not edited by hand. Do not edit it; without it, an update keeps\n"
    "# every existing article as it is."
)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleMark:
    """An article file as the importer wrote it, and the post it holds."""

    path: str  # articles/NN-slug.md
    sha256: str
    title: str
    date: dt.datetime
    url: str | None = None


@dataclass(frozen=True)
class EntryMark:
    """A glossary or source entry as the importer wrote it: its id, what names it (the
    term; the work's address, or its title when it has none) and the SHA-256 of its table."""

    id: str
    key: str
    sha256: str


@dataclass
class ImportRecord:
    articles: dict[str, ArticleMark] = field(default_factory=dict)  # by path
    terms: dict[str, EntryMark] = field(default_factory=dict)  # by id
    sources: dict[str, EntryMark] = field(default_factory=dict)  # by id

    def text(self) -> str:
        out = [HEAD, f"version = {VERSION}"]
        for a in sorted(self.articles.values(), key=lambda a: a.path):
            lines = [
                "[[article]]",
                toml.key_value("path", a.path),
                toml.key_value("sha256", a.sha256),
                toml.key_value("title", a.title),
                toml.key_value("date", a.date),
            ]
            if a.url:
                lines.append(toml.key_value("url", a.url))
            out.append("\n".join(lines))
        for name, entries, key in (("term", self.terms, "term"), ("source", self.sources, "key")):
            for e in entries.values():
                out.append(
                    "\n".join(
                        [
                            f"[[{name}]]",
                            toml.key_value("id", e.id),
                            toml.key_value(key, e.key),
                            toml.key_value("sha256", e.sha256),
                        ]
                    )
                )
        return "\n\n".join(out) + "\n"


class RecordUnreadable(ValueError):
    """The record exists but is not one this importer wrote."""


def read_record(path: Path) -> ImportRecord | None:
    """The record of a manuscript folder; None when there is none."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordUnreadable(str(exc)) from None
    try:
        data = tomllib.loads(text)
        if data.get("version") != VERSION:
            raise RecordUnreadable(f"version {data.get('version')!r}, not {VERSION}")
        record = ImportRecord()
        for a in _tables(data, "article"):
            date = a["date"]
            if not isinstance(date, dt.datetime):
                raise RecordUnreadable("an article's date is not a date-time")
            url = _str(a, "url") if "url" in a else None
            mark = ArticleMark(_str(a, "path"), _str(a, "sha256"), _str(a, "title"), date, url)
            record.articles[mark.path] = mark
        for t in _tables(data, "term"):
            record.terms[_str(t, "id")] = EntryMark(
                _str(t, "id"), _str(t, "term"), _str(t, "sha256")
            )
        for s in _tables(data, "source"):
            record.sources[_str(s, "id")] = EntryMark(
                _str(s, "id"), _str(s, "key"), _str(s, "sha256")
            )
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise RecordUnreadable(str(exc)) from None
    return record


def _tables(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(f"'{name}' is not a list of tables")
    return value


def _str(table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise TypeError(f"'{key}' is not a string")
    return value
