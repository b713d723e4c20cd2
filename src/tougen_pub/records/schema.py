"""Records of the manuscript's TOML files (book.toml, front matter, glossary, sources).

A record class is a frozen, keyword-only dataclass whose fields say what they accept:
the annotation (``str``, ``int | None``, ``list[Creator]``, ``Literal[…]``…), constraints
given to :func:`Field` (``min_length``, ``pattern``, ``gt``/``ge``/``lt``/``le``), the class's
``strip`` flag (surrounding whitespace of strings removed) and field checks (:func:`check`).
Unknown keys are refused.

The rules are pydantic's: :func:`schema_of` turns a record class into the pydantic model
with the same fields, constraints, checks and name, and pydantic is the judge of anything
doubtful and the author of every error message. Building that model (and importing
pydantic) costs more than loading a small book, and nearly every manuscript is valid, so
data whose every value already has its field's exact type and meets its constraints is
taken as it is (:func:`construct`): the record pydantic's validation would give. Only
other data (a string to coerce, a value out of range, an unknown key, a check that
objects…) goes through pydantic.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import math
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeGuard, TypeVar

R = TypeVar("R", bound="Record")
T = TypeVar("T")
_MISSING = dataclasses.MISSING
CONSTRAINTS = frozenset({"min_length", "pattern", "gt", "ge", "lt", "le"})


def Field(  # noqa: N802 - named like the pydantic function it stands for
    default: Any = _MISSING,
    *,
    default_factory: Callable[[], Any] | None = None,
    description: str | None = None,
    **constraints: Any,
) -> Any:
    """A record field: its default (none: required), description and constraints."""
    unknown = set(constraints) - CONSTRAINTS
    if unknown:
        raise TypeError(f"unknown constraint {sorted(unknown)}")
    meta = {"constraints": constraints, "description": description}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def check(field: str, *, mode: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark ``func(cls, value)`` as a check of ``field``, run before (``mode="before"``) or
    after (``"after"``) the value's type is checked; it returns the value (possibly
    changed) or raises ValueError (pydantic's ``field_validator``)."""
    if mode not in ("before", "after"):
        raise ValueError(mode)

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__record_check__ = (field, mode)  # type: ignore[attr-defined]
        return func

    return mark


@typing.dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(Field,))
class Record:
    """Base of the record classes (subclasses become frozen keyword-only dataclasses;
    ``class X(Record, strip=True)`` strips the whitespace around strings)."""

    __strip__: ClassVar[bool] = False
    __checks__: ClassVar[dict[str, list[tuple[str, Callable[..., Any]]]]] = {}
    if typing.TYPE_CHECKING:
        # set on every subclass by dataclasses.dataclass (__init_subclass__): a record is a
        # dataclass instance, whose fields dataclasses.fields() lists
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, strip: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__strip__ = strip
        checks: dict[str, list[tuple[str, Callable[..., Any]]]] = {}
        for value in vars(cls).values():
            mark = getattr(value, "__record_check__", None)
            if mark:
                checks.setdefault(mark[0], []).append((mark[1], value))
        cls.__checks__ = checks
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    def __post_init__(self) -> None:
        # Direct construction (``Margins(top=20, …)``) validates like pydantic's constructor.
        cls = type(self)
        given = {}
        for f in dataclasses.fields(cls):
            value = getattr(self, f.name)
            if f.default is not _MISSING and value is f.default:
                continue  # a default is not validated
            given[f.name] = value
        done = cls.model_validate(given)
        for f in dataclasses.fields(cls):
            object.__setattr__(self, f.name, getattr(done, f.name))

    @classmethod
    def model_validate(cls: type[R], data: Any) -> R:
        """A record from ``data``; pydantic's ValidationError when it is not valid."""
        record = construct(cls, data)
        if record is None:
            record = from_schema(cls, schema_of(cls).model_validate(_as_data(data)))
        return record

    def model_copy(self: R, update: dict[str, Any] | None = None) -> R:
        """A copy with some fields replaced (not validated, like pydantic's model_copy)."""
        other = copy.copy(self)
        for name, value in (update or {}).items():
            object.__setattr__(other, name, value)
        return other


