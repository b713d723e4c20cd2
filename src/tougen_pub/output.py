"""Writing outputs atomically: a temporary file in the same folder, renamed into place.

The temporary file is ``.NAME.PID.XXXXXXXX.part`` next to ``NAME``: hidden, never the
final name, and marked with the writing process. It is removed when the write fails, raises,
or the process gets SIGTERM/SIGHUP; only SIGKILL (or a crash) can leave one behind, and the
next write into the folder removes those whose process no longer exists.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from tougen_pub.diagnostics import TougenError

# Signals that end a build politely: they are turned into SystemExit while a temporary
# file is open, so that it is removed (their default action would skip all clean-up).
CLEANUP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
STALE_PART = re.compile(r"^\..+\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.part$")


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in CLEANUP_SIGNALS:
        handler = signal.getsignal(sig)
        if handler is signal.SIG_DFL:  # an application's own handler stays in charge
            previous[sig] = signal.signal(sig, _exit_on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_parts(folder: Path) -> None:
    """Remove temporary files left in ``folder`` by writers that were killed."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = STALE_PART.match(entry.name)
        if m and entry.is_file(follow_symlinks=False) and not _alive(int(m["pid"])):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success it replaces ``target``.

    On any failure (or interruption) the temporary file is removed and a previous
    ``target`` is left as it was.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TougenError(f"cannot create output folder {target.parent}: {exc.strerror}") from None
    remove_stale_parts(target.parent)
    # The name is fixed before the file exists, so that an interruption at any point after
    # its creation (Ctrl-C right after open()) still removes it. It carries this process's
    # id, so no other live writer can hold the same name.
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}.part"
    with _signals_raise():
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            yield tmp
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def atomic_write(target: Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target
