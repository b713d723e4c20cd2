"""Where things are in a TOML text, so that it can be edited as text.

``import --update`` merges into files the author may have edited: it replaces or appends
whole ``[[term]]`` / ``[[source]]`` tables and appends to the ``articles`` array of
book.toml, leaving every other byte (comments, layout, key order) as it was. This module
finds the tables and the array with a small scanner that knows TOML's strings and comments
(a line ``[[x]]`` inside a multi-line string is text, not a table); whoever edits checks the
result by parsing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER = re.compile(r"\[(\[?)\s*([A-Za-z0-9_.-]+|\"[^\"\n]*\")\s*\]\]?")
KEY = re.compile(
    r"((?:[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')"
    r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*'))*)\s*=\s*"
)


class ScanError(ValueError):
    """The text is not TOML this scanner can follow (an unterminated string or array)."""


@dataclass(frozen=True)
class Table:
    """A table header and the lines of its body: ``lines[start:end]`` holds the header and
    everything up to the next header, without the blank lines at the end."""

    name: str
    array: bool  # [[name]]
    start: int  # 0-based line index of the header
    end: int


@dataclass(frozen=True)
class ArraySpan:
    """A top-level ``key = [ … ]``: offsets of ``[``, of ``]`` and of the last character of
    the last value (the ``[`` when the array is empty), in the text."""

    open: int
    close: int
    last: int


@dataclass
class Scan:
    tables: list[Table]
    arrays: dict[str, ArraySpan]  # top-level keys whose value is an array


def scan(text: str) -> Scan:
    """Tables and top-level arrays of ``text``; raises :class:`ScanError` when lost."""
    lines = text.split("\n")
    headers: list[tuple[int, str, bool]] = []
    arrays: dict[str, ArraySpan] = {}
    stack: list[str] = []  # open brackets of a value
    array_key: str | None = None  # top-level key whose array value is open
    array_open = last = 0
    line_start = True
    i, n, line = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            line_start = True
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if line_start and not stack:
            line_start = False
            if c == "[":
                m = HEADER.match(text, i)
                if m is None:
                    raise ScanError(f"line {line + 1}: not a table header")
                headers.append((line, m.group(2).strip('"'), bool(m.group(1))))
                i = m.end()
                continue
            m = KEY.match(text, i)
            if m is None:
                raise ScanError(f"line {line + 1}: not a key")
            if not headers and text.startswith("[", m.end()):
                array_key, array_open = m.group(1).strip("\"'"), m.end()
            i = m.end()
            continue
        line_start = False
        if c in "\"'":
            end = _string_end(text, i)
            line += text.count("\n", i, end)
            last = end - 1
            i = end
            continue
        if c in "[{":
            stack.append("]" if c == "[" else "}")
            last = i
        elif c in "]}":
            if not stack or stack.pop() != c:
                raise ScanError(f"line {line + 1}: unbalanced {c}")
            if not stack and array_key is not None:
                arrays.setdefault(array_key, ArraySpan(array_open, i, last))
                array_key = None
            last = i
        else:
            last = i
        i += 1
    if stack:
        raise ScanError("an array or inline table is not closed")
    tables = []
    for k, (start, name, array) in enumerate(headers):
        end = headers[k + 1][0] if k + 1 < len(headers) else len(lines)
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        tables.append(Table(name, array, start, end))
    return Scan(tables, arrays)


def _string_end(text: str, i: int) -> int:
    """Offset just after the string that starts at ``text[i]``."""
    quote = text[i]
    triple = text.startswith(quote * 3, i)
    j = i + (3 if triple else 1)
    while j < len(text):
        c = text[j]
        if c == "\\" and quote == '"':
            j += 2
            continue
        if c == "\n" and not triple:
            break
        if c == quote:
            if not triple:
                return j + 1
            run = len(text) - j - len(text[j:].lstrip(quote))
            if run >= 3:
                return j + min(run, 5)
            j += run
            continue
        j += 1
    raise ScanError(f"unterminated string at offset {i}")


def entry_text(lines: list[str], table: Table) -> str:
    """The text of one table (header to its last non-blank line)."""
    return "\n".join(lines[table.start : table.end])


def with_array_items(text: str, span: ArraySpan, items: list[str]) -> str:
    """``text`` with already-quoted ``items`` appended to the array at ``span``: on the line of
    the last value when the closing bracket is on that line too, else a line per item
    (indented as the last value) before the line of the closing bracket."""
    if not items:
        return text
    mark = text[span.last]
    if "\n" not in text[span.last : span.close]:
        insert = ("" if mark in "[," else ",") + ("" if mark == "[" else " ") + ", ".join(items)
        return text[: span.last + 1] + insert + text[span.last + 1 :]
    close_line = text.rfind("\n", 0, span.close) + 1
    last_line = text.rfind("\n", 0, span.last) + 1
    written = text[last_line : span.last]
    indent = written[: len(written) - len(written.lstrip(" \t"))] if mark != "[" else ""
    indent = indent or "    "
    head = text[: span.last + 1] + ("" if mark in "[," else ",")
    added = "".join(f"{indent}{item},\n" for item in items)
    return head + text[span.last + 1 : close_line] + added + text[close_line:]
