"""One policy for worker processes: how many, and the forked pool they run in.

``TOUGEN_JOBS=N`` sets the number (1: no workers); otherwise one per CPU this process may
run on. The load average is not consulted: it lags behind and counts the build's own last
minutes. Workers are forked (they inherit what the parent prepared); where ``fork`` is not
available the work runs in this process.
"""

from __future__ import annotations

import os
from typing import Any

JOBS_ENV = "TOUGEN_JOBS"


def cpus() -> int:
    """CPUs this process may run on."""
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def jobs_for(tasks: int, *, minimum_tasks: int = 2) -> int:
    """Worker processes for ``tasks`` independent tasks (1: do them here).

    ``TOUGEN_JOBS`` when set to a positive number; else one per CPU, and 1 when there are
    fewer than ``minimum_tasks`` tasks (starting workers would cost more than it saves)."""
    env = os.environ.get(JOBS_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        wanted = int(env)
    elif tasks < minimum_tasks:
        return 1
    else:
        wanted = cpus()
    if wanted > 1 and not can_fork():
        return 1
    return max(1, min(wanted, tasks))


def can_fork() -> bool:
    import multiprocessing  # only when workers are wanted: a small book never loads it

    return "fork" in multiprocessing.get_all_start_methods()


def fork_pool(workers: int, initializer: Any = None, maxtasksperchild: int | None = None) -> Any:
    """A pool of ``workers`` forked processes (use it as a context manager)."""
    import multiprocessing

    return multiprocessing.get_context("fork").Pool(
        workers, initializer, maxtasksperchild=maxtasksperchild
    )
