"""`tougen-pub check`: summary, exit status, --strict, --quiet, --no-fonts."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from tougen_pub.cli import main

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "tiny"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_clean_manuscript() -> None:
    code, out = run("check", "-m", str(TINY))
    assert code == 0
    assert "ok — 2 articles, 2 glossary entries, 2 sources" in out
    assert "[see-also-external]" in out  # info is shown
    code, out = run("check", "-q", "--strict", "--no-fonts", "-m", str(TINY))
    assert code == 0 and "see-also-external" not in out


def test_errors_and_warnings(tmp_path: Path) -> None:
    root = tmp_path / "m"
    shutil.copytree(TINY, root)
    art = root / "articles" / "02-tsuzuki.md"
    art.write_text(art.read_text("utf-8") + "\n[[ブダペスト覚え書]]と{漢字|かんじ\n", "utf-8")
    code, out = run("check", "-m", str(root))
    assert code == 1
    assert (
        f"{art}:19:1: error: unknown glossary term 'ブダペスト覚え書' (did you mean 'ブダペスト覚書'?) [glossary-unknown]"
        in out
    )
    assert f"{art}:19:14: error:" in out and "[ruby-unterminated]" in out
    assert "2 error(s)" in out


def test_warning_fails_only_with_strict(tmp_path: Path) -> None:
    root = tmp_path / "m"
    shutil.copytree(TINY, root)
    art = root / "articles" / "02-tsuzuki.md"
    art.write_text(art.read_text("utf-8") + "\n[前](../01-hajimari.md)\n", "utf-8")
    code, out = run("check", "-m", str(root))
    assert code == 0 and f"{art}:19:5: warning:" in out and "[unsafe-link]" in out
    assert run("check", "--strict", "-m", str(root))[0] == 1


def test_missing_manuscript(tmp_path: Path) -> None:
    code, out = run("check", "-m", str(tmp_path / "nothing"))
    assert code == 1 and "[manuscript-missing]" in out and "Traceback" not in out
