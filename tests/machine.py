"""What the test machine has: fonts found with fontconfig (not by Debian paths), tools.

A missing font or tool skips a test on a developer's machine, with the command that
installs it; under ``CI`` it is a failure (see conftest.py): a machine set up by
``make setup`` has everything, so a skip there means a setup step is missing.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest

SETUP = "scripts/system-deps.sh --test (make setup)"


@functools.cache
def font_file(family: str) -> tuple[Path, int] | None:
    """The file and face index fontconfig has for ``family`` exactly, or None."""
    if shutil.which("fc-match") is None:
        return None
    run = subprocess.run(
        ["fc-match", "-f", "%{family}\t%{file}\t%{index}", family],
        capture_output=True,
        text=True,
        check=False,
    )
    parts = run.stdout.split("\t")
    if run.returncode != 0 or len(parts) != 3:
        return None
    families, file, index = parts
    if family not in families.split(","):
        return None  # fontconfig fell back to another family
    return Path(file), int(index or 0)


def font_path(family: str) -> Path:
    """The file of ``family``, or a path that does not exist (tests check ``is_file()``)."""
    found = font_file(family)
    return found[0] if found else Path("/nonexistent-font") / family


def need_font(family: str) -> tuple[Path, int]:
    """``font_file(family)``, or skip (fail under CI) naming the setup command."""
    found = font_file(family)
    if found is None:
        pytest.skip(f"font {family!r} not installed: {SETUP}")
    return found


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed: {SETUP}")
    return path
