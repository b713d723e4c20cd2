"""Diagnostics: the path:line:col: level: message [code] format, sorting and failure rules."""

from __future__ import annotations

import io

from tougen_pub.diagnostics import Diagnostic, Diagnostics, Level, SourceLocation


def test_format_with_and_without_place() -> None:
    loc = SourceLocation("articles/03-x.md", 42, 7)
    d = Diagnostic(Level.ERROR, "glossary-unknown", "unknown glossary term 'x'", loc)
    assert (
        d.format() == "articles/03-x.md:42:7: error: unknown glossary term 'x' [glossary-unknown]"
    )
    assert str(SourceLocation("book.toml", 3)) == "book.toml:3"
    assert str(SourceLocation("book.toml")) == "book.toml"
    assert str(SourceLocation("a", None, 5)) == "a"  # a column needs a line
    assert Diagnostic(Level.INFO, "c", "m").format() == "info: m [c]"
    assert SourceLocation("a", 1).at(2, 3) == SourceLocation("a", 2, 3)


def test_failed_and_strict() -> None:
    diags = Diagnostics()
    diags.info("i", "m")
    assert not diags.failed(strict=True)
    diags.warning("w", "m")
    assert not diags.failed() and diags.failed(strict=True)
    diags.error("e", "m")
    assert diags.failed()
    assert diags.codes() == ["i", "w", "e"]
    assert [d.code for d in diags.errors] == ["e"] and [d.code for d in diags.warnings] == ["w"]


def test_printed_sorted_by_place_and_info_optional() -> None:
    diags = Diagnostics()
    diags.error("b", "second", SourceLocation("a.md", 10, 2))
    diags.warning("a", "first", SourceLocation("a.md", 2))
    diags.info("c", "note", SourceLocation("b.md", 1))
    diags.error("d", "no place")
    out = io.StringIO()
    diags.print(out)
    assert out.getvalue().splitlines() == [
        "error: no place [d]",
        "a.md:2: warning: first [a]",
        "a.md:10:2: error: second [b]",
        "b.md:1: info: note [c]",
    ]
    quiet = io.StringIO()
    diags.print(quiet, show_info=False)
    assert "[c]" not in quiet.getvalue() and len(diags) == 4
