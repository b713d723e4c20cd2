"""Progress lines for long builds: shown on a terminal, silent in pipes and CI.

    with progress(len(book.articles), "articles") as step:
        for article in book.articles:
            render(article)
            step()

On a terminal (stderr is a tty, ``TERM`` is not ``dumb``, ``CI`` is unset) this redraws one
line ``articles 12/340`` on stderr and erases it when the block ends, so the final
``wrote …`` message and the diagnostics stay readable. Anywhere else it prints nothing and
costs one function call per step. ``TOUGEN_PROGRESS=1`` forces it on, ``=0`` off.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

MIN_INTERVAL = 0.1  # seconds between redraws; the last step is always drawn


class Step(Protocol):
    """What ``progress`` yields: call it with the number of units just finished."""

    def __call__(self, n: int = 1) -> None: ...


def enabled(stream: TextIO | None = None) -> bool:
    """Whether progress lines would be drawn on ``stream`` (default: stderr)."""
    forced = os.environ.get("TOUGEN_PROGRESS", "")
    if forced in ("0", "1"):
        return forced == "1"
    stream = sys.stderr if stream is None else stream
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


class _Bar:
    def __init__(self, total: int, label: str, stream: TextIO) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream
        self.done = 0
        self._last_draw = float("-inf")
        self._width = 0

    def __call__(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.done >= self.total or now - self._last_draw >= MIN_INTERVAL:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        text = f"{self.label} {min(self.done, self.total)}/{self.total}"
        pad = " " * max(self._width - len(text), 0)
        self._width = len(text)
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()

    def clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def _noop(n: int = 1) -> None:
    """Progress step when nothing is shown."""


@contextmanager
def progress(total: int, label: str, stream: TextIO | None = None) -> Iterator[Step]:
    """Yield ``step(n=1)``: call it after each of ``total`` units of work named ``label``."""
    out = sys.stderr if stream is None else stream
    if not enabled(out):
        yield _noop
        return
    bar = _Bar(total, label, out)
    bar._draw()
    try:
        yield bar
    finally:
        bar.clear()


class _Status:
    """A one-line status of work whose size is not known in advance."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.bar = _Bar(0, label, stream)
        self._last_draw = float("-inf")

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        if now - self._last_draw < MIN_INTERVAL:
            return
        self._last_draw = now
        bar = self.bar
        line = f"{bar.label} {text}"
        pad = " " * max(bar._width - len(line), 0)
        bar._width = len(line)
        bar.stream.write(f"\r{line}{pad}")
        bar.stream.flush()


def _no_status(text: str) -> None:
    """Status update when nothing is shown."""


@contextmanager
def status(label: str, stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """Yield ``update(text)`` that redraws ``label text`` (e.g. ``PDF page 12``); same rules
    for when anything is shown as :func:`progress`."""
    out = sys.stderr if stream is None else stream
    if not enabled(out):
        yield _no_status
        return
    line = _Status(label, out)
    try:
        yield line
    finally:
        line.bar.clear()
