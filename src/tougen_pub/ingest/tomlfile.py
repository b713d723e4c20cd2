"""Reading TOML with located errors: parse failures and schema problems point at file:line."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tougen_pub.diagnostics import Diagnostics, SourceLocation

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
        line = index.get(tuple(path[:end]))
        if line is not None:
            return line + line_offset
    return None


def validate_model(
    model: type[BaseModel],
    data: dict[str, Any],
    text: str,
    display: str,
    diags: Diagnostics,
    *,
    code_prefix: str,
    line_offset: int = 0,
    key_codes: dict[str, str] | None = None,
) -> BaseModel | None:
    """Validate ``data`` against a pydantic model; each problem becomes a located diagnostic.

    A missing top-level key is located at ``line_offset`` (the ``+++`` line of front matter)
    or, in a whole file, at the file; ``key_codes`` maps a top-level key to a specific code.
    """
    fast = construct_valid(model, data)
    if fast is not None:
        return fast
    try:
        return model.model_validate(data)
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


# -- the quick path for valid data ---------------------------------------------------------
# Building a pydantic model's validator costs more than loading a small book, and nearly
# every manuscript is valid. The models are therefore built lazily (``defer_build``), and
# data whose every value already has its field's exact type and meets its constraints is
# taken with ``model_construct``: the very instance validation would give. Anything else
# (a string to coerce, a value out of range, an unknown key, a validator that objects…)
# goes to pydantic, which says what is wrong.


class _Slow(Exception):
    """The quick path cannot vouch for this value: let pydantic validate."""


# Characters Python's str.strip() removes but pydantic's whitespace stripping keeps.
_STRIP_DIFFERS = frozenset("\x1c\x1d\x1e\x1f")


def construct_valid(model: type[BaseModel], data: Any) -> BaseModel | None:
    """``model`` built from ``data`` without running pydantic, when ``data`` is plainly
    valid; None when pydantic has to decide (it then gives the same result or an error)."""
    try:
        return _construct(model, data)
    except _Slow:
        return None


def _construct(model: type[BaseModel], data: Any) -> BaseModel:
    if type(data) is not dict:
        raise _Slow
    config = model.model_config
    fields = model.model_fields
    decorators = model.__pydantic_decorators__
    if decorators.model_validators or decorators.root_validators or decorators.validators:
        raise _Slow
    if config.get("extra") != "forbid" or not set(data) <= set(fields):
        raise _Slow
    if any(f.alias or f.validation_alias for f in fields.values()):
        raise _Slow
    checks: dict[str, list[Any]] = {}
    for dec in decorators.field_validators.values():
        if dec.info.mode not in ("before", "after"):
            raise _Slow
        for name in dec.info.fields:
            checks.setdefault(name, []).append(dec)
    strip = bool(config.get("str_strip_whitespace"))
    values: dict[str, Any] = {}
    for name, info in fields.items():
        if name not in data:
            if info.is_required():
                raise _Slow
            factory = info.default_factory
            if isinstance(factory, type) and issubclass(factory, BaseModel):
                values[name] = _construct(factory, {})  # a default section, e.g. [print]
            continue
        value = data[name]
        own = checks.get(name, [])
        if len(own) > 1:
            raise _Slow
        before = [d for d in own if d.info.mode == "before"]
        if before:
            value = _call(model, before[0], value)
        value = _value(info.annotation, info.metadata, value, strip)
        after = [d for d in own if d.info.mode == "after"]
        if after:
            value = _call(model, after[0], value)
        values[name] = value
    return model.model_construct(_fields_set=set(data), **values)


def _call(model: type[BaseModel], decorator: Any, value: Any) -> Any:
    try:
        return getattr(model, decorator.cls_var_name)(value)
    except Exception:  # noqa: BLE001 - the validator objects: pydantic reports it
        raise _Slow from None


def _value(annotation: Any, metadata: list[Any], value: Any, strip: bool) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            if metadata:
                raise _Slow
            return None
        # smart unions take the member of exactly the value's type
        exact = [a for a in args if isinstance(a, type) and type(value) is a]
        if len(exact) == 1:
            return _value(exact[0], metadata, value, strip)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _value(rest[0], metadata, value, strip)
        raise _Slow
    if origin is typing.Literal:
        if type(value) is str and value in args and not metadata and value == value.strip():
            return value
        raise _Slow
    if origin is list:
        if type(value) is not list or metadata:
            raise _Slow
        return [_value(args[0], [], item, strip) for item in value]
    if origin is dict:
        if type(value) is not dict or metadata:
            raise _Slow
        return {
            _value(args[0], [], k, strip): _value(args[1], [], v, strip) for k, v in value.items()
        }
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if metadata:
            raise _Slow
        return _construct(annotation, value)
    if annotation is str:
        if type(value) is not str:
            raise _Slow
        if strip:
            stripped = value.strip()
            if stripped != value and _STRIP_DIFFERS.intersection(value):
                raise _Slow
            value = stripped
        return _constrained(value, metadata, len(value))
    if annotation is bool:
        if type(value) is not bool or metadata:
            raise _Slow
        return value
    if annotation is int:
        if type(value) is not int:
            raise _Slow
        return _constrained(value, metadata, value)
    if annotation is float:
        if type(value) not in (int, float) or not math.isfinite(value):
            raise _Slow
        value = float(value)
        return _constrained(value, metadata, value)
    if annotation in (dt.date, dt.datetime):
        if type(value) is not annotation or metadata:
            raise _Slow
        return value
    raise _Slow


def _constrained(value: Any, metadata: list[Any], measure: Any) -> Any:
    """``value`` when it meets every constraint (``measure``: its length or itself)."""
    for item in metadata:
        kind = type(item).__name__
        if kind == "MinLen" and measure >= item.min_length:
            continue
        if kind == "MaxLen" and measure <= item.max_length:
            continue
        if kind == "Gt" and measure > item.gt:
            continue
        if kind == "Ge" and measure >= item.ge:
            continue
        if kind == "Lt" and measure < item.lt:
            continue
        if kind == "Le" and measure <= item.le:
            continue
        if (
            kind == "_PydanticGeneralMetadata"
            and set(vars(item)) == {"pattern"}
            and type(value) is str
            and _pattern_ok(item.pattern, value)
        ):
            continue
        raise _Slow
    return value


def _pattern_ok(pattern: str, value: str) -> bool:
    # pydantic matches with Rust's regex engine; on text without line breaks or controls
    # (where the two engines' "$", "\\s" and "\\S" could differ) Python's gives the same answer
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise _Slow
    return _compiled(pattern).search(value) is not None


@functools.lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
