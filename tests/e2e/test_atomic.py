"""Atomic outputs: a build that fails, is killed, terminated or interrupted leaves the
previous book in place byte for byte, and never a half-written file under the final name.

The interrupted builds are real ``tougen-pub build pdf`` processes, signalled while the PDF
is being written (the moment their temporary ``.NAME.PID.XXXXXXXX.part`` file exists).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tougen_pub.devtools.synth import synth_manuscript

TOUGEN = Path(sys.executable).with_name("tougen-pub")
LOCATED = re.compile(r"^\S+:\d+:\d+: error: .*\[glossary-unknown\]$", re.M)
POLL = 0.005  # seconds between looks for the temporary file
PART = re.compile(r"^\..+\.part$")


def cli(*args: str | Path) -> list[str]:
    return [str(TOUGEN), *(str(a) for a in args)]


def _default_signals() -> None:  # in the child: SIGINT/SIGTERM may be ignored by a parent shell
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def previous(out: Path, names: list[str]) -> dict[str, bytes]:
    """Stand-ins for books of an earlier build (the builder never reads them)."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: f"previous {name} build\n".encode() * 64 for name in names}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return files


def listing(out: Path) -> dict[str, bytes]:
    # .cache/ is the build folder's cache (derived fonts, page numbers), not an output
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".cache"}


def test_failed_build_keeps_previous_outputs(tmp_path: Path, tiny_root: Path) -> None:
    """A manuscript error: exit 1 with a located diagnostic, earlier books untouched, no temp."""
    ms = tmp_path / "ms"
    shutil.copytree(tiny_root, ms)
    article = ms / "articles" / "02-tsuzuki.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n存在しない[[未定義の用語]]を参照する。\n",
        encoding="utf-8",
    )
    out = tmp_path / "build"
    before = previous(out, ["tiny.epub", "tiny-vertical.pdf"])
    procs = [
        subprocess.Popen(cli("build", kind, "-m", ms, "-o", out), stderr=subprocess.PIPE, text=True)
        for kind in ("epub", "pdf")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, err
        assert LOCATED.search(err), err
        assert "Traceback" not in err, err
        assert "nothing written" in err
    assert listing(out) == before


@dataclass
class Interrupted:
    """One build signalled while its PDF was being written."""

    sig: signal.Signals
    out: Path
    target: str
    before: dict[str, bytes]
    proc: subprocess.Popen[str] | None = None
    seen_part: list[str] = field(default_factory=list)
    stderr: str = ""
    after: dict[str, bytes] = field(default_factory=dict)


def _start(run: Interrupted, manuscript: Path, mode: str) -> None:
    run.proc = subprocess.Popen(
        cli("build", "pdf", "-m", manuscript, "-o", run.out, "-w", mode),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )


@pytest.fixture(scope="module")
def interrupted(
    tmp_path_factory: pytest.TempPathFactory, tiny_root: Path
) -> dict[str, Interrupted]:
    """Three builds side by side: SIGKILL (a generated 12-article book, vertical), SIGTERM
    and SIGINT (the tiny book, horizontal); each gets its signal as soon as its temporary
    file appears, i.e. in the middle of writing the PDF."""
    base = tmp_path_factory.mktemp("interrupted")
    big = synth_manuscript(base / "synth", 12)
    tiny = base / "tiny"
    shutil.copytree(tiny_root, tiny)
    runs: dict[str, Interrupted] = {}
    for key, sig, ms, mode, target in (
        ("kill", signal.SIGKILL, big, "vertical", "synth-12-vertical.pdf"),
        ("term", signal.SIGTERM, tiny, "horizontal", "tiny-horizontal.pdf"),
        ("int", signal.SIGINT, tiny, "horizontal", "tiny-horizontal.pdf"),
    ):
        out = base / f"build-{key}"
        run = Interrupted(sig, out, target, previous(out, [target]))
        _start(run, ms, mode)
        runs[key] = run
    deadline = time.monotonic() + 600
    waiting = dict(runs)
    while waiting and time.monotonic() < deadline:
        for key, run in list(waiting.items()):
            assert run.proc is not None
            parts = [p.name for p in run.out.iterdir() if PART.match(p.name)]
            if parts:
                run.proc.send_signal(run.sig)
                run.seen_part = parts
                del waiting[key]
            elif run.proc.poll() is not None:
                del waiting[key]  # finished without ever writing: reported by the tests
        time.sleep(POLL)
    for run in runs.values():
        assert run.proc is not None
        if run.proc.poll() is None and not run.seen_part:
            run.proc.kill()
        _, run.stderr = run.proc.communicate(timeout=120)
        run.after = listing(run.out)
    return runs


def _check_previous_intact(run: Interrupted) -> None:
    assert run.proc is not None
    assert run.seen_part, f"the build never reached writing the PDF: {run.stderr}"
    assert run.after[run.target] == run.before[run.target], "previous book was overwritten"
    assert set(run.after) - {run.target} <= {p for p in run.after if PART.match(p)}
    # a temporary name never looks like a book: hidden and ending in .part
    for name in set(run.after) - {run.target}:
        assert name.startswith(".") and name.endswith(".part")


@pytest.mark.slow
def test_sigkill_mid_write_keeps_previous_pdf(interrupted: dict[str, Interrupted]) -> None:
    """SIGKILL while writing: the old PDF is intact; only a hidden temporary file is left."""
    run = interrupted["kill"]
    assert run.proc is not None and run.proc.returncode == -signal.SIGKILL, run.stderr
    _check_previous_intact(run)
    leftovers = [n for n in run.after if PART.match(n)]
    assert leftovers, "SIGKILL cannot clean up; the temporary file should still be there"
    assert all(n.startswith(f".{run.target}.") for n in leftovers)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["term", "int"])
