"""SOURCE_DATE_EPOCH is parsed once, the same way, for the EPUB and the PDF."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tougen_pub.assets.builddate import ENV_VAR, source_date_epoch
from tougen_pub.diagnostics import TougenError
from tougen_pub.epub import builder as epub
from tougen_pub.pdf import builder as pdf

INVALID = ["abc", "-1", "1.5", "1e9", "+5", "0x10", "17 40", "99999999999999999999"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", datetime(1970, 1, 1, tzinfo=UTC)),
        ("1740000000", datetime(2025, 2, 19, 21, 20, tzinfo=UTC)),
        (" 1740000000\n", datetime(2025, 2, 19, 21, 20, tzinfo=UTC)),
    ],
)
def test_valid_values(raw: str, expected: datetime) -> None:
    got = source_date_epoch({ENV_VAR: raw})
    assert got == expected and got.tzinfo is UTC


@pytest.mark.parametrize("env", [{}, {ENV_VAR: ""}, {ENV_VAR: "  "}])
def test_unset_or_empty_is_none(env: dict[str, str]) -> None:
    assert source_date_epoch(env) is None


@pytest.mark.parametrize("raw", INVALID)
def test_invalid_values_are_errors_naming_the_variable(raw: str) -> None:
    with pytest.raises(TougenError, match=ENV_VAR):
        source_date_epoch({ENV_VAR: raw})


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "86400")
    assert source_date_epoch() == datetime(1970, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["abc", "1.5"])
def test_both_writers_refuse_the_same_invalid_value(
    raw: str, tiny_book, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, raw)
    with pytest.raises(TougenError, match=ENV_VAR):
        epub.build_time()
    with pytest.raises(TougenError, match=ENV_VAR):
        pdf.build_date(tiny_book)


def test_fallbacks_stay_per_writer(tiny_book, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "1740000000")
    assert epub.build_time() == datetime(2025, 2, 19, 21, 20, tzinfo=UTC)
    assert pdf.build_date(tiny_book) == "2025-02-19T21:20:00Z"
    monkeypatch.delenv(ENV_VAR)
    before = datetime.now(UTC).replace(microsecond=0)
    now = epub.build_time()  # the EPUB: the current time
    assert before <= now <= datetime.now(UTC)
    assert pdf.build_date(tiny_book) == "2025-02-09"  # the PDF: book.toml's date


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["epub", "pdf"])
def test_cli_reports_an_invalid_value_without_traceback(
    kind: str, tiny_root: Path, tmp_path: Path
) -> None:
    exe = Path(sys.executable).with_name("tougen-pub")
    env = {**os.environ, ENV_VAR: "yesterday", "TOUGEN_PROGRESS": "0"}
    out = tmp_path / "out"
    result = subprocess.run(
        [str(exe), "build", kind, "-m", str(tiny_root), "-o", str(out), "-w", "horizontal"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{ENV_VAR}='yesterday'" in result.stderr
    assert not out.exists() or not any(out.iterdir())