def _record_class(annotation: Any) -> TypeGuard[type[Record]]:
    return isinstance(annotation, type) and issubclass(annotation, Record)


def _per_class(func: Callable[[type[Record]], T]) -> Callable[[type[Record]], T]:
    """``functools.cache`` for a function of a record class. The cache's wrapper takes
    ``*args: Hashable``, and mypy does not see that a class object is hashable
    (python/mypy#11470: ``type[X]`` is not ``Hashable``): the wrapper is typed as the
    function it caches."""
    return typing.cast("Callable[[type[Record]], T]", functools.cache(func))


@_per_class
def _fields(cls: type[Record]) -> dict[str, tuple[Any, dataclasses.Field[Any]]]:
    """name -> (resolved annotation, dataclass field), in declaration order."""
    names = vars(sys.modules[cls.__module__])
    return {
        f.name: (eval(f.type, names) if isinstance(f.type, str) else f.type, f)  # noqa: S307 - the class's own annotations
        for f in dataclasses.fields(cls)
    }


# -- the pydantic model of a record ----------------------------------------------------------


@_per_class
def schema_of(cls: type[Record]) -> Any:
    """The pydantic model that validates ``cls``: same name, fields, constraints and checks."""
    import pydantic

    fields: dict[str, Any] = {}
    for name, (annotation, f) in _fields(cls).items():
        kwargs = dict(f.metadata.get("constraints", {}))
        if f.metadata.get("description") is not None:
            kwargs["description"] = f.metadata.get("description")
        if f.default_factory is not _MISSING:
            factory = f.default_factory
            kwargs["default_factory"] = schema_of(factory) if _record_class(factory) else factory
            fields[name] = (_schema_annotation(annotation), pydantic.Field(**kwargs))
        elif f.default is not _MISSING:
            fields[name] = (_schema_annotation(annotation), pydantic.Field(f.default, **kwargs))
        else:
            fields[name] = (_schema_annotation(annotation), pydantic.Field(**kwargs))
    validators = {
        func.__name__: pydantic.field_validator(field, mode=mode)(classmethod(func))  # type: ignore[call-overload]
        for field, marks in cls.__checks__.items()
        for mode, func in marks
    }
    config = pydantic.ConfigDict(extra="forbid", frozen=True)
    if cls.__strip__:
        config["str_strip_whitespace"] = True
    model = pydantic.create_model(  # type: ignore[call-overload]
        cls.__name__,
        __config__=config,
        __doc__=cls.__doc__,
        __module__=cls.__module__,
        __validators__=validators,
        **fields,
    )
    _RECORD_OF[model] = cls
    return model


_RECORD_OF: dict[Any, type[Record]] = {}


def _schema_annotation(annotation: Any) -> Any:
    if _record_class(annotation):
        return schema_of(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_schema_annotation(a) for a in args)]  # noqa: UP007
    if origin is list:
        return list[_schema_annotation(args[0])]  # type: ignore[misc]
    if origin is dict:
        return dict[_schema_annotation(args[0]), _schema_annotation(args[1])]  # type: ignore[misc]
    return annotation


def from_schema(cls: type[R], model: Any) -> R:
    """The record of a validated pydantic model of ``schema_of(cls)``."""
    return _make(cls, {name: _plain(getattr(model, name)) for name in _fields(cls)})


def _plain(value: Any) -> Any:
    record = _RECORD_OF.get(type(value))
    if record is not None:
        return from_schema(record, value)
    if type(value) is list:
        return [_plain(v) for v in value]
    if type(value) is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


