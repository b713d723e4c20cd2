"""Our inline markup on top of Markdown: a scanner that finds it with line and column.

でんでんマークダウン ruby ``{親文字|るび}`` / ``{漢字|かん|じ}``, tate-chu-yoko ``^12^``,
glossary references ``[[term]]`` / ``[[term|label]]`` and citations ``[@id]`` / ``[@a; @b]``.
The Markdown extension converts them; this scanner only reports where they are and what is
wrong, because Python-Markdown keeps no source positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

RUBY = re.compile(r"(?<!\\)\{([^{}|\n]+)\|([^{}\n]*)\}")
# ``[^`` always starts a footnote reference: ``^…^`` is tate-chu-yoko only outside ``[^…]``
TCY = re.compile(r"(?<![\\^\[])\^([^\^\s\[\]]{1,6})\^")
NOTE_REF = re.compile(r"(?<!\\)\[\^([^\]\[\^\s]+)\]")
NOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\[\^\s]+)\]:[ \t]*")
GLOSSARY = re.compile(r"(?<!\\)\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")
CITATION = re.compile(r"(?<!\\)\[(@[A-Za-z0-9_.:-]+(?:\s*;\s*@[A-Za-z0-9_.:-]+)*)\]")
CITATION_LIKE = re.compile(r"(?<!\\)\[@")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
TCY_MAX = 4  # characters that still fit in one em when set side by side


@dataclass(frozen=True)
class Mark:
    """One piece of inline markup found in the source."""

    kind: str  # "ruby", "tcy", "glossary", "citation", "noteref", "notedef"
    key: str  # glossary term, source id, ruby base, tcy text
    line: int  # 1-based, relative to the scanned text
    column: int  # 1-based
    extra: str = ""  # ruby reading(s), glossary label


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    line: int
    column: int
    warning: bool = False


def _masked_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines of text with code blocks and code spans blanked out (same columns)."""
    _, code = normalize_lists(text)
    for number, (line, is_code) in enumerate(zip(text.split("\n"), code, strict=True), 1):
        if is_code:
            yield number, " " * len(line)
            continue
        yield number, CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


LIST_ITEM = re.compile(r"^( *)([-*+]|[0-9]{1,9}[.)])( +|$)")
TAB = 4  # Python-Markdown's indentation unit


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def normalize_lists(text: str) -> tuple[str, list[bool]]:
    """Re-indent nested list content to Python-Markdown's 4-space unit.

    Users write CommonMark-style nesting (a child item indented to its parent's text,
    2 spaces under ``- ``, 3 under ``1. ``); Python-Markdown only nests at 4. Lines keep
    their number, so source positions stay valid. Also returns, per line, whether it is an
    indented code block (4+ spaces outside a list after a blank line), which the scanner skips.
    """
    lines = text.expandtabs(TAB).split("\n")
    out: list[str] = []
    code: list[bool] = []
    # (content column in the source, marker indent in the output) per open list item
    stack: list[tuple[int, int]] = []
    fence: str | None = None
    fence_shift = 0
    prev_blank = True
    prev_code = False
    for line in lines:
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(_shift(line, fence_shift))
            code.append(True)
            prev_blank, prev_code = False, False
            continue
        if not line.strip():
            out.append(line)
            code.append(prev_code)
            prev_blank = True
            continue
        n = _indent(line)
        item = LIST_ITEM.match(line)
        if item:
            while stack and n < stack[-1][0]:
                stack.pop()
            if stack:
                target = stack[-1][1] + TAB
            elif n >= TAB and prev_blank:
                item = None  # an indented code block that happens to start like a list
            else:
                target = n
        if item:
            marker_width = len(item.group(2)) + max(len(item.group(3)), 1)
            shift = target - n
            stack.append((n + marker_width, target))
            new = _shift(line, shift)
            is_code = False
        elif stack and n > 0:
            while stack and n < stack[-1][0] and len(stack) > 1:
                stack.pop()
            content_col, marker_out = stack[-1]
            shift = marker_out + TAB - content_col if n >= content_col else 0
            new = _shift(line, shift)
            is_code = n >= content_col + TAB and (prev_blank or prev_code)
        else:
            if prev_blank and n == 0:
                stack.clear()
            is_code = not stack and n >= TAB and (prev_blank or prev_code)
            shift = 0
            new = line
        fence_match = FENCE.match(line.lstrip(" ") if stack else line)
        if fence_match and not is_code:
            fence = fence_match.group(1)
            fence_shift = shift
            is_code = True
        out.append(new)
        code.append(is_code)
        prev_blank, prev_code = False, is_code
    return "\n".join(out), code


