"""Reading and parsing the blog's plain-text export into a model of posts.

The export is a sequence of posts. Each post starts with a header line that glues the
series, the title and the publication date and time together::

    【桃源閑話】NATO拡大とロシアの反応2025年02月09日 15:13

followed by an image credit line (``…で作成``), usually a repeat of the title line, an
optional ``参照:`` list of related posts (a title line and a URL line each) and blocks
introduced by a line holding only a bracketed name: 【概要】【詳細】【要点】 (text),
【参考】 (glossary entries, each starting with ``☞ TERM``), 【参考はブログ作成者が付記】
(a note about the glossary) and 【引用・参照・底本】 (the works the post is based on).

This module only knows the format: it turns bytes into :class:`Post` records with the line
numbers of everything, and reports problems as located diagnostics. Building the manuscript
from the posts is :mod:`tougen_pub.importers.blog`'s job.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from tougen_pub.diagnostics import Diagnostics, SourceLocation, TougenError

MAX_EXPORT_BYTES = 64 * 1024 * 1024
MAX_HEADER_CHARS = 400
JST = dt.timezone(dt.timedelta(hours=9))

INDENT_CHARS = " \t\u3000\u00a0"
HEADER = re.compile(
    r"^【(?P<series>[^【】]+)】(?P<title>.*?)\s*"
    r"(?P<y>\d{4})年(?P<mo>\d{1,2})月(?P<d>\d{1,2})日"
    r"(?:\s*(?P<h>\d{1,2})[:：](?P<mi>\d{2}))?\s*$"
)
SERIES_LINE = re.compile(r"^【(?P<series>[^【】]+)】(?P<title>.+)$")
BLOCK = re.compile(r"^【(?P<name>[^【】]+)】$")
URL_LINE = re.compile(r"^https?://\S+$")
SEE_ALSO_LABEL = re.compile(r"^(?:参照|関連(?:記事)?)\s*[:：]?$")
CREDIT = re.compile(r"^.+で作成$")
GLOSSARY_MARK = "☞"
SOURCES_BLOCK = re.compile(r"^(?:引用|参照|底本|出典)(?:[・、/／](?:引用|参照|底本|出典))*$")
GLOSSARY_BLOCK = "参考"
NOTE_BLOCK = re.compile(r"^参考は.+")
#: a publisher glued to the end of a source title: two or more upper-case words
PUBLISHER = re.compile(
    r"^(?P<title>.*?\S)\s+(?P<publisher>[A-Z][A-Z&.'’-]+(?:\s+[A-Z][A-Z&.'’-]+)+)$"
)


@dataclass(frozen=True)
class Line:
    """A non-blank line of the export without its indentation."""

    number: int  # 1-based line number in the export
    column: int  # 1-based column where the text starts
    text: str


@dataclass(frozen=True)
class SeeAlsoRef:
    """An entry of a 参照 list: another post, by title and address."""

    title: str
    url: str | None
    line: int


@dataclass(frozen=True)
class SourceRef:
    """A work listed in 【引用・参照・底本】."""

    title: str
    url: str | None
    publisher: str | None
    line: int


@dataclass(frozen=True)
class GlossaryItem:
    """A ``☞ TERM`` entry of 【参考】: the header line (without ☞) and the lines after it."""

    header: Line
    lines: tuple[Line, ...]


@dataclass
class Block:
    """A 【NAME】 block: text lines, and for a 【参考】 block its ☞ glossary entries (then
    ``lines`` holds only the text outside the entries)."""

    name: str
    line: int
    lines: list[Line] = field(default_factory=list)
    glossary: list[GlossaryItem] | None = None  # None: not a glossary block


@dataclass
class Post:
    """One post of the export, as written."""

    series: str
    title: str
    date: dt.datetime
    line: int  # line of the header
    image_credit: str | None = None
    intro: list[Line] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    see_also: list[SeeAlsoRef] = field(default_factory=list)
    has_sources_block: bool = False

    @property
    def glossary(self) -> list[GlossaryItem]:
        return [item for block in self.blocks for item in (block.glossary or [])]

    @property
    def has_text(self) -> bool:
        return bool(self.intro or any(b.lines or b.glossary for b in self.blocks))


def norm_title(text: str) -> str:
    """Comparable form of a title: NFKC, no white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def strip_indent(raw: str) -> tuple[int, str]:
    """(1-based column of the text, text without indentation and trailing white space)."""
    text = raw.lstrip(INDENT_CHARS)
    return len(raw) - len(text) + 1, text.rstrip(INDENT_CHARS)


