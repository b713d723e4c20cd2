"""An existing manuscript as ``import --update`` sees it: which post each article holds, and
the glossary and source entries with the exact text of each.

Nothing here judges the manuscript (``tougen-pub check`` does); what cannot be read well
enough to merge into safely stops the update with a located error: an article whose post
cannot be told (front matter unreadable, and the import record does not know the file), a
glossary.toml or sources.toml that is not TOML or not a list of ``[[term]]`` /
``[[source]]`` tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tougen_pub.diagnostics import Diagnostics, SourceLocation, TougenError
from tougen_pub.importers.export import norm_title
from tougen_pub.importers.record import ArticleMark, ImportRecord
from tougen_pub.importers.tomlspans import ScanError, Table, entry_text, scan
from tougen_pub.records.tomlfile import parse_toml
from tougen_pub.urls import norm_url

#: the loader's rule for article file names (ingest.articles.ARTICLE_NAME)
ARTICLE_NAME = re.compile(r"^(\d{1,4})-([A-Za-z0-9][A-Za-z0-9_-]*)$")
FENCE = "+++"

Key = tuple[str, ...]


def post_keys(title: str, date: dt.datetime | dt.date | None, url: str | None) -> list[Key]:
    """What identifies a post: its address, else its title with its date (and time)."""
    keys: list[Key] = []
    if url:
        keys.append(("url", norm_url(url)))
    if isinstance(date, dt.datetime):
        when = date.astimezone(dt.UTC).isoformat() if date.tzinfo else date.isoformat()
        keys.append(("when", norm_title(title), when))
    elif isinstance(date, dt.date):
        keys.append(("day", norm_title(title), date.isoformat()))
    return keys


@dataclass
class Existing:
    """An article file of the folder."""

    path: str  # articles/NN-slug.md
    stem: str
    number: int
    digits: int  # how many digits its number is written with
    data: bytes
    sha256: str
    title: str | None = None
    url: str | None = None
    series: str | None = None
    mark: ArticleMark | None = None  # what the record says the importer wrote there
    keys: list[Key] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.stem.split("-", 1)[1]

    @property
    def written_by_importer(self) -> bool:
        """The file is byte-identical to what the importer last wrote there."""
        return self.mark is not None and self.mark.sha256 == self.sha256


@dataclass
class Entry:
    """A ``[[term]]`` or ``[[source]]`` table of glossary.toml / sources.toml."""

    table: Table
    data: dict[str, Any]
    text: str  # the table as written (header to its last non-blank line)
    sha256: str

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None


@dataclass
class EntryFile:
    """glossary.toml or sources.toml: its text and entries (absent: ``exists`` is False)."""

    exists: bool
    text: str = ""
    entries: list[Entry] = field(default_factory=list)


def read_articles(root: Path, display: Path, record: ImportRecord | None) -> list[Existing]:
    """The article files of ``root/articles`` in number order; a file whose post cannot be
    told raises a located :class:`TougenError`."""
    folder = root / "articles"
    if not folder.is_dir():
        return []
    found = []
    diags = Diagnostics()
    for path in sorted(folder.iterdir()):
        match = ARTICLE_NAME.match(path.stem)
        if path.suffix != ".md" or path.name.startswith(".") or not match or not path.is_file():
            continue
        rel = f"articles/{path.name}"
        where = str(display / rel)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TougenError(
                f"{where} cannot be read",
                [
                    diags.error(
                        "file-unreadable",
                        f"cannot read file: {exc.strerror}",
                        SourceLocation(where),
                    )
                ],
            ) from None
        art = Existing(
            rel,
            path.stem,
            int(match.group(1)),
            len(match.group(1)),
            data,
            hashlib.sha256(data).hexdigest(),
            mark=record.articles.get(rel) if record else None,
        )
        meta = _front_matter(data, where, diags if art.mark is None else Diagnostics())
        if meta is not None:
            title = meta.get("title")
            art.title = title if isinstance(title, str) else None
            url, series = meta.get("url"), meta.get("series")
            art.url = url if isinstance(url, str) else None
            art.series = series if isinstance(series, str) else None
            if art.title:
                art.keys += post_keys(art.title, meta.get("date"), art.url)
            elif art.url:
                art.keys += post_keys("", None, art.url)
        if art.mark is not None:
            art.keys += post_keys(art.mark.title, art.mark.date, art.mark.url)
            art.title = art.title or art.mark.title
            art.url = art.url or art.mark.url
        found.append(art)
    if diags.errors:
        raise TougenError(
            "cannot tell which post an article holds; fix its front matter "
            "(tougen-pub check) and update again",
            diags.errors,
        )
    return sorted(found, key=lambda a: (a.number, a.stem))


def _front_matter(data: bytes, where: str, diags: Diagnostics) -> dict[str, Any] | None:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError:
        diags.error("encoding", "file is not UTF-8; save it as UTF-8", SourceLocation(where))
        return None
    lines = text.split("\n")
    if lines[0].strip() != FENCE:
        diags.error(
            "frontmatter-missing",
            "article must start with TOML front matter between '+++' lines",
            SourceLocation(where, 1, 1),
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if end is None:
        diags.error(
            "frontmatter-unterminated",
            "front matter opened with '+++' is never closed",
            SourceLocation(where, 1, 1),
        )
        return None
    return parse_toml(
        "\n".join(lines[1:end]), where, diags, line_offset=1, code="frontmatter-syntax"
    )


def read_entries(path: Path, where: str, table: str, code: str) -> EntryFile:
    """glossary.toml (``table="term"``) or sources.toml (``"source"``) with the text of each
    entry; raises a located :class:`TougenError` when it cannot be merged into."""
    diags = Diagnostics()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return EntryFile(False)
    except OSError as exc:
        diags.error("file-unreadable", f"cannot read file: {exc.strerror}", SourceLocation(where))
        raise TougenError(f"{where} cannot be read", diags.errors) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # as the loader reads it
    except UnicodeDecodeError:
        diags.error("encoding", "file is not UTF-8; save it as UTF-8", SourceLocation(where))
        raise TougenError(f"{where} cannot be read", diags.errors) from None
    data = parse_toml(text, where, diags)
    if data is None:
        raise TougenError(f"{where} is not valid TOML; nothing was updated", diags.errors)
    items = data.get(table, [])
    try:
        tables = [t for t in scan(text).tables if t.name == table]
    except ScanError:
        tables = []
    ok = (
        isinstance(items, list)
        and all(isinstance(i, dict) for i in items)
        and len(tables) == len(items)
        and all(t.array for t in tables)
    )
    if not ok:
        diags.error(
            code,
            f"cannot merge into it: write each entry as a [[{table}]] table",
            SourceLocation(where),
        )
        raise TougenError(f"{where} cannot be merged into; nothing was updated", diags.errors)
    lines = text.split("\n")
    entries = []
    for t, item in zip(tables, items, strict=True):
        body = entry_text(lines, t)
        entries.append(Entry(t, item, body, hashlib.sha256(body.encode("utf-8")).hexdigest()))
    return EntryFile(True, text, entries)


def names_of(entry: Entry) -> list[str]:
    """The term and aliases of a glossary entry."""
    names = [entry.data.get("term")]
    aliases = entry.data.get("aliases")
    if isinstance(aliases, list):
        names += aliases
    return [n for n in names if isinstance(n, str) and n.strip()]