def _shift(line: str, shift: int) -> str:
    if shift > 0:
        return " " * shift + line
    if shift < 0:
        cut = min(-shift, _indent(line))
        return line[cut:]
    return line


def masked_text(text: str) -> str:
    """The text with code blocks and code spans blanked out (same lines and columns)."""
    return "\n".join(line for _, line in _masked_lines(text))


def split_ruby(base: str, reading: str) -> list[tuple[str, str]] | None:
    """Pairs of (base, reading): one group, or one per character for ``{漢字|かん|じ}``."""
    parts = reading.split("|")
    if len(parts) == 1:
        return [(base, reading)]
    if len(parts) != len(base):
        return None
    return list(zip(base, parts, strict=True))


def scan(text: str) -> tuple[list[Mark], list[Problem]]:
    """Find every piece of inline markup and every malformed one."""
    marks: list[Mark] = []
    problems: list[Problem] = []
    for number, line in _masked_lines(text):
        if "{" not in line and "^" not in line and "[" not in line:
            continue  # every markup pattern starts with one of these
        taken = bytearray(len(line))  # 1 where a markup match already covers the column

        def claim(match: re.Match[str], taken: bytearray = taken) -> None:
            start, end = match.span()
            taken[start:end] = b"\x01" * (end - start)

        label_at = len(line) - len(line.lstrip(" ")) if NOTE_DEF.match(line) else -1
        for m in NOTE_REF.finditer(line):
            claim(m)
            kind = "notedef" if m.start() == label_at else "noteref"
            marks.append(Mark(kind, m.group(1), number, m.start() + 1))
        for m in RUBY.finditer(line):
            claim(m)
            base, reading = m.group(1), m.group(2)
            col = m.start() + 1
            if not reading.strip() or any(not p.strip() for p in reading.split("|")):
                problems.append(
                    Problem("ruby-empty", f"ruby for '{base}' has no reading", number, col)
                )
            elif split_ruby(base, reading) is None:
                problems.append(
                    Problem(
                        "ruby-mismatch",
                        f"'{base}' has {len(base)} characters but "
                        f"{len(reading.split('|'))} readings",
                        number,
                        col,
                    )
                )
            else:
                marks.append(Mark("ruby", base, number, col, reading))
        for m in re.finditer(r"(?<!\\)\{", line):
            if taken[m.start()]:
                continue
            rest = line[m.end() :]
            inner = re.match(r"[^}\n]*", rest)
            span = inner.group(0) if inner else ""
            closed = m.end() + len(span) < len(line)
            if "{" in span and "|" in span:
                problems.append(
                    Problem("ruby-nested", "ruby markup cannot be nested", number, m.start() + 1)
                )
            elif "|" in span and not closed:
                problems.append(
                    Problem(
                        "ruby-unterminated",
                        "ruby markup '{…|…' is not closed with '}' on the same line",
                        number,
                        m.start() + 1,
                    )
                )
        for m in TCY.finditer(line):
            if 1 in taken[m.start() : m.end()]:
                continue
            claim(m)
            content = m.group(1)
            if len(content) > TCY_MAX:
                problems.append(
                    Problem(
                        "tcy-long",
                        f"tate-chu-yoko '{content}' has more than {TCY_MAX} characters",
                        number,
                        m.start() + 1,
                        warning=True,
                    )
                )
            marks.append(Mark("tcy", content, number, m.start() + 1))
        for m in re.finditer(r"(?<![\\^\[])\^(?=[0-9!?])", line):
            if not taken[m.start()]:
                problems.append(
                    Problem(
                        "tcy-unterminated",
                        "'^' is not closed: tate-chu-yoko is '^12^' on one line, "
                        "a footnote reference is '[^label]'",
                        number,
                        m.start() + 1,
                    )
                )
        for m in re.finditer(r"(?<!\\)\[\^", line):
            if not taken[m.start()]:
                problems.append(
                    Problem(
                        "note-unterminated",
                        "footnote reference '[^…' is not closed with ']' "
                        "('[^label]' is a footnote; tate-chu-yoko '^12^' cannot follow '[')",
                        number,
                        m.start() + 1,
                    )
                )
        for m in GLOSSARY.finditer(line):
            claim(m)
            marks.append(
                Mark("glossary", m.group(1).strip(), number, m.start() + 1, m.group(2) or "")
            )
        for m in re.finditer(r"(?<!\\)\[\[", line):
            if not taken[m.start()]:
                problems.append(
                    Problem(
                        "glossary-unterminated",
                        "glossary reference '[[…' is not closed with ']]' on the same line",
                        number,
                        m.start() + 1,
                    )
                )
        for m in CITATION.finditer(line):
            claim(m)
            offset = m.start() + 1
            for part in m.group(1).split(";"):
                key = part.strip()[1:]
                marks.append(Mark("citation", key, number, offset + line[m.start() :].find(key)))
        for m in CITATION_LIKE.finditer(line):
            if not taken[m.start()]:
                problems.append(
                    Problem(
                        "citation-malformed",
                        "citation must look like [@source-id] or [@a; @b]",
                        number,
                        m.start() + 1,
                    )
                )
    return marks, problems


