"""``bench scale``: synthetic manuscripts of N articles, their build times, growth and goals."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tougen_pub.devtools.bench.environment import REPO, build_env, machine_info, ours_cmd
from tougen_pub.devtools.bench.export import _FENCE, _article_paths, _load_toml
from tougen_pub.devtools.bench.measure import run_timed
from tougen_pub.devtools.bench.report import _say, _tail, scale_markdown, write_results
from tougen_pub.devtools.bench.stats import _round, median, ratio

SCALE_SCHEMA = "tougen-bench-scale/1"
SCALE_TASKS = ("check", "epub", "pdf-vertical")
SCALE_GOALS = [  # (task, N, metric, limit, text)
    ("pdf-vertical", 1000, "wall", 120.0, "vertical PDF of 1000 articles < 120 s"),
    ("pdf-vertical", 1000, "peak_rss_mb", 4096.0, "vertical PDF of 1000 articles peak RSS < 4 GB"),
    ("epub", 1000, "wall", 15.0, "EPUB of 1000 articles < 15 s"),
]
GROWTH_GOAL = 11.0


def synthesizer() -> tuple[str, Callable[[Path, int, int], object]]:
    """The project's synthetic manuscript generator, or the bench's own stand-in."""
    try:
        from tougen_pub.devtools.synth import synth_manuscript
    except ImportError:
        return "bench.replicate_manuscript (stand-in)", replicate_manuscript
    return "tougen_pub.devtools.synth.synth_manuscript", synth_manuscript


def replicate_manuscript(root: Path, n: int, seed: int = 0, template: Path | None = None) -> None:
    """Stand-in generator: N articles cycling through a real manuscript's articles, each
    with its own title and URL; glossary and sources are shared, as in a long series."""
    if template is None:
        template = REPO / "manuscript"
        if not (template / "book.toml").exists():
            template = REPO / "tests/fixtures/books/tiny"
    config = _load_toml(template / "book.toml")
    articles = _article_paths(template, config)
    if not articles:
        raise ValueError(f"{template} has no articles to replicate")
    (root / "articles").mkdir(parents=True, exist_ok=True)
    stems = []
    for i in range(n):
        src = articles[(i + seed) % len(articles)]
        slug = re.sub(r"^\d+-", "", src.stem)
        stem = f"{i + 1:04d}-{slug}-{i + 1}"
        text = src.read_text(encoding="utf-8")
        head, sep, body = text.partition(f"\n{_FENCE}\n")
        head = re.sub(r'(?m)^title = "(.*)"$', rf'title = "\1 その{i + 1}"', head, count=1)
        head = re.sub(
            r'(?m)^url = ".*"$', f'url = "https://example.org/synth/{i + 1}"', head, count=1
        )
        # copies get new stems: their see-also links to the originals become external
        head = re.sub(r'(?m)^article = ".*"\n', "", head)
        (root / "articles" / f"{stem}.md").write_text(head + sep + body, encoding="utf-8")
        stems.append(stem)
    book = (template / "book.toml").read_text(encoding="utf-8")
    listing = "articles = [\n" + "".join(f'  "{s}",\n' for s in stems) + "]"
    book, count = re.subn(r"(?ms)^articles\s*=\s*\[.*?\]", lambda _m: listing, book, count=1)
    if not count:
        book = listing + "\n" + book
    (root / "book.toml").write_text(book, encoding="utf-8")
    for name in ("glossary.toml", "sources.toml"):
        if (template / name).exists():
            shutil.copyfile(template / name, root / name)


def scale_goals(
    runs: dict[str, dict[str, dict[str, Any]]], growth: dict[str, float | None]
) -> list[dict[str, Any]]:
    goals = []
    for task, n, metric, limit, text in SCALE_GOALS:
        cell = runs.get(task, {}).get(str(n), {})
        value = cell.get(metric) if cell.get("status") == "ok" else None
        met = None if value is None else value < limit
        stopped = cell.get(f"{metric}_at_stop")
        if value is None and stopped is not None and stopped >= limit:
            value, met = stopped, False  # killed after exceeding the limit: a lower bound
        goals.append({"goal": text, "measured": value, "limit": limit, "met": met})
    for task, g in growth.items():
        goals.append(
            {
                "goal": f"{task}: growth t(1000)/t(100) ≤ {GROWTH_GOAL:g}",
                "measured": g,
                "limit": GROWTH_GOAL,
                "met": None if g is None else g <= GROWTH_GOAL,
            }
        )
    return goals


def growth_factors(
    runs: dict[str, dict[str, dict[str, Any]]], small: int = 100, large: int = 1000
) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for task, per in runs.items():
        a, b = per.get(str(small), {}), per.get(str(large), {})
        ok = a.get("status") == "ok" and b.get("status") == "ok"
        out[task] = _round(ratio(b["wall"], a["wall"]), 2) if ok else None
    return out


def bench_scale(args: argparse.Namespace) -> dict[str, Any]:
    out: Path = args.out.resolve()
    sizes = [int(x) for x in args.sizes.split(",")]
    tasks = [t for t in args.tasks.split(",") if t]
    gen_name, gen = synthesizer()
    machine = machine_info()
    notes: list[str] = []
    runs: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in tasks}
    env = build_env()
    _say(f"scale: sizes {sizes}, tasks {tasks}, generator {gen_name}")
    warm = out / "scale" / "warmup"
    shutil.rmtree(warm, ignore_errors=True)
    gen(warm, min(sizes), args.seed)  # one unmeasured check: byte code and disk caches
    run_timed(
        ours_cmd("check", warm, warm),
        cwd=REPO,
        env=env,
        log=out / "scale" / "warmup.log",
        timeout=args.timeout,
    )
    for n in sizes:
        root = out / "scale" / f"n{n}"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        t0 = time.perf_counter()
        gen(root / "manuscript", n, args.seed)
        _say(f"  N={n}: generated in {time.perf_counter() - t0:.1f} s")
        for task in tasks:
            kind, mode = {
                "check": ("check", None),
                "epub": ("epub", "vertical"),
                "pdf-vertical": ("pdf", "vertical"),
                "pdf-horizontal": ("pdf", "horizontal"),
            }[task]
            cmd = ours_cmd(kind, root / "manuscript", root / "out", mode)
            samples = []
            cell: dict[str, Any] = {"status": "ok"}
            for rep in range(args.repeat):
                log = root / "logs" / f"{task}-{rep}.log"
                s = run_timed(cmd, cwd=REPO, env=env, log=log, timeout=args.timeout)
                if not s.ok:
                    why = (
                        f"timed out ({args.timeout:.0f} s)"
                        if s.timed_out
                        else f"exit {s.returncode}"
                    )
                    cell = {
                        "status": "timeout" if s.timed_out else "failed",
                        "note": f"{why} (log: {log})",
                        # a killed run still tells how long it ran and how big it got
                        "wall_at_stop": _round(s.wall),
                        "peak_rss_mb_at_stop": _round(s.peak_rss / 2**20, 1),
                    }
                    _say(f"    {task:<13} FAILED {why}\n{_tail(log)}")
                    break
                samples.append(s)
                _say(f"    {task:<13} {s.wall:8.2f} s  {s.peak_rss / 2**20:7.0f} MB")
            if cell["status"] == "ok" and samples:
                cell.update(
                    wall=_round(median(s.wall for s in samples)),
                    samples=[round(s.wall, 4) for s in samples],
                    peak_rss_mb=_round(max(s.peak_rss for s in samples) / 2**20, 1),
                    # the first build fills the build folder's caches; the others reuse them
                    first=_round(samples[0].wall),
                    again=_round(median(s.wall for s in samples[1:])) if samples[1:] else None,
                )
            runs[task][str(n)] = cell
        if not args.keep:
            shutil.rmtree(root / "out", ignore_errors=True)
    machine["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    small, large = sorted(sizes)[-2:] if len(sizes) > 1 else (sizes[0], sizes[0])
    growth = growth_factors(runs, small, large)
    result = {
        "schema": SCALE_SCHEMA,
        "kind": "scale",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "config": {"sizes": sizes, "tasks": tasks, "repeat": args.repeat, "seed": args.seed},
        "generator": gen_name,
        "runs": runs,
        "growth": growth,
        "growth_sizes": [small, large],
        "goals": scale_goals(runs, growth if (small, large) == (100, 1000) else {}),
        "notes": notes,
    }
    write_results(args.out, "scale", result, scale_markdown(result))
    return result
