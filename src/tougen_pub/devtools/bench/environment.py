"""The machine the bench runs on, and the environment and command lines of our builds."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[4]
SOURCE_DATE_EPOCH = "1739081580"  # 2025-02-09T15:13:00+09:00: reproducible outputs


def _first(cmd: Sequence[str], env: dict[str, str] | None = None) -> str | None:
    try:
        p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (p.stdout or p.stderr).strip().splitlines()
    return " ".join(x.strip() for x in lines[:2]) if lines else None


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    with contextlib.suppress(OSError):
        cpu = Path("/proc/cpuinfo").read_text()
        m = re.search(r"model name\s*:\s*(.+)", cpu)
        info["cpu"] = m.group(1).strip() if m else None
    with contextlib.suppress(OSError):
        m = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        info["mem_gb"] = round(int(m.group(1)) / 2**20, 1) if m else None
    info["git"] = _first(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return info


def build_env() -> dict[str, str]:
    env = dict(os.environ)
    # as installed: Python keeps compiled modules (the warm-up round writes them), even
    # where the environment asks it not to
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    env["TOUGEN_PROGRESS"] = "0"
    return env


def ours_cmd(kind: str, manuscript: Path, out: Path, mode: str | None = None) -> list[str]:
    """Our CLI, run by the interpreter running the bench (the project's virtualenv)."""
    cmd = [sys.executable, "-m", "tougen_pub"]
    if kind == "check":
        return [*cmd, "check", "-q", "-m", str(manuscript)]
    cmd += ["build", kind, "-m", str(manuscript), "-o", str(out)]
    return [*cmd, "-w", mode] if mode else cmd
