"""``bench profile``: cProfile and ``-X importtime`` of our builds."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tougen_pub.devtools.bench.environment import REPO, build_env, ours_cmd


def import_report(cmd: Sequence[str], env: dict[str, str], watch: Sequence[str]) -> dict[str, Any]:
    """Run ``cmd`` (a ``python -m`` command) with ``-X importtime``: total import time and
    whether the watched top-level packages were imported."""
    full = [cmd[0], "-X", "importtime", *cmd[1:]]
    p = subprocess.run(full, capture_output=True, text=True, env=env, cwd=REPO)
    return parse_importtime(p.stderr, watch)


def parse_importtime(stderr: str, watch: Sequence[str]) -> dict[str, Any]:
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    top = [r for r in rows if r[2] == 1]  # top-level imports: cumulative covers the tree
    total_us = sum(r[1] for r in top)
    names = {r[3] for r in rows}
    heaviest = sorted(top, key=lambda r: -r[1])[:10]
    return {
        "total_import_s": round(total_us / 1e6, 3),
        "imported": {w: any(n == w or n.startswith(w + ".") for n in names) for w in watch},
        "heaviest": [{"module": r[3], "cumulative_s": round(r[1] / 1e6, 3)} for r in heaviest],
    }


def bench_profile(args: argparse.Namespace) -> None:
    import io
    import pstats

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    manuscript = args.manuscript.resolve()
    env = build_env()
    report: dict[str, Any] = {"manuscript": str(args.manuscript), "builds": {}}
    md = [f"# Profile: `{args.manuscript}`", ""]
    wanted = set(args.builds.split(","))
    for kind, mode in (("epub", "vertical"), ("pdf", "vertical"), ("pdf", "horizontal")):
        name = f"{kind}-{mode}"
        if name not in wanted:
            continue
        cmd = ours_cmd(kind, manuscript, out / "profile-out", mode)
        imports = import_report(
            cmd,
            env,
            [
                "weasyprint",
                "fontTools",
                "PIL",
                "pykakasi",
                "jinja2",
                "ebooklib",
                "markdown",
                "pydantic",
                "lxml",
            ],
        )
        prof_path = out / f"profile-{args.tag}-{name}.prof"
        code = (
            "import cProfile, sys\n"
            "from tougen_pub.cli import main\n"
            f"sys.argv = {['tougen-pub', *cmd[3:]]!r}\n"
            f"cProfile.run('main(standalone_mode=False)', {str(prof_path)!r})\n"
        )
        t0 = time.perf_counter()
        p = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO
        )
        wall = time.perf_counter() - t0
        if p.returncode != 0 or not prof_path.exists():
            report["builds"][name] = {"status": "failed", "stderr": p.stderr[-2000:]}
            md += [f"## {name}: failed", "", "```", p.stderr[-1500:], "```", ""]
            continue
        buf = io.StringIO()
        stats = pstats.Stats(str(prof_path), stream=buf)
        stats.sort_stats("cumulative").print_stats(args.top)
        cumulative = buf.getvalue()
        buf = io.StringIO()
        stats = pstats.Stats(str(prof_path), stream=buf)
        stats.sort_stats("tottime").print_stats(args.top)
        report["builds"][name] = {
            "status": "ok",
            "wall_s": round(wall, 3),
            "imports": imports,
            "prof": str(prof_path),
        }
        md += [
            f"## {name} ({wall:.2f} s wall under cProfile)",
            "",
            f"imports: {imports['total_import_s']} s; "
            + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in imports["imported"].items()),
            "",
            "```",
            _trim_stats(cumulative),
            "```",
            "",
            "```",
            _trim_stats(buf.getvalue()),
            "```",
            "",
        ]
    (out / f"profile-{args.tag}.json").write_text(
        json.dumps(report, indent=2) + "\n", encoding="utf-8"
    )
    text = "\n".join(md)
    (out / f"profile-{args.tag}.md").write_text(text, encoding="utf-8")
    print(text)


def _trim_stats(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, x in enumerate(lines) if x.strip().startswith("ncalls")), 0)
    head = [x for x in lines[:start] if "function calls" in x]
    return "\n".join([*head, *lines[start:]]).rstrip()