def _as_data(value: Any) -> Any:
    """Records inside ``value`` as the dictionaries pydantic takes."""
    if isinstance(value, Record):
        return {f.name: _as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if type(value) is list:
        return [_as_data(v) for v in value]
    if type(value) is dict:
        return {k: _as_data(v) for k, v in value.items()}
    return value


def _make(cls: type[R], values: dict[str, Any]) -> R:
    record = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(record, name, value)
    return record


# -- the quick path for plainly valid data ------------------------------------------------------


class _Slow(Exception):
    """The quick path cannot vouch for this value: let pydantic validate."""


# Characters Python's str.strip() removes but pydantic's whitespace stripping keeps.
_STRIP_DIFFERS = frozenset("\x1c\x1d\x1e\x1f")


def construct(cls: type[R], data: Any) -> R | None:
    """The record of ``data`` when it is plainly valid; None when pydantic has to decide
    (it then gives the same record, or an error)."""
    try:
        return _construct(cls, data)
    except _Slow:
        return None


def _construct(cls: type[R], data: Any) -> R:
    if type(data) is not dict:
        raise _Slow
    fields = _fields(cls)
    if not set(data) <= set(fields):
        raise _Slow
    values: dict[str, Any] = {}
    for name, (annotation, f) in fields.items():
        if name not in data:
            if f.default is not _MISSING:
                values[name] = f.default
            elif f.default_factory is not _MISSING:
                values[name] = f.default_factory()
            else:
                raise _Slow  # required
            continue
        value = data[name]
        marks = cls.__checks__.get(name, [])
        if len(marks) > 1:
            raise _Slow
        if marks and marks[0][0] == "before":
            value = _run(cls, marks[0][1], value)
        value = _value(annotation, f.metadata.get("constraints", {}), value, cls.__strip__)
        if marks and marks[0][0] == "after":
            value = _run(cls, marks[0][1], value)
        values[name] = value
    return _make(cls, values)


def _run(cls: type[Record], func: Callable[..., Any], value: Any) -> Any:
    try:
        return func(cls, value)
    except Exception:  # noqa: BLE001 - the check objects: pydantic reports it
        raise _Slow from None


def _value(annotation: Any, constraints: dict[str, Any], value: Any, strip: bool) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args and not constraints:
            return None
        # a union takes the member of exactly the value's type
        exact = [a for a in args if isinstance(a, type) and type(value) is a]
        if len(exact) == 1:
            return _value(exact[0], constraints, value, strip)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _value(rest[0], constraints, value, strip)
        raise _Slow
    if origin is typing.Literal:
        if type(value) is str and value in args and not constraints and value == value.strip():
            return value
        raise _Slow
    if origin is list:
        if type(value) is not list or constraints:
            raise _Slow
        return [_value(args[0], {}, item, strip) for item in value]
    if origin is dict:
        if type(value) is not dict or constraints:
            raise _Slow
        return {
            _value(args[0], {}, k, strip): _value(args[1], {}, v, strip) for k, v in value.items()
        }
    if _record_class(annotation):
        if constraints:
            raise _Slow
        if type(value) is annotation:
            return value
        return _construct(annotation, value)
    if annotation is str:
        if type(value) is not str:
            raise _Slow
        if strip:
            stripped = value.strip()
            if stripped != value and _STRIP_DIFFERS.intersection(value):
                raise _Slow
            value = stripped
        return _constrained(value, constraints, len(value))
    if annotation is bool:
        if type(value) is not bool or constraints:
            raise _Slow
        return value
    if annotation is int:
        if type(value) is not int:
            raise _Slow
        return _constrained(value, constraints, value)
    if annotation is float:
        if type(value) not in (int, float) or not math.isfinite(value):
            raise _Slow
        value = float(value)
        return _constrained(value, constraints, value)
    if annotation in (dt.date, dt.datetime):
        if type(value) is not annotation or constraints:
            raise _Slow
        return value
    raise _Slow


def _constrained(value: Any, constraints: dict[str, Any], measure: Any) -> Any:
    """``value`` when it meets every constraint (``measure``: its length or itself)."""
    for kind, limit in constraints.items():
        if kind == "min_length" and measure >= limit:
            continue
        if kind == "gt" and measure > limit:
            continue
        if kind == "ge" and measure >= limit:
            continue
        if kind == "lt" and measure < limit:
            continue
        if kind == "le" and measure <= limit:
            continue
        if kind == "pattern" and type(value) is str and _pattern_ok(limit, value):
            continue
        raise _Slow
    return value


def _pattern_ok(pattern: str, value: str) -> bool:
    # pydantic matches with Rust's regex engine; on text without line breaks or controls
    # (where the two engines' "$", "\s" and "\S" could differ) Python's gives the same answer
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise _Slow
    return _compiled(pattern).search(value) is not None


@functools.lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
