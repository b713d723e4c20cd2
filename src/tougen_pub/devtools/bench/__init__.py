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

from tougen_pub.devtools.bench.cli import main, parse_args
from tougen_pub.devtools.bench.environment import (
    REPO,
    SOURCE_DATE_EPOCH,
    build_env,
    machine_info,
    ours_cmd,
)
from tougen_pub.devtools.bench.export import manuscript_markdown, reduce_markup
from tougen_pub.devtools.bench.measure import Sample, group_memory, run_timed
from tougen_pub.devtools.bench.peers import (
    SCHEMA,
    Peers,
    bench_peers,
    find_peers,
    plan_peer_tasks,
    prepare_peer_inputs,
    write_browser_wrapper,
)
from tougen_pub.devtools.bench.profile import bench_profile, import_report, parse_importtime
from tougen_pub.devtools.bench.report import peers_markdown, scale_markdown, write_results
from tougen_pub.devtools.bench.scale import (
    GROWTH_GOAL,
    SCALE_GOALS,
    SCALE_SCHEMA,
    SCALE_TASKS,
    bench_scale,
    growth_factors,
    replicate_manuscript,
    scale_goals,
    synthesizer,
)
from tougen_pub.devtools.bench.stats import median, paired_ratio, ratio
from tougen_pub.devtools.bench.tasks import (
    COMPARISONS,
    Comparison,
    Task,
    compare,
    run_rounds,
    schedule,
)

__all__ = [
    "COMPARISONS",
    "GROWTH_GOAL",
    "REPO",
    "SCALE_GOALS",
    "SCALE_SCHEMA",
    "SCALE_TASKS",
    "SCHEMA",
    "SOURCE_DATE_EPOCH",
    "Comparison",
    "Peers",
    "Sample",
    "Task",
    "bench_peers",
    "bench_profile",
    "bench_scale",
    "build_env",
    "compare",
    "find_peers",
    "group_memory",
    "growth_factors",
    "import_report",
    "machine_info",
    "main",
    "manuscript_markdown",
    "median",
    "ours_cmd",
    "paired_ratio",
    "parse_args",
    "parse_importtime",
    "peers_markdown",
    "plan_peer_tasks",
    "prepare_peer_inputs",
    "ratio",
    "reduce_markup",
    "replicate_manuscript",
    "run_rounds",
    "run_timed",
    "scale_goals",
    "scale_markdown",
    "schedule",
    "synthesizer",
    "write_browser_wrapper",
    "write_results",
]
