"""Running one command and measuring it: wall time and the peak memory of its process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Sample:
    """One run of one command."""

    wall: float  # seconds
    # bytes: the most memory the command held at once, all its processes together (sampled
    # proportional set sizes of its process group; the child's ru_maxrss without /proc)
    peak_rss: int
    returncode: int
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def group_memory(pgid: int) -> int:
    """Bytes held now by the processes of group ``pgid``: the sum of their proportional set
    sizes (pages shared after a fork count once), or resident sizes where PSS is unknown."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != pgid:  # pgrp, the 5th field of stat
                continue
            try:
                with open(f"/proc/{entry.name}/smaps_rollup", "rb") as f:
                    for line in f:
                        if line.startswith(b"Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except OSError:
                with open(f"/proc/{entry.name}/statm", "rb") as f:
                    total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total


class _GroupSampler(threading.Thread):
    """Samples :func:`group_memory` until stopped; keeps the peak."""

    def __init__(self, pgid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pgid, self.interval, self.peak = pgid, interval, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        if not os.path.isdir("/proc"):
            return
        while not self.stopped.is_set():
            self.peak = max(self.peak, group_memory(self.pgid))
            self.stopped.wait(self.interval)


def run_timed(
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    timeout: float,
) -> Sample:
    """Run ``cmd`` once in its own process group; output goes to ``log``.

    Wall time is measured around spawn and ``wait4``; peak memory is the sampled peak of
    the command's whole process group (worker processes, browser helpers), or the child's
    ``ru_maxrss`` where there is no /proc. Left-over processes of the group are killed after.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    timed_out = threading.Event()

    def expire(pgid: int) -> None:
        timed_out.set()
        _kill_group(pgid)

    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, expire, (proc.pid,))
        timer.start()
        sampler = _GroupSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.stopped.set()
        wall = time.perf_counter() - start
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting
    _kill_group(proc.pid)
    # ru_maxrss also counts the memory of the forked parent image before exec; the sampled
    # group memory is the truth where /proc exists
    peak = sampler.peak or usage.ru_maxrss * 1024
    return Sample(wall, peak, proc.returncode, timed_out.is_set())
