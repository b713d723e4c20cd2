"""tougen_pub.progress: drawn on a terminal, silent in pipes and CI."""

from __future__ import annotations

import io

import pytest

from tougen_pub import progress as progress_mod
from tougen_pub.progress import enabled, progress


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TOUGEN_PROGRESS", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")


def test_pipe_gets_nothing() -> None:
    out = io.StringIO()
    with progress(3, "articles", stream=out) as step:
        for _ in range(3):
            step()
    assert out.getvalue() == ""


def test_terminal_shows_counts_and_clears_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_mod, "MIN_INTERVAL", 0.0)
    out = FakeTty()
    with progress(3, "articles", stream=out) as step:
        step()
        step(2)
    text = out.getvalue()
    assert "articles 0/3" in text
    assert "articles 1/3" in text
    assert "articles 3/3" in text
    # the line is erased at the end: the last thing written is a carriage return
    assert text.endswith("\r")
    assert text.rstrip("\r").split("\r")[-1].strip() == ""


def test_last_step_drawn_even_when_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_mod, "MIN_INTERVAL", 3600.0)
    out = FakeTty()
    with progress(50, "pages", stream=out) as step:
        for _ in range(50):
            step()
    text = out.getvalue()
    assert "pages 50/50" in text
    assert "pages 25/50" not in text  # throttled in between


def test_ci_and_dumb_terminal_are_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    out = FakeTty()
    monkeypatch.setenv("CI", "true")
    assert not enabled(out)
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "dumb")
    assert not enabled(out)
    monkeypatch.setenv("TERM", "xterm")
    assert enabled(out)


def test_env_forces_on_and_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUGEN_PROGRESS", "1")
    assert enabled(io.StringIO())
    monkeypatch.setenv("TOUGEN_PROGRESS", "0")
    assert not enabled(FakeTty())


def test_closed_stream_is_not_a_terminal() -> None:
    out = io.StringIO()
    out.close()
    assert not enabled(out)


def test_exception_still_clears_line(monkeypatch: pytest.MonkeyPatch) -> None:
    out = FakeTty()
    with pytest.raises(RuntimeError), progress(2, "x", stream=out) as step:
        step()
        raise RuntimeError("boom")
    assert out.getvalue().endswith("\r")


def test_status_line_on_terminal_and_silent_in_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    from tougen_pub.progress import status

    monkeypatch.setattr(progress_mod, "MIN_INTERVAL", 0.0)
    tty, pipe = FakeTty(), io.StringIO()
    for out in (tty, pipe):
        with status("PDF", stream=out) as update:
            update("laying out page 1")
            update("laying out page 2")
    assert "PDF laying out page 2" in tty.getvalue()
    assert tty.getvalue().endswith("\r")  # the line is erased at the end
    assert pipe.getvalue() == ""


def test_pdf_page_status_reads_weasyprint_page_messages() -> None:
    import logging

    from tougen_pub.pdf.weasy import _PageStatus

    seen: list[str] = []
    handler = _PageStatus(seen.append)

    def record(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("weasyprint.progress", logging.INFO, "", 0, msg, args, None)

    handler.emit(record("Step 4 - Creating formatting structure"))
    handler.emit(record("Step 5 - Creating layout - Page %d", 7))
    handler.emit(record("Step 5 - Creating layout - Repagination #%d", 1))
    assert seen == ["laying out page 7"]
