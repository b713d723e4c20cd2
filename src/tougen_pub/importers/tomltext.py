"""Writing TOML by hand, so that the files read well and come out byte-identical every time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _escaped(value: str, keep_newlines: bool) -> str:
    out = []
    for ch in value:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def string(value: str) -> str:
    """A one-line TOML basic string."""
    return '"' + _escaped(value, keep_newlines=False) + '"'


def multiline(value: str) -> str:
    """A multi-line string; literal (no escapes, easy to edit) whenever that is possible."""
    text = value.strip("\n") + "\n"
    safe = "'''" not in text and not any(ord(c) < 0x20 and c not in "\n\t" for c in text)
    if safe:
        return "'''\n" + text + "'''"
    return '"""\n' + _escaped(text, keep_newlines=True) + '"""'


def array(values: Iterable[str]) -> str:
    return "[" + ", ".join(string(v) for v in values) + "]"


def datetime(value: dt.datetime) -> str:
    """An offset date-time, e.g. 2025-02-09T15:13:00+09:00."""
    return value.isoformat(timespec="seconds")


def key_value(key: str, value: str | list[str] | dt.datetime) -> str:
    if isinstance(value, list):
        return f"{key} = {array(value)}"
    if isinstance(value, dt.datetime):
        return f"{key} = {datetime(value)}"
    return f"{key} = {string(value)}"
