"""Reading TOML with located errors: parse failures and schema problems point at file:line."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.records.schema import construct, from_schema, schema_of

if TYPE_CHECKING:
    from tougen_pub.records.schema import Record

TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
TOML_ERROR_EOF = re.compile(r"\(at end of document\)")
HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
# C0 (except tab and line feed), DEL and C1 controls: invisible, and not allowed in XML.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional embedding/override/isolate controls: they reorder what a reader sees without
# changing the text (and Japanese text never needs them); zero-width spaces, word joiners
# and stray BOMs: invisible characters that break search and line composition.
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
KEY_LINE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def read_text(path: Path, display: str, diags: Diagnostics) -> str | None:
    """Read a UTF-8 text file (a BOM and CRLF line ends are fine); None after a located error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        diags.error("file-unreadable", f"cannot read file: {exc.strerror}", SourceLocation(display))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(
            "encoding",
            f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            SourceLocation(display, line, col),
        )
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL.search(text)
    if bad is not None:
        lineno = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        diags.error(
            "control-char",
            f"control character U+{ord(bad.group(0)):04X} in the text; remove it",
            SourceLocation(display, lineno, col),
        )
        return None
    for hidden in INVISIBLE.finditer(text):
        lineno = text.count("\n", 0, hidden.start()) + 1
        col = hidden.start() - (text.rfind("\n", 0, hidden.start()) + 1) + 1
        diags.warning(
            "invisible-char",
            f"invisible character U+{ord(hidden.group(0)):04X} in the text; remove it unless "
            "it is meant to be there",
            SourceLocation(display, lineno, col),
        )
    return text


def parse_toml(
    text: str,
    display: str,
    diags: Diagnostics,
    line_offset: int = 0,
    code: str = "toml-syntax",
    key_codes: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """Parse TOML; a syntax error becomes a located diagnostic (lines shifted by ``line_offset``).

    ``key_codes`` gives a more precise code when the error is on the line of a given key
    (``{"date": "bad-date"}``: ``date = 2025-02-30`` is a TOML error, but the user's problem
    is the date).
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = TOML_ERROR_AT.search(msg)
        if match:
            rel, col = int(match.group(1)), int(match.group(2))
        else:
            rel, col = text.count("\n") + 1, None
        clean = TOML_ERROR_EOF.sub("", TOML_ERROR_AT.sub("", msg)).strip()
        lines = text.split("\n")
        key = KEY_LINE.match(lines[rel - 1]) if 0 < rel <= len(lines) else None
        name = key.group(1).strip("\"'") if key else ""
        if key_codes and name in key_codes:
            code = key_codes[name]
            clean = f"'{name}' is not a valid TOML date or date-time ({clean})"
        diags.error(code, f"invalid TOML: {clean}", SourceLocation(display, rel + line_offset, col))
        return None


@functools.lru_cache(maxsize=32)
def _key_index(text: str) -> dict[tuple[str | int, ...], int]:
    """Line (1-based) of the first occurrence of every table and key path of a TOML text."""
    index: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    counts: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        header = HEADER.match(line)
        if header and not KEY_LINE.match(line):
            name = header.group(2).strip()
            if header.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                table = (*name.split("."), counts[name])
            else:
                table = tuple(name.split("."))
            index.setdefault(table, number)
            continue
        key = KEY_LINE.match(line)
        if key:
            index.setdefault((*table, *key.group(1).strip("\"'").split(".")), number)
    return index


def locate_key(text: str, path: tuple[str | int, ...], line_offset: int = 0) -> int | None:
    """Best-effort line (1-based) of a key path such as ("creators", 0, "name") in TOML text:
    the key's line, else the line of the nearest enclosing key or table that is written."""
    index = _key_index(text)
    for end in range(len(path), 0, -1):
        # an array of tables ([[volumes]]) is written as its first table
        line = index.get(tuple(path[:end]), index.get((*path[:end], 0)))
        if line is not None:
            return line + line_offset
    return None


def validate_model(
    model: type[Record],
    data: dict[str, Any],
    text: str,
    display: str,
    diags: Diagnostics,
    *,
    code_prefix: str,
    line_offset: int = 0,
    key_codes: dict[str, str] | None = None,
) -> Record | None:
    """Validate ``data`` against a record class; each problem becomes a located diagnostic.

    A missing top-level key is located at ``line_offset`` (the ``+++`` line of front matter)
    or, in a whole file, at the file; ``key_codes`` maps a top-level key to a specific code.
    """
    fast = construct(model, data)  # plainly valid data: no need for pydantic
    if fast is not None:
        return fast
    from pydantic import ValidationError

    try:
        return from_schema(model, schema_of(model).model_validate(data))
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            line = locate_key(text, loc, line_offset)
            if err["type"] == "extra_forbidden":
                code, message = f"{code_prefix}-unknown-key", f"unknown key '{dotted}'"
            elif err["type"] == "missing":
                code, message = f"{code_prefix}-missing-key", f"required key '{dotted}' is missing"
                if not loc[:-1]:
                    line = line_offset or None
            elif key_codes and loc and str(loc[0]) in key_codes:
                code, message = key_codes[str(loc[0])], f"'{dotted}': {err['msg']}"
            else:
                code, message = f"{code_prefix}-invalid", f"'{dotted}': {err['msg']}"
            diags.error(code, message, SourceLocation(display, line))
        return None
