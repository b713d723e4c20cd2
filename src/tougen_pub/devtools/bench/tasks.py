"""Tasks of the peers benchmark: their samples, the interleaved rounds, the ratio rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tougen_pub.devtools.bench.environment import build_env
from tougen_pub.devtools.bench.measure import Sample, run_timed
from tougen_pub.devtools.bench.report import _tail
from tougen_pub.devtools.bench.stats import _round, median, paired_ratio, ratio


@dataclass
class Task:
    name: str
    label: str
    cmd: list[str]
    cwd: Path
    peer: bool = False
    env: dict[str, str] = field(default_factory=dict)
    samples: dict[int, Sample] = field(default_factory=dict)  # measured round -> sample
    status: str = "ok"  # ok | failed | skipped
    note: str = ""

    def walls(self) -> dict[int, float]:
        return {r: s.wall for r, s in self.samples.items() if s.ok}

    def summary(self) -> dict[str, Any]:
        walls = sorted(self.walls().values())
        rss = [s.peak_rss for s in self.samples.values() if s.ok]
        return {
            "label": self.label,
            "peer": self.peer,
            "status": self.status,
            "note": self.note,
            "command": " ".join(self.cmd),
            "n": len(walls),
            "samples": [round(w, 4) for w in walls],
            "median": _round(median(walls)),
            "min": _round(walls[0] if walls else None),
            "max": _round(walls[-1] if walls else None),
            "peak_rss_mb": _round(max(rss) / 2**20 if rss else None, 1),
        }


@dataclass(frozen=True)
class Comparison:
    name: str
    ours: str
    peer: str
    goal: float | None  # ratio must be <= goal


COMPARISONS = [
    Comparison("EPUB / pandoc", "epub", "pandoc-epub", 1.0),
    Comparison("vertical PDF / Vivliostyle", "pdf-vertical", "viv-vertical", 0.25),
    Comparison("horizontal PDF / Vivliostyle", "pdf-horizontal", "viv-horizontal", None),
    Comparison("vertical PDF / horizontal PDF", "pdf-vertical", "pdf-horizontal", 1.5),
]


def compare(tasks: dict[str, Task]) -> list[dict[str, Any]]:
    """The ratio rows: ratio of medians, median of per-round ratios, goal and verdict."""
    rows = []
    for c in COMPARISONS:
        a, b = tasks.get(c.ours), tasks.get(c.peer)
        row: dict[str, Any] = {
            "name": c.name,
            "ours": c.ours,
            "peer": c.peer,
            "ratio": None,
            "paired": None,
            "ratio_min": None,
            "goal": c.goal,
            "met": None,
        }
        if a is not None and b is not None and a.walls() and b.walls():
            r = ratio(median(a.walls().values()), median(b.walls().values()))
            row["ratio"] = _round(r, 3)
            row["paired"] = _round(paired_ratio(a.walls(), b.walls()), 3)
            row["ratio_min"] = _round(ratio(min(a.walls().values()), min(b.walls().values())), 3)
            if c.goal is not None and r is not None:
                row["met"] = r <= c.goal
        else:
            missing = [t for t, x in ((c.ours, a), (c.peer, b)) if x is None or not x.walls()]
            row["note"] = "no measurement: " + ", ".join(missing)
        rows.append(row)
    return rows


def schedule(names: Sequence[str], rounds: int) -> list[tuple[int, str]]:
    """(round, task) in run order: every task once per round, order rotated by round."""
    order: list[tuple[int, str]] = []
    k = len(names)
    for r in range(rounds):
        order += [(r, names[(r + i) % k]) for i in range(k)] if k else []
    return order


def run_rounds(
    tasks: list[Task],
    *,
    n: int,
    warmup: int,
    work: Path,
    timeout: float,
    say: Callable[[str], None],
    runner: Callable[..., Sample] = run_timed,
) -> None:
    """Run the tasks interleaved; a task that fails once is dropped from later rounds."""
    by_name = {t.name: t for t in tasks}
    base = build_env()
    for r, name in schedule([t.name for t in tasks], warmup + n):
        task = by_name[name]
        if task.status != "ok":
            continue
        log = work / "logs" / f"{name}.log"
        sample = runner(task.cmd, cwd=task.cwd, env={**base, **task.env}, log=log, timeout=timeout)
        tag = "warm-up" if r < warmup else f"round {r - warmup + 1}/{n}"
        if not sample.ok:
            task.status = "failed"
            why = (
                f"timed out after {timeout:.0f} s"
                if sample.timed_out
                else f"exit {sample.returncode}"
            )
            last = _tail(log, 1).strip()[:160]
            task.note = f"{why}{': ' + last if last else ''} (log: {log})"
            say(f"  {tag:>12}  {name:<15} FAILED {why}\n{_tail(log)}")
            continue
        if r >= warmup:
            task.samples[r - warmup] = sample
        say(f"  {tag:>12}  {name:<15} {sample.wall:7.2f} s  {sample.peak_rss / 2**20:7.0f} MB")
