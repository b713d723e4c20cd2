"""Long loops report progress on a terminal (forced here) and nothing otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tougen_pub.ingest.loader import load_book
from tougen_pub.render.epub import render_pages
from tougen_pub.transforms.passes import apply, edition_of

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "tiny"


def test_article_loading_and_epub_rendering_show_progress(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOUGEN_PROGRESS", "1")
    book, _ = load_book(TINY)
    assert book is not None
    n = len(book.articles)
    err = capsys.readouterr().err
    assert f"loading articles {n}/{n}" in err
    edition = edition_of(book, "vertical")
    render_pages(apply(book, edition), edition, "表紙")
    err = capsys.readouterr().err
    assert f"EPUB articles {n}/{n}" in err
    assert err.endswith("\r")  # the line is erased when the loop ends


def test_quiet_when_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOUGEN_PROGRESS", "0")
    book, _ = load_book(TINY)
    assert book is not None
    edition = edition_of(book, "vertical")
    render_pages(apply(book, edition), edition, "表紙")
    assert capsys.readouterr().err == ""
