"""Markdown tables whose cells carry our inline markup.

Python-Markdown's table extension splits a row at every ``|`` that is not escaped (``\\|``)
or inside a code span, so ``| {野辺山|のべやま} | 6:40 |`` would become the cells
``{野辺山`` / ``のべやま}`` and lose the last one. Before the table extension sees the text,
:class:`TableRows` (a preprocessor) replaces each ``|`` inside ``{…}`` (ruby) and ``[[…]]``
(glossary labels) on the rows of a table by a placeholder, and :class:`RestorePipes` (a
tree processor that runs before the inline patterns) puts the ``|`` back in the cells.

A row with more or fewer cells than the header is reported (``table-cells``) at its line:
Python-Markdown would pad it with empty cells or drop the cells beyond the header's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

# A character no manuscript holds (the converter replaces XML-invalid characters first).
PIPE = "\x1f"
TABLE_CELLS = "table-cells"
# The separator row under the header: | --- | :---: | ---: |
SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# Report: (code, message, is_error, needle, line, column) → the converter's findings.
Report = Callable[[str, str, bool, str | None, int | None, int | None], None]


def protect(row: str) -> str:
    """``|`` inside ``{…}`` and ``[[…]]`` (outside code spans) → :data:`PIPE`."""
    out: list[str] = []
    depth_ruby = depth_gloss = 0
    code = False
    i = 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            out.append(row[i : i + 2])
            i += 2
            continue
        if ch == "`":
            code = not code
        elif not code:
            if row.startswith("[[", i):
                depth_gloss += 1
                out.append("[[")
                i += 2
                continue
            if row.startswith("]]", i) and depth_gloss:
                depth_gloss -= 1
                out.append("]]")
                i += 2
                continue
            if ch == "{":
                depth_ruby += 1
            elif ch == "}" and depth_ruby:
                depth_ruby -= 1
            elif ch == "|" and (depth_ruby or depth_gloss):
                out.append(PIPE)
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def cell_count(row: str) -> int:
    """The cells of a (protected) row as the table extension splits it."""
    body = row.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    count, code, i = 1, False, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            code = not code
        elif ch == "|" and not code:
            count += 1
        i += 1
    return count


def table_rows(lines: list[str], report: Report | None = None) -> list[str]:
    """The lines with every table row protected; rows of the wrong width reported."""
    out = list(lines)
    fence: str | None = None
    i = 0
    while i < len(out):
        line = out[i]
        m = FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            i += 1
            continue
        if m:
            fence = m.group(1)
            i += 1
            continue
        header_ok = "|" in line and (i == 0 or not out[i - 1].strip())
        if not (header_ok and i + 1 < len(out) and SEPARATOR.match(out[i + 1])):
            i += 1
            continue
        out[i] = protect(line)
        width = cell_count(out[i])
        j = i + 2
        while j < len(out) and out[j].strip():
            out[j] = protect(out[j])
            cells = cell_count(out[j])
            if cells != width and report is not None:
                _error(
                    report,
                    TABLE_CELLS,
                    f"a table row of {cells} cell(s) under a header of {width}: "
                    "write a literal | as \\| (ruby and glossary labels may hold |)",
                    j + 1,
                )
            j += 1
        i = j
    return out


def _error(report: Report, code: str, message: str, line: int) -> None:
    report(code, message, True, None, line, 1)


class TableRows(Preprocessor):
    def __init__(self, md: Markdown, report: Report | None) -> None:
        super().__init__(md)
        self.report = report

    def run(self, lines: list[str]) -> list[str]:
        if not any(SEPARATOR.match(line) for line in lines):
            return lines
        return table_rows(lines, self.report)


class RestorePipes(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for el in root.iter():
            if el.text and PIPE in el.text:
                el.text = el.text.replace(PIPE, "|")
            if el.tail and PIPE in el.tail:
                el.tail = el.tail.replace(PIPE, "|")


class MarkupTables(Extension):
    """Register with ``MarkupTables(report)`` among the Markdown extensions."""

    def __init__(self, report: Report | None = None) -> None:
        super().__init__()
        self.report = report

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown API)
        # before normalize_whitespace (30): source lines as written, for the line numbers
        md.preprocessors.register(TableRows(md, self.report), "tougen-table-rows", 31)
        # after the block parser, before the inline patterns (20)
        md.treeprocessors.register(RestorePipes(md), "tougen-table-pipes", 25)
