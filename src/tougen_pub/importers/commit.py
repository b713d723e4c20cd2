"""Writing several files of a folder as one change: all of them, or none.

Every new content is first written to a temporary file next to its target; only when all
are written are they renamed into place, each rename atomic. The previous version of each
target is kept aside (a hard link, or the file itself renamed) until the end, so that a
failure while renaming puts back every file already replaced and removes every file and
folder the change created. Files the change does not name are never touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def commit(root: Path, files: dict[str, bytes], write: Callable[[Path, bytes], None]) -> None:
    """Write ``files`` (paths relative to ``root``) into ``root``; raises OSError when it
    cannot, and then ``root`` holds exactly what it held before. ``write(path, data)``
    writes one temporary file."""
    tag = f"{os.getpid()}.{secrets.token_hex(4)}"
    created: list[Path] = []  # folders made for new files, outermost first
    staged: list[tuple[Path, Path]] = []  # (temporary, target)
    done: list[tuple[Path, Path | None]] = []  # (target, previous version aside)
    try:
        for rel in sorted(files):
            target = root / rel
            _make_folders(target.parent, created)
            tmp = target.parent / f".{target.name}.{tag}.part"
            staged.append((tmp, target))
            write(tmp, files[rel])
        for tmp, target in staged:
            aside = None
            if os.path.lexists(target):
                aside = target.parent / f".{target.name}.{tag}.previous"
                try:
                    os.link(target, aside, follow_symlinks=False)
                except OSError:  # no hard links here: the file itself goes aside
                    os.rename(target, aside)
            done.append((target, aside))
            os.replace(tmp, target)
    except BaseException:
        for target, aside in reversed(done):
            with contextlib.suppress(OSError):
                if aside is None:
                    os.unlink(target)
                else:
                    os.replace(aside, target)
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    else:
        for _, aside in done:
            if aside is not None:
                with contextlib.suppress(OSError):
                    os.unlink(aside)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _make_folders(folder: Path, created: list[Path]) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)
