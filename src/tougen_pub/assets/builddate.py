"""The build date of reproducible builds: ``SOURCE_DATE_EPOCH``, parsed in one place.

The variable (https://reproducible-builds.org/specs/source-date-epoch/) holds a number of
seconds since 1970-01-01T00:00:00Z written as ASCII digits. When it is set, every output
carries that time instead of the clock's; when it is set to something else the build
stops with an error naming the variable, rather than silently falling back to another
date. What a writer uses when the variable is unset is the writer's own policy (the EPUB
takes the current time, the PDF the edition date of book.toml).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from tougen_pub.diagnostics import TougenError

ENV_VAR = "SOURCE_DATE_EPOCH"
_DIGITS = re.compile(r"[0-9]+")


def source_date_epoch(environ: Mapping[str, str] | None = None) -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware UTC datetime; None when unset or empty.

    Raises :class:`TougenError` when the value is not a whole non-negative number of
    seconds, or names a time past the year 9999.
    """
    env = os.environ if environ is None else environ
    raw = env.get(ENV_VAR)
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if not _DIGITS.fullmatch(value):
        raise TougenError(
            f"{ENV_VAR}={raw!r} is not a number of seconds since 1970-01-01 "
            f"(digits only, as `date +%s` prints); unset it or fix its value"
        )
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        raise TougenError(
            f"{ENV_VAR}={raw!r} is too large: it is not a date a book can carry"
        ) from None


__all__ = ["ENV_VAR", "source_date_epoch"]
