"""The command line: ``python -m tougen_pub.devtools.bench peers|scale|profile``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tougen_pub.devtools import bench as package  # its docstring is the --help text
from tougen_pub.devtools.bench.peers import bench_peers
from tougen_pub.devtools.bench.profile import bench_profile
from tougen_pub.devtools.bench.scale import SCALE_TASKS, bench_scale


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tougen_pub.devtools.bench",
        description=package.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=Path, default=Path("build/bench"), help="results folder")
    common.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("BENCH_TIMEOUT", 1800)),
        help="seconds per command before it is killed (default 1800)",
    )
    pe = sub.add_parser("peers", parents=[common], help="the book against pandoc and Vivliostyle")
    pe.add_argument("--manuscript", "-m", type=Path, default=Path("manuscript"))
    pe.add_argument(
        "-n", type=int, default=int(os.environ.get("BENCH_N") or 5), help="rounds (BENCH_N)"
    )
    pe.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP") or 1))
    pe.add_argument(
        "--peers",
        default=os.environ.get("TOUGEN_PEERS") or "/tmp/peers",
        help="peer tools folder (TOUGEN_PEERS, default /tmp/peers)",
    )
    pe.add_argument(
        "--only",
        default=os.environ.get("BENCH_ONLY", ""),
        help="comma-separated task names (epub,pdf-vertical,pdf-horizontal,"
        "pandoc-epub,viv-vertical,viv-horizontal)",
    )
    sc = sub.add_parser("scale", parents=[common], help="synthetic manuscripts of N articles")
    sc.add_argument("--sizes", default=os.environ.get("BENCH_SIZES") or "10,100,1000")
    sc.add_argument("--tasks", default=os.environ.get("BENCH_TASKS") or ",".join(SCALE_TASKS))
    sc.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT") or 1))
    sc.add_argument("--seed", type=int, default=0)
    sc.add_argument("--keep", action="store_true", help="keep the built books")
    pr = sub.add_parser("profile", parents=[common], help="cProfile and import time of the builds")
    pr.add_argument("--manuscript", "-m", type=Path, default=Path("manuscript"))
    pr.add_argument("--tag", default="seed", help="name part of the profile files")
    pr.add_argument("--top", type=int, default=25)
    pr.add_argument(
        "--builds",
        default="epub-vertical,pdf-vertical,pdf-horizontal",
        help="comma-separated: epub-vertical, pdf-vertical, pdf-horizontal",
    )
    args = p.parse_args(argv)
    if getattr(args, "n", 1) < 1 or getattr(args, "repeat", 1) < 1:
        p.error("-n and --repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command in ("peers", "profile") and not (args.manuscript / "book.toml").exists():
        print(f"bench: {args.manuscript}/book.toml not found", file=sys.stderr)
        return 1
    if args.command == "peers":
        bench_peers(args)
    elif args.command == "scale":
        bench_scale(args)
    else:
        bench_profile(args)
    return 0
