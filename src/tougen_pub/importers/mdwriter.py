"""Text lines of the export → Markdown of the manuscript.

Each line of a block is a paragraph, a bullet item (``・``, ``・・``, ``・・・`` for the
levels) or a numbered item (``1.`` / ``1．`` / ``(1)`` / ``①``). Numbered items are grouped
into *runs* (1, 2, 3 … of one marker style); a run whose items are separated only by bullets
(or by items of runs nested in it that are lists themselves) is an ordered list, any other run
numbers sub-headings (``###``, ``####`` when nested; bold paragraphs in glossary definitions).

Text is escaped so that nothing in the export is read as Markdown or as our inline markup;
glossary terms can be linked (``[[term]]``) at their first mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tougen_pub.importers.export import Line

BULLET = re.compile(r"^(・+)\s*(\S.*)$")
NUMBERED = (
    ("dot", re.compile(r"^(\d{1,2})[.．](?![0-9０-９])(\s*)(\S.*)$")),
    ("paren", re.compile(r"^[(（](\d{1,2})[)）](\s*)(\S.*)$")),
    ("circled", re.compile(r"^([\u2460-\u2473])(\s*)(\S.*)$")),
)
#: characters with a meaning in Markdown or in our inline markup, escaped everywhere
ESCAPED = set("\\`*_{}[]#")
#: what a backslash cannot escape: tate-chu-yoko ^, every < (tags, autolinks) and entities
REFERENCES = re.compile(r"\^|<|&(?=#?\w+;)")
REFERENCE_OF = {"^": "&#94;", "<": "&lt;", "&": "&amp;"}
#: at the start of a line these would make a list, a quote or a rule
LINE_START = re.compile(r"^(?:[-+>]|\d+(?=[.)]))")
MAX_HEADING = 6
#: an unnumbered sub-heading: a short line of words, no digits, no sentence or label punctuation
SUBHEADING = re.compile(r"^(?!.*\d)[\w・ー 「」『』()（）]{1,30}$")


# -- inline text --------------------------------------------------------------------------
def escape(text: str) -> str:
    """Markdown-escape a piece of text (not at the start of a line)."""
    text = "".join("\\" + ch if ch in ESCAPED else ch for ch in text)
    return REFERENCES.sub(lambda m: REFERENCE_OF[m.group(0)], text)


def escape_line(text: str) -> str:
    """Markdown-escape text that starts a line (paragraph, list item or heading text)."""
    m = LINE_START.match(text)
    if m is None:
        return escape(text)
    if m.group(0)[0].isdigit():  # "2014. …" would start an ordered list
        end = m.end()
        return escape(text[:end]) + "\\" + escape(text[end:])
    return "\\" + escape(text)


@dataclass
class Linker:
    """Links the first mention of each glossary entry in one article with ``[[name]]``.

    ``names`` maps every term and alias to its entry's key; ``used`` collects the keys
    already linked in the article.
    """

    names: dict[str, str]
    used: set[str] = field(default_factory=set)

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int, str]] = []
        for name, key in self.names.items():
            if key in self.used:
                continue
            start = _find_word(text, name)
            if start >= 0:
                found.append((start, start + len(name), key))
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        spans: list[tuple[int, int]] = []
        end = 0
        for start, stop, key in found:
            if start < end or key in self.used:
                continue
            self.used.add(key)
            spans.append((start, stop))
            end = stop
        return spans


def _find_word(text: str, name: str) -> int:
    """First occurrence of name; Latin names only as whole words."""
    start = text.find(name)
    while start >= 0:
        before = text[start - 1] if start else " "
        after = text[start + len(name)] if start + len(name) < len(text) else " "
        ok = not (name[0].isascii() and name[0].isalnum() and before.isascii() and before.isalnum())
        ok = ok and not (
            name[-1].isascii() and name[-1].isalnum() and after.isascii() and after.isalnum()
        )
        if ok:
            return start
        start = text.find(name, start + 1)
    return -1


def inline(text: str, linker: Linker | None = None) -> str:
    """Escaped Markdown for one line of text, with first mentions of terms linked."""
    spans = linker.spans(text) if linker else []
    if not spans:
        return escape_line(text)
    parts: list[str] = []
    pos = 0
    for start, stop in spans:
        before = text[pos:start]
        parts.append(escape_line(before) if pos == 0 else escape(before))
        parts.append(f"[[{text[start:stop]}]]")
        pos = stop
    parts.append(escape(text[pos:]))
    return "".join(parts)


def linkable(name: str) -> bool:
    """Whether ``[[name]]`` is valid markup for this term."""
    return bool(name.strip()) and not any(ch in name for ch in "[]|\n\\")


# -- block structure ----------------------------------------------------------------------
@dataclass(eq=False)
class _Run:
    style: tuple[str, bool]  # marker kind, space after the marker
    parent: _Run | None
    items: list[int] = field(default_factory=list)
    last: int = 0
    is_list: bool = True
    bump: int = 0  # 1 when the run follows an unnumbered sub-heading (its items are below it)

    @property
    def kind(self) -> str:
        return self.style[0]


@dataclass
class _Node:
    line: Line
    kind: str  # "para", "bullet", "num", "sub" (unnumbered sub-heading)
    text: str
    level: int = 0  # bullets
    value: int = 0  # numbered items
    marker: str = ""  # numbered items, as written
    run: _Run | None = None


def _classify(line: Line) -> _Node:
    text = line.text
    m = BULLET.match(text)
    if m:
        return _Node(line, "bullet", m.group(2).strip(), level=len(m.group(1)))
    for kind, pattern in NUMBERED:
        m = pattern.match(text)
        if m is None:
            continue
        raw = m.group(1)
        value = ord(raw) - 0x245F if kind == "circled" else int(raw)
        marker = {"dot": f"{value}.", "paren": f"({value})", "circled": raw}[kind]
        node = _Node(line, "num", m.group(3).strip(), value=value, marker=marker)
        node.run = _Run((kind, bool(m.group(2))), None)  # replaced by _runs()
        return node
    return _Node(line, "para", text)


def _runs(nodes: list[_Node]) -> list[_Run]:
    """Group numbered items into runs and decide which runs are lists."""
    runs: list[_Run] = []
    stack: list[_Run] = []
    for index, node in enumerate(nodes):
        if node.kind != "num":
            continue
        assert node.run is not None
        style, value = node.run.style, node.value
        run = None
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].style == style and stack[depth].last == value - 1:
                run = stack[depth]
                del stack[depth + 1 :]
                break
        if run is None and stack and value > 1:
            top = stack[-1]
            if top.kind == style[0] and top.last == value - 1:
                run = top
        if run is None:
            run = _Run(style, stack[-1] if stack else None)
            stack.append(run)
            runs.append(run)
        run.items.append(index)
        run.last = value
        node.run = run
    for run in reversed(runs):  # nested runs come later, so are decided first
        run.is_list = _is_list(run, nodes)
    return runs


def _is_list(run: _Run, nodes: list[_Node]) -> bool:
    def list_like(node: _Node) -> bool:
        return node.kind == "bullet" or (
            node.kind == "num" and node.run is not run and node.run is not None and node.run.is_list
        )

    if len(run.items) == 1:
        after = run.items[0] + 1
        return after >= len(nodes) or list_like(nodes[after])
    return all(
        list_like(node)
        for a, b in zip(run.items, run.items[1:], strict=False)
        for node in nodes[a + 1 : b]
    )


def _subheadings(nodes: list[_Node]) -> None:
    """Mark short word-only lines followed by text as sub-headings (まとめ, 結論, 主な内容 …)."""
    for node, after in zip(nodes, nodes[1:], strict=False):
        if node.kind == "para" and SUBHEADING.match(node.text):
            node.kind = "sub"
            run = after.run
            if after.kind == "num" and run and not run.is_list and nodes[run.items[0]] is after:
                run.bump = 1


def _heading_depth(run: _Run) -> int:
    depth = run.bump
    parent = run.parent
    while parent is not None:
        depth += parent.bump + (0 if parent.is_list else 1)
        parent = parent.parent
    return depth


@dataclass
class _Open:
    kind: str  # "ol" or "ul"
    indent: int
    run: _Run | None = None
    level: int = 0


def render_lines(
    lines: Sequence[Line], *, linker: Linker | None = None, headings: bool = True
) -> str:
    """Markdown for the lines of a block (paragraphs separated by blank lines)."""
    nodes = [_classify(line) for line in lines]
    _runs(nodes)
    _subheadings(nodes)
    out: list[str] = []
    items: list[str] = []
    opened: list[_Open] = []

    def close() -> None:
        if items:
            out.append("\n".join(items))
            items.clear()
        opened.clear()

    for node in nodes:
        if node.kind == "para":
            close()
            out.append(inline(node.text, linker))
        elif node.kind == "sub":
            close()
            out.append(f"### {inline(node.text)}" if headings else f"**{inline(node.text)}**")
        elif node.kind == "num" and node.run is not None and not node.run.is_list:
            close()
            text = f"{node.marker} {inline(node.text)}"
            if headings:
                out.append("#" * min(3 + _heading_depth(node.run), MAX_HEADING) + " " + text)
            else:
                out.append(f"**{text}**")
        elif node.kind == "num":
            indent = _open_ordered(node.run, opened, close)
            items.append(" " * indent + f"{node.value}. " + inline(node.text, linker))
        else:
            indent = _open_bullet(node.level, opened)
            items.append(" " * indent + "- " + inline(node.text, linker))
    close()
    return "\n\n".join(out)


def _open_ordered(run: _Run | None, opened: list[_Open], close) -> int:  # type: ignore[no-untyped-def]
    for target, nested in ((run, False), (run.parent if run else None, True)):
        for depth in range(len(opened) - 1, -1, -1):
            entry = opened[depth]
            if entry.kind == "ol" and entry.run is target and target is not None:
                del opened[depth + 1 :]
                if not nested:
                    return entry.indent
                opened.append(_Open("ol", entry.indent + 4, run))
                return entry.indent + 4
    close()
    opened.append(_Open("ol", 0, run))
    return 0


def _open_bullet(level: int, opened: list[_Open]) -> int:
    while opened and opened[-1].kind == "ul" and opened[-1].level >= level:
        opened.pop()
    if opened and opened[-1].kind == "ul":
        top = opened[-1]
        indent, effective = top.indent + 4, top.level + 1
    elif opened:  # inside an ordered item
        indent, effective = opened[-1].indent + 4, 1
    else:
        indent, effective = 0, 1
    opened.append(_Open("ul", indent, level=effective))
    return indent


def bullet_list(entries: Iterable[str]) -> str:
    """A Markdown bullet list of already-escaped items."""
    return "\n".join(f"- {entry}" for entry in entries)