# -- footnote definitions ----------------------------------------------------------------------
@dataclass(frozen=True)
class NoteText:
    """A footnote definition ``[^label]: text`` taken out of an article's Markdown."""

    label: str
    text: str  # its Markdown; line k of it is source line ``line + k - 1``
    line: int  # 1-based, relative to the scanned text
    column: int  # of the '[' of the label


def _ends_note(line: str) -> bool:
    """A line that starts a new block even right after a note's first paragraph."""
    return bool(NOTE_DEF.match(line) or re.match(r" {0,3}(#|```|~~~)", line))


def extract_notes(text: str) -> tuple[str, list[NoteText]]:
    """Take the footnote definitions out of a Markdown text.

    A definition starts with ``[^label]:`` at the start of a line; its first paragraph runs
    on until a blank line (lines that follow it directly belong to it), further paragraphs
    are indented by 4 spaces, as in Python-Markdown's footnotes and pandoc. The text is
    returned with the definitions' lines blanked, so lines keep their numbers.
    """
    lines = text.expandtabs(TAB).split("\n")
    if not any("[^" in line for line in lines):
        return text, []
    _, code = normalize_lists(text)
    out = list(lines)
    notes: list[NoteText] = []
    i = 0
    while i < len(lines):
        m = NOTE_DEF.match(lines[i])
        if m is None or code[i]:
            i += 1
            continue
        start = i
        body = [lines[i][m.end() :]]
        blank = False
        i += 1
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                body.append("")
                blank = True
            elif line.startswith(" " * TAB):
                body.append(line[TAB:])
                blank = False
            elif blank or _ends_note(line):
                break
            else:
                body.append(line)  # a lazy continuation line of the paragraph
            i += 1
        while len(body) > 1 and not body[-1].strip():
            body.pop()
        i = start + len(body)
        out[start:i] = [""] * len(body)
        notes.append(NoteText(m.group(1), "\n".join(body), start + 1, lines[start].index("[") + 1))
    return "\n".join(out), notes


# -- nesting depth -----------------------------------------------------------------------------
MAX_NESTING = 20  # block quotes + list levels, or raw HTML elements, inside one another
QUOTE_PREFIX = re.compile(r"^(?: {0,3}>)+")
HTML_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])(?:[^<>\"']|\"[^\"]*\"|'[^']*')*?(/?)>"
)
VOID_TAGS = frozenset({"br", "hr", "img", "wbr", "col", "area", "input", "meta", "link"})


def nesting_problem(text: str) -> Problem | None:
    """Where block quotes, lists or raw HTML first nest more than :data:`MAX_NESTING` deep.

    Converters and layout engines recurse once (or more) per level; a hostile text of
    hundreds of levels is refused here, long before any of their limits."""
    normalized, code = normalize_lists(text)
    source = text.expandtabs(TAB).split("\n")
    stack: list[str] = []
    message = (
        f"more than {MAX_NESTING} levels of {{}} inside one another; a book cannot print "
        "that deep (flatten the structure)"
    )
    for number, (line, is_code) in enumerate(zip(normalized.split("\n"), code, strict=True), 1):
        if is_code:
            continue
        original = source[number - 1] if number <= len(source) else line
        quote = QUOTE_PREFIX.match(original)
        quotes = quote.group(0).count(">") if quote else 0
        prefix = QUOTE_PREFIX.match(line)
        rest = line[prefix.end() :] if prefix else line
        item = LIST_ITEM.match(rest)
        levels = _indent(rest) // TAB + 1 if item else 0
        if quotes + levels > MAX_NESTING:
            if quotes > MAX_NESTING:
                column = [k for k, c in enumerate(original) if c == ">"][MAX_NESTING] + 1
            else:
                start = quote.end() if quote else 0
                column = start + _indent(original[start:]) + 1
            return Problem("nesting-too-deep", message.format("quotes and lists"), number, column)
        if "<" not in line:
            continue
        masked = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), original)
        for m in HTML_TAG.finditer(masked):
            closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3)
            if closing:
                if name in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(name) :]
            elif not selfclose and name not in VOID_TAGS:
                stack.append(name)
                if len(stack) > MAX_NESTING:
                    return Problem(
                        "nesting-too-deep", message.format("HTML elements"), number, m.start() + 1
                    )
    return None