def test_sigterm_and_sigint_mid_write_leave_no_temp_file(
    interrupted: dict[str, Interrupted], key: str
) -> None:
    """SIGTERM / Ctrl-C while writing: the old PDF is intact and the temporary file removed."""
    run = interrupted[key]
    assert run.proc is not None and run.proc.returncode != 0, run.stderr
    _check_previous_intact(run)
    assert set(run.after) == {run.target}, sorted(run.after)
    assert "Traceback" not in run.stderr, run.stderr
    if key == "term":
        assert run.proc.returncode == 128 + signal.SIGTERM


@pytest.mark.slow
def test_next_build_removes_stale_temp_files(
    interrupted: dict[str, Interrupted], tmp_path: Path, tiny_root: Path
) -> None:
    """The next successful build into the folder removes temporaries of killed builds and
    replaces the book; a temporary of a build that is still running is left alone."""
    run = interrupted["kill"]
    stale = [n for n in run.after if PART.match(n)]
    assert stale
    # A temporary file of a live process (this one) must survive the clean-up.
    live = run.out / f".{run.target}.{os.getpid()}.abcd_123.part"
    live.write_bytes(b"in progress")
    ms = tmp_path / "ms"
    shutil.copytree(tiny_root, ms)
    book = ms / "book.toml"
    book.write_text(
        book.read_text(encoding="utf-8").replace('name = "tiny"', 'name = "synth-12"'),
        encoding="utf-8",
    )
    done = subprocess.run(
        cli("build", "pdf", "-m", ms, "-o", run.out, "-w", "horizontal"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    names = {p.name for p in run.out.iterdir()}
    assert not set(stale) & names, "stale temporary files of a killed build were left behind"
    assert live.name in names
    assert {run.target, "synth-12-horizontal.pdf"} <= names
    assert (run.out / "synth-12-horizontal.pdf").read_bytes().startswith(b"%PDF-")
    assert (run.out / run.target).read_bytes() == run.before[run.target]


def test_interrupt_just_after_the_temporary_file_is_created(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C arriving the instant the temporary file exists (what the polling above can
    hit under load) still removes it."""
    from tougen_pub import output

    target = tmp_path / "book.pdf"
    target.write_bytes(b"previous")
    real_close = os.close

    def close_then_interrupt(fd: int) -> None:
        real_close(fd)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        monkeypatch.setattr(output.os, "close", close_then_interrupt)
        try:
            with output.atomic_path(target) as tmp:
                tmp.write_bytes(b"new")
        finally:
            monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["book.pdf"]
    assert target.read_bytes() == b"previous"