# -- reading ------------------------------------------------------------------------------
def read_export(data: bytes, display: str, diags: Diagnostics) -> str:
    """Decode the export; a file that cannot be an export raises a located TougenError."""

    def fatal(code: str, message: str, line: int | None = None, col: int | None = None) -> None:
        diag = diags.error(code, message, SourceLocation(display, line, col))
        raise TougenError(f"{display} cannot be imported", [diag])

    if len(data) > MAX_EXPORT_BYTES:
        fatal(
            "import-too-large",
            f"file is {len(data):,} bytes; an export is at most "
            f"{MAX_EXPORT_BYTES:,} bytes (split it)",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        fatal("import-encoding", "file is UTF-16; save the export as UTF-8", 1, 1)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        fatal("import-not-export", "file is empty: not a blog export", 1, 1)
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _position(data, nul)
        fatal("import-not-export", "binary file (NUL byte): not a blog export", line, col)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        if exc.reason == "unexpected end of data":
            fatal(
                "import-truncated",
                "file ends in the middle of a character: it looks truncated",
                line,
                col,
            )
        fatal(
            "import-encoding",
            f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); save the export as UTF-8",
            line,
            col,
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _drop_control_chars(text, display, diags)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", "replace")) + 1
    return line, col


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return (code < 0x20 and ch not in "\t\n") or 0x7F <= code < 0xA0


def _drop_control_chars(text: str, display: str, diags: Diagnostics) -> str:
    if not any(_is_control(ch) for ch in text):
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        bad = [i for i, ch in enumerate(line) if _is_control(ch)]
        if bad:
            diags.warning(
                "import-control-char",
                f"control character U+{ord(line[bad[0]]):04X} removed"
                + (f" (and {len(bad) - 1} more on this line)" if len(bad) > 1 else ""),
                SourceLocation(display, number, bad[0] + 1),
            )
            lines[number - 1] = "".join(ch for ch in line if not _is_control(ch))
    return "\n".join(lines)


# -- parsing ------------------------------------------------------------------------------
def parse_export(text: str, display: str, diags: Diagnostics) -> list[Post]:
    """Split the export into posts; raises a located TougenError when nothing can be imported."""
    return _Parser(text.split("\n"), display, diags).run()


class _Parser:
    def __init__(self, raw_lines: list[str], display: str, diags: Diagnostics) -> None:
        self.raw = raw_lines
        self.display = display
        self.diags = diags

    def where(self, line: int | None, col: int | None = None) -> SourceLocation:
        return SourceLocation(self.display, line, col)

    def fatal(self, code: str, message: str, line: int | None, col: int | None = None) -> None:
        diag = self.diags.error(code, message, self.where(line, col))
        raise TougenError(f"{self.display} cannot be imported", [diag])

    # -- posts -----------------------------------------------------------------------------
    def run(self) -> list[Post]:
        starts: list[tuple[int, Post]] = []
        for index, raw in enumerate(self.raw):
            col, text = strip_indent(raw)
            if not text.startswith("【") or len(text) > MAX_HEADER_CHARS:
                continue
            match = HEADER.match(text)
            if match is None:
                continue
            post = self._header(match, index + 1, col)
            if post is not None:
                starts.append((index, post))
        if not starts:
            if self.diags.errors:  # headers with a bad date or time
                raise TougenError(f"{self.display} cannot be imported", list(self.diags.errors))
            self._no_posts()
        first = starts[0][0]
        preamble = [i for i in range(first) if self.raw[i].strip(INDENT_CHARS)]
        if preamble:
            self.diags.warning(
                "import-preamble",
                f"{len(preamble)} line(s) before the first post header are ignored",
                self.where(preamble[0] + 1, 1),
            )
        posts = []
        for n, (index, post) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else len(self.raw)
            self._body(post, index + 1, end)
            posts.append(post)
        self._check_complete(posts)
        return posts

    def _header(self, m: re.Match[str], number: int, col: int) -> Post | None:
        series, title = m.group("series").strip(), m.group("title").strip()
        date_col = col + m.start("y")
        if not title:
            self.diags.error(
                "import-bad-header", "post header has no title", self.where(number, col)
            )
            return None
        if m.group("h") is None:
            self.diags.error(
                "import-bad-header",
                "post header has a date but no time (expected YYYY年MM月DD日 HH:MM)",
                self.where(number, date_col),
            )
            return None
        try:
            date = dt.datetime(
                int(m.group("y")),
                int(m.group("mo")),
                int(m.group("d")),
                int(m.group("h")),
                int(m.group("mi")),
                tzinfo=JST,
            )
        except ValueError as exc:
            self.diags.error(
                "import-bad-date",
                f"invalid date in post header: {exc}",
                self.where(number, date_col),
            )
            return None
        return Post(series=series, title=title, date=date, line=number)

    def _no_posts(self) -> None:
        for index, raw in enumerate(self.raw):
            col, text = strip_indent(raw)
            if not text:
                continue
            if SERIES_LINE.match(text) and not BLOCK.match(text):
                self.fatal(
                    "import-bad-header",
                    "post header without date and time: expected "
                    "【SERIES】TITLEYYYY年MM月DD日 HH:MM",
                    index + 1,
                    col,
                )
            break
        if self.diags.errors:
            raise TougenError(f"{self.display} cannot be imported", list(self.diags.errors))
        self.fatal(
            "import-not-export",
            "no post header (【SERIES】TITLEYYYY年MM月DD日 HH:MM) found: not a blog export",
            1,
            1,
        )

    def _check_complete(self, posts: list[Post]) -> None:
        last = posts[-1]
        if not last.has_text or not last.has_sources_block:
            what = "has no text" if not last.has_text else "has no 【引用・参照・底本】 block"
            end = max(i for i, raw in enumerate(self.raw, 1) if raw.strip(INDENT_CHARS))
            self.fatal(
                "import-truncated",
                f"the export ends inside the post '{last.title}', which {what}: "
                "the file looks truncated",
                end,
                None,
            )
        for post in posts[:-1]:
            if not post.has_text:
                self.diags.error(
                    "import-truncated", f"post '{post.title}' has no text", self.where(post.line, 1)
                )
            elif not post.has_sources_block:
                self.diags.warning(
                    "import-no-sources",
                    f"post '{post.title}' has no 【引用・参照・底本】 block",
                    self.where(post.line, 1),
                )
        if self.diags.errors:
            raise TougenError(f"{self.display} cannot be imported", list(self.diags.errors))

    # -- one post --------------------------------------------------------------------------
    def _lines(self, start: int, end: int) -> list[Line]:
        out = []
        for index in range(start, end):
            col, text = strip_indent(self.raw[index])
            if text:
                out.append(Line(index + 1, col, text))
        return out

    def _is_title_repeat(self, post: Post, text: str) -> bool:
        m = SERIES_LINE.match(text)
        return bool(
            m
            and m.group("series").strip() == post.series
            and norm_title(m.group("title")) == norm_title(post.title)
        )

    def _body(self, post: Post, start: int, end: int) -> None:
        lines = self._lines(start, end)
        block: Block | None = None
        i = 0
        while i < len(lines):
            line = lines[i]
            text = line.text
            if self._is_title_repeat(post, text):
                i += 1
                continue
            m = BLOCK.match(text)
            if m and m.group("name").strip() != post.series:
                block = self._open_block(post, m.group("name").strip(), line)
                i += 1
                continue
            if SEE_ALSO_LABEL.match(text):
                taken = self._see_also(post, lines, i + 1)
                if taken:
                    i += 1 + taken
                    continue
            if block is None:
                if post.image_credit is None and not post.intro and CREDIT.match(text):
                    post.image_credit = text
                else:
                    post.intro.append(line)
            elif block.name == "\0sources":
                i += self._source(post, lines, i)
                continue
            elif block.name == "\0note":
                post.notes.append(line)
            else:
                block.lines.append(line)
            i += 1
        for block in post.blocks:
            if block.glossary is not None:
                self._split_glossary(block)

    def _open_block(self, post: Post, name: str, line: Line) -> Block:
        if SOURCES_BLOCK.match(name):
            post.has_sources_block = True
            return Block("\0sources", line.number)
        if NOTE_BLOCK.match(name):
            post.notes.append(Line(line.number, line.column + 1, name))
            return Block("\0note", line.number)
        block = Block(name, line.number, glossary=[] if name == GLOSSARY_BLOCK else None)
        post.blocks.append(block)
        return block

    def _see_also(self, post: Post, lines: list[Line], i: int) -> int:
        """Read a 参照 list starting at lines[i]; returns how many lines it took (0: not one)."""
        taken = 0
        while i + taken < len(lines):
            first = lines[i + taken]
            if BLOCK.match(first.text):
                break
            if URL_LINE.match(first.text):
                post.see_also.append(SeeAlsoRef(first.text, first.text, first.number))
                taken += 1
                continue
            if i + taken + 1 < len(lines) and URL_LINE.match(lines[i + taken + 1].text):
                title = self._strip_series(post, first.text)
                post.see_also.append(SeeAlsoRef(title, lines[i + taken + 1].text, first.number))
                taken += 2
                continue
            break
        return taken

    @staticmethod
    def _strip_series(post: Post, text: str) -> str:
        m = SERIES_LINE.match(text)
        if m and m.group("series").strip() == post.series:
            return m.group("title").strip()
        return text

    def _source(self, post: Post, lines: list[Line], i: int) -> int:
        """One entry of 【引用・参照・底本】 at lines[i]; returns the number of lines used."""
        line = lines[i]
        if URL_LINE.match(line.text):
            post.sources.append(SourceRef(line.text, line.text, None, line.number))
            return 1
        url = None
        used = 1
        if i + 1 < len(lines) and URL_LINE.match(lines[i + 1].text):
            url = lines[i + 1].text
            used = 2
        series = SERIES_LINE.match(line.text)
        if series and series.group("series").strip() == post.series:
            # another post of the series: a related post, not a work the post is based on
            if url is None:
                return 1
            post.see_also.append(SeeAlsoRef(series.group("title").strip(), url, line.number))
            return used
        title, publisher = line.text, None
        m = PUBLISHER.match(line.text)
        if m and re.search(r"[a-z]", m.group("title")):
            title, publisher = m.group("title").strip(), m.group("publisher")
        post.sources.append(SourceRef(title, url, publisher, line.number))
        return used

    def _split_glossary(self, block: Block) -> None:
        outside: list[Line] = []
        items: list[GlossaryItem] = []
        current: list[Line] | None = None
        header: Line | None = None
        for line in block.lines:
            if line.text.startswith(GLOSSARY_MARK):
                if header is not None and current is not None:
                    items.append(GlossaryItem(header, tuple(current)))
                col, rest = strip_indent(line.text[len(GLOSSARY_MARK) :])
                if not rest:
                    self.diags.warning(
                        "import-glossary-empty-term",
                        "☞ without a term; the lines after it are kept as text of 【参考】",
                        self.where(line.number, line.column),
                    )
                    header, current = None, None
                    continue
                header = Line(line.number, line.column + len(GLOSSARY_MARK) + col - 1, rest)
                current = []
            elif current is not None:
                current.append(line)
            else:
                outside.append(line)
        if header is not None and current is not None:
            items.append(GlossaryItem(header, tuple(current)))
        block.lines = outside
        block.glossary = items
