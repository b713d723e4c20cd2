#!/usr/bin/env python3
"""`make mutants`: stub out features one at a time and check that the tests notice.

Each stub in ``tests/mutants/*.toml`` names a file, a piece of its text and what to put
instead (a template line removed, a CSS rule changed, a branch switched off), and the tests
that must then fail. Every stub is applied to a scratch copy of the work tree, its tests run
there (``pytest -x``), and the stub is *killed* when they fail, *survives* when they pass.
A stub whose text is not found in its file is an error: the list must follow the code.

    scripts/mutants.py [--list] [--jobs N] [NAME ...]

Ends with ``N killed, M survived`` and exits 1 when any stub survived or did not apply.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MUTANTS = REPO / "tests" / "mutants"


@dataclass(frozen=True)
class Stub:
    name: str
    why: str  # what vanishes from the books
    file: str
    find: str
    replace: str
    tests: tuple[str, ...]
    count: int = 1  # how many occurrences of ``find`` the file must hold


def load_stubs(folder: Path = MUTANTS) -> list[Stub]:
    stubs: list[Stub] = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for entry in data.get("stub", []):
            stubs.append(
                Stub(
                    name=entry["name"],
                    why=entry["why"],
                    file=entry["file"],
                    find=entry["find"],
                    replace=entry["replace"],
                    tests=tuple(entry["tests"]),
                    count=entry.get("count", 1),
                )
            )
    names = [s.name for s in stubs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"mutants: duplicate stub names: {sorted(duplicates)}")
    return stubs


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f and (REPO / f).is_file()]


def scratch_copy(files: list[str], dest: Path) -> None:
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)


def apply(stub: Stub, root: Path) -> str | None:
    """Apply ``stub`` in ``root``; the reason when it cannot be applied."""
    path = root / stub.file
    if not path.is_file():
        return f"{stub.file}: no such file"
    text = path.read_text(encoding="utf-8")
    found = text.count(stub.find)
    if found != stub.count:
        return f"{stub.file}: the text to stub occurs {found} times, expected {stub.count}"
    path.write_text(text.replace(stub.find, stub.replace), encoding="utf-8")
    return None


def run_stub(stub: Stub, files: list[str], python: str) -> tuple[Stub, str, str, float]:
    """(stub, "killed" | "survived" | "error", detail, seconds)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"mutant-{stub.name}-") as tmp:
        root = Path(tmp)
        scratch_copy(files, root)
        problem = apply(stub, root)
        if problem:
            return stub, "error", problem, time.monotonic() - start
        env = dict(os.environ, PYTHONPATH=str(root / "src"), TOUGEN_PROGRESS="0")
        env.pop("PYTEST_ADDOPTS", None)
        run = subprocess.run(
            [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *stub.tests],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - start
        if run.returncode == 1:
            failed = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
            return stub, "killed", (failed[0] if failed else "tests failed"), seconds
        if run.returncode == 0:
            return stub, "survived", "its tests passed", seconds
        tail = (run.stdout + run.stderr).strip().splitlines()[-3:]
        return stub, "error", f"pytest exit {run.returncode}: {' | '.join(tail)}", seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only these stubs")
    parser.add_argument("--list", action="store_true", help="list the stubs and exit")
    parser.add_argument("--jobs", type=int, default=2, help="stubs run at once (default 2)")
    args = parser.parse_args(argv)

    stubs = load_stubs()
    if args.names:
        unknown = set(args.names) - {s.name for s in stubs}
        if unknown:
            parser.error(f"unknown stubs: {sorted(unknown)}")
        stubs = [s for s in stubs if s.name in args.names]
    if args.list:
        for s in stubs:
            print(
                f"{s.name:<32} {s.file}\n{'':<32} {s.why}\n{'':<32} killed by {', '.join(s.tests)}"
            )
        return 0

    files = tracked_files()
    python = sys.executable
    killed = survived = errors = 0
    print(f"mutants: {len(stubs)} stubs, {args.jobs} at a time", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for stub, outcome, detail, seconds in pool.map(lambda s: run_stub(s, files, python), stubs):
            print(f"{outcome:>8}  {stub.name:<32} {seconds:5.1f}s  {detail}", flush=True)
            killed += outcome == "killed"
            survived += outcome == "survived"
            errors += outcome == "error"
    summary = f"{killed} killed, {survived} survived"
    if errors:
        summary += f", {errors} did not apply or did not run"
    print(summary)
    return 0 if survived == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
