"""A PDF build leaves nothing in the temporary directory: WeasyPrint writes the fonts of
the book (the derived vertical fonts among them, which must exist as fonts only inside
the PDF) to temporary folders that its forked workers would never remove."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TOUGEN = Path(sys.executable).with_name("tougen-pub")


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_pdf_build_leaves_no_temporary_files(tiny_root: Path, tmp_path: Path, mode: str) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TOUGEN_JOBS": "2", "TOUGEN_PROGRESS": "0"}
    run = subprocess.run(
        [
            str(TOUGEN),
            "build",
            "pdf",
            "-m",
            str(tiny_root),
            "-o",
            str(tmp_path / "out"),
            "-w",
            mode,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / f"tiny-{mode}.pdf").is_file()
    assert sorted(p.name for p in temp.iterdir()) == []
