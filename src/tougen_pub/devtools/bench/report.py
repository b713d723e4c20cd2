"""Result files and their Markdown tables (peers and scale), and the bench's progress lines."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def write_results(out: Path, stem: str, result: dict[str, Any], markdown: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for path, text in (
        (out / f"{stem}.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n"),
        (out / f"{stem}.md", markdown),
    ):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    print(markdown)
    print(f"wrote {out / (stem + '.json')} and {out / (stem + '.md')}", file=sys.stderr)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _tail(path: Path, n: int = 12) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _fmt(x: float | None, digits: int) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def peers_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Benchmark: tougen-pub against the peers",
        "",
        f"{result['created']} · manuscript `{result['config']['manuscript']}` · "
        f"n={result['config']['n']} (+{result['config']['warmup']} warm-up), interleaved · "
        f"{m.get('cpus')} CPUs ({m.get('cpu')}), {m.get('mem_gb')} GB · "
        f"load {m.get('loadavg')} → {m.get('loadavg_end')} · git {m.get('git')}",
        "",
        "| build | median s | min s | max s | peak RSS MB | n | status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, t in result["tasks"].items():
        status = t["status"] + (f": {t['note']}" if t["note"] else "")
        lines.append(
            f"| {t['label']} (`{name}`) | {_fmt(t['median'], 2)} | {_fmt(t['min'], 2)} | "
            f"{_fmt(t['max'], 2)} | {_fmt(t['peak_rss_mb'], 0)} | {t['n']} | {status} |"
        )
    lines += [
        "",
        "| comparison | ratio of medians | median of per-round ratios | ratio of minimums "
        "| goal (on the ratio of medians) | met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in result["ratios"]:
        goal = f"≤ {row['goal']}" if row["goal"] is not None else "—"
        met = {True: "yes", False: "**no**", None: row.get("note", "—")}[row["met"]]
        lines.append(
            f"| {row['name']} | {_fmt(row['ratio'], 3)} | {_fmt(row['paired'], 3)} | "
            f"{_fmt(row.get('ratio_min'), 3)} | {goal} | {met} |"
        )
    if result["notes"]:
        lines += ["", "Notes:", *[f"- {x}" for x in result["notes"]]]
    return "\n".join(lines) + "\n"


def scale_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    sizes = result["config"]["sizes"]
    lines = [
        "# Scale run",
        "",
        f"{result['created']} · generator `{result['generator']}` · repeat "
        f"{result['config']['repeat']} (median) · {m.get('cpus')} CPUs ({m.get('cpu')}), "
        f"{m.get('mem_gb')} GB · load {m.get('loadavg')} → {m.get('loadavg_end')} · git {m.get('git')}",
        "",
        "| task | "
        + " | ".join(f"N={n} s / MB" for n in sizes)
        + " | growth t({1})/t({0}) |".format(*result["growth_sizes"]),
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    for task, per in result["runs"].items():
        cells = []
        for n in sizes:
            c = per.get(str(n), {})
            if c.get("status") == "ok" and c.get("again") is not None:
                cells.append(
                    f"{_fmt(c['wall'], 2)} ({_fmt(c['first'], 2)} first, "
                    f"{_fmt(c['again'], 2)} again) / {_fmt(c['peak_rss_mb'], 0)}"
                )
            elif c.get("status") == "ok":
                cells.append(f"{_fmt(c['wall'], 2)} / {_fmt(c['peak_rss_mb'], 0)}")
            elif "wall_at_stop" in c:
                cells.append(
                    f"{c['status']} > {_fmt(c['wall_at_stop'], 0)} / "
                    f"≥ {_fmt(c['peak_rss_mb_at_stop'], 0)}"
                )
            else:
                cells.append(c.get("status", "—"))
        lines.append(
            f"| {task} | " + " | ".join(cells) + f" | {_fmt(result['growth'].get(task), 2)} |"
        )
    lines += ["", "| goal | measured | met |", "|---|---:|---|"]
    for g in result["goals"]:
        met = {True: "yes", False: "**no**", None: "—"}[g["met"]]
        lines.append(f"| {g['goal']} | {_fmt(g['measured'], 2)} | {met} |")
    if result["notes"]:
        lines += ["", "Notes:", *[f"- {x}" for x in result["notes"]]]
    return "\n".join(lines) + "\n"
