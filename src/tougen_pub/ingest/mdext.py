"""Python-Markdown with our inline markup, producing well-formed, safe XHTML fragments.

Raw HTML is allowed when it is well-formed XHTML made of harmless elements (``<sup>``,
``<br>``, ``<span class="…">`` …). Raw HTML that is not well-formed (unclosed or crossed
tags, unquoted attributes) is shown as text, with an ``html-malformed`` error; what is
well-formed is cleaned by :mod:`tougen_pub.ingest.sanitize` (active content removed, other
elements unwrapped, misplaced elements and headings of other levels made representable).
HTML comments are left out, as a browser does.
Links to glossary terms, sources, articles and images are written with neutral targets
(``@glossary/ID``, ``@image/images/x.png``) that each writer resolves.

Problems are returned as :class:`Finding` records carrying a snippet of the source to
locate them with, because Python-Markdown keeps no source positions.
"""

from __future__ import annotations

import html
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
from markdown import inlinepatterns as md_inline
from markdown.extensions import Extension
from markdown.inlinepatterns import DelimiterProcessor, InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
from markdown.util import AtomicString

from tougen_pub.ingest.markup import (
    CITATION,
    GLOSSARY,
    NOTE_REF,
    RUBY,
    TCY,
    nesting_problem,
    normalize_lists,
    split_ruby,
)
from tougen_pub.ingest.notes import NoteRef
from tougen_pub.ingest.sanitize import Finding, ImagePolicy, Sanitizer
from tougen_pub.ingest.softbreaks import join_soft_breaks
from tougen_pub.ingest.tables import MarkupTables
from tougen_pub.model import REF_GLOSSARY, REF_SOURCE

XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
# Higher runs first: a footnote reference ``[^1]`` is taken before tate-chu-yoko ``^…^``
# and before Markdown's reference links.
PRIORITY = {"ruby": 176, "glossary": 177, "citation": 178, "tcy": 175, "noteref": 180}
# Characters XML 1.0 cannot carry at all.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
VOID_TAG = re.compile(r"<(br|hr|img|wbr|col)\b((?:\s+[^<>]*?)?)\s*/?>", re.IGNORECASE)


@dataclass
class Resolver:
    """What the converter needs to know about the book: terms and sources, and counters."""

    term_ids: dict[str, str] = field(default_factory=dict)  # term or alias -> entry id
    source_numbers: dict[str, int] = field(default_factory=dict)  # source id -> 1-based number
    prefix: str = "x"  # id prefix of the document (article slug), for unique anchors
    counter: dict[str, int] = field(default_factory=dict)
    # labels of the footnotes defined in the document; numbers are given in order of first
    # reference (kept in ``counter``: "notes" and "note:LABEL")
    note_labels: frozenset[str] = frozenset()

    def note_number(self, label: str) -> int:
        number = self.counter.get(f"note:{label}")
        if number is None:
            number = self.counter["notes"] = self.counter.get("notes", 0) + 1
            self.counter[f"note:{label}"] = number
        return number

    def anchor(self, kind: str, key: str) -> str:
        n = self.counter.get(f"{kind}:{key}", 0) + 1
        self.counter[f"{kind}:{key}"] = n
        return f"{self.prefix}-{kind}-{_id_safe(key)}-{n}"


def _id_safe(key: str) -> str:
    """Ids may only hold XML NCName characters; source ids may contain ':'."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key)


class _Ruby(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        pairs = split_ruby(m.group(1), m.group(2))
        if pairs is None or not m.group(2).strip():
            return None, None, None
        el = ET.Element("ruby")
        last: ET.Element | None = None
        for base, reading in pairs:
            if last is None:
                el.text = (el.text or "") + base
            else:
                last.tail = (last.tail or "") + base
            last = ET.SubElement(el, "rt")
            last.text = reading
        return el, m.start(0), m.end(0)


class _Tcy(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        el = ET.Element("span", {"class": "tcy"})
        el.text = m.group(1)
        return el, m.start(0), m.end(0)


class _Glossary(InlineProcessor):
    def __init__(self, pattern: str, resolver: Resolver) -> None:
        super().__init__(pattern)
        self.resolver = resolver

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        term, label = m.group(1).strip(), (m.group(2) or "").strip()
        entry = self.resolver.term_ids.get(term)
        if entry is None:
            span = ET.Element("span", {"class": "glossary-unknown"})
            span.text = label or term
            return span, m.start(0), m.end(0)
        el = ET.Element(
            "a",
            {
                "class": "glossary-ref",
                "href": REF_GLOSSARY + entry,
                "id": self.resolver.anchor("g", entry),
            },
        )
        el.text = label or term
        return el, m.start(0), m.end(0)


class _Citation(InlineProcessor):
    def __init__(self, pattern: str, resolver: Resolver) -> None:
        super().__init__(pattern)
        self.resolver = resolver

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        keys = [p.strip()[1:] for p in m.group(1).split(";")]
        outer = ET.Element("span", {"class": "citation"})
        outer.text = "［"
        last: ET.Element | None = None
        for key in keys:
            number = self.resolver.source_numbers.get(key)
            if last is not None:
                last.tail = (last.tail or "") + "、"
            if number is None:
                last = ET.SubElement(outer, "span", {"class": "citation-unknown"})
                last.text = key
                continue
            last = ET.SubElement(
                outer,
                "a",
                {
                    "class": "citation-ref",
                    "href": REF_SOURCE + key,
                    "id": self.resolver.anchor("c", key),
                },
            )
            last.text = str(number)
        if last is not None:
            last.tail = (last.tail or "") + "］"
        return outer, m.start(0), m.end(0)


class _ListIndent(Preprocessor):
    """2-space (CommonMark-style) nested lists → Python-Markdown's 4-space nesting."""

    def run(self, lines: list[str]) -> list[str]:
        return normalize_lists("\n".join(lines))[0].split("\n")


class _VoidTags(Postprocessor):
    """``<br>`` → ``<br />`` in stashed raw HTML, so HTML habits stay well-formed XHTML."""

    def run(self, text: str) -> str:
        stash = self.md.htmlStash.rawHtmlBlocks
        for i, block in enumerate(stash):
            if isinstance(block, str):
                stash[i] = VOID_TAG.sub(lambda m: f"<{m.group(1).lower()}{m.group(2)} />", block)
        return text


# Inline patterns by their regular expression, with the characters at least one of which any
# match contains. Python-Markdown tries every pattern on every text run (17 patterns ×
# every paragraph, list item and table cell); Japanese prose rarely holds any of these
# characters, so most attempts are known to fail before the regex runs.
TRIGGERS: dict[str, tuple[str, ...]] = {
    md_inline.BACKTICK_RE: ("`",),
    md_inline.ESCAPE_RE: ("\\",),
    md_inline.LINK_RE: ("[",),
    md_inline.IMAGE_LINK_RE: ("[",),
    md_inline.AUTOLINK_RE: ("<",),
    md_inline.AUTOMAIL_RE: ("<",),
    md_inline.LINE_BREAK_RE: ("  \n",),
    md_inline.HTML_RE: ("<",),
    md_inline.ENTITY_RE: ("&",),
    RUBY.pattern: ("{",),
    NOTE_REF.pattern: ("[^",),
    TCY.pattern: ("^",),
    GLOSSARY.pattern: ("[[",),
    CITATION.pattern: ("[@",),
}


def _triggers(pattern: md_inline.Pattern) -> tuple[str, ...] | None:
    """What a text must contain for ``pattern`` to match; None: always try it."""
    if isinstance(pattern, DelimiterProcessor):  # emphasis: its regex is the tokens
        return tuple(pattern.tokens) if all(pattern.tokens) else None
    if type(pattern).getCompiledRegExp is not md_inline.Pattern.getCompiledRegExp:
        return None
    return TRIGGERS.get(getattr(pattern, "pattern", None))  # type: ignore[arg-type]


class _InlineFilter(InlineTreeprocessor):
    """Python-Markdown's inline tree processor, skipping patterns whose trigger characters
    are absent from the text (their regex could not match: the result is the same) and
    reading the pattern registry once per document instead of once per attempt."""

    _patterns: list[object] | None = None

    def run(self, tree, ancestors=None):  # type: ignore[no-untyped-def]  # noqa: ANN001
        patterns = list(self.inlinePatterns)
        if patterns != self._patterns:  # extensions registered or removed patterns
            self._patterns = patterns
            self._table = [(p, _triggers(p)) for p in patterns]
            known = [t for _p, ts in self._table if ts is not None for t in ts]
            self._any = (
                re.compile("|".join(map(re.escape, sorted(set(known)))))
                if all(ts is not None for _p, ts in self._table)
                else None
            )
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, AtomicString):
            return data
        if self._any is not None and self._any.search(data) is None:
            return data  # no pattern can match (matches only ever remove characters)
        table = self._table
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        count = len(table)
        index = patternIndex
        while index < count:
            pattern, triggers = table[index]
            if triggers is not None:
                for trigger in triggers:
                    if trigger in data:
                        break
                else:
                    index += 1
                    start = 0  # as after a failed attempt
                    continue
            data, matched, start = apply(pattern, data, index, start)
            if not matched:
                index += 1
        return data


class TougenMarkup(Extension):
    """Registers our inline markup and the list-indentation fix; ``raw_html=False`` shows raw
    HTML as text (the fallback when it is not well-formed)."""

    def __init__(self, resolver: Resolver, raw_html: bool = True, skip_inline: bool = True) -> None:
        super().__init__()
        self.resolver = resolver
        self.raw_html = raw_html
        self.skip_inline = skip_inline  # False: Python-Markdown's own inline processor

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown API)
        if not self.raw_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        if self.skip_inline:
            md.treeprocessors.register(_InlineFilter(md), "inline", 20)
        md.preprocessors.register(_ListIndent(md), "tougen-list-indent", 27)
        md.postprocessors.register(_VoidTags(md), "tougen-void-tags", 35)
        md.inlinePatterns.register(_Ruby(RUBY.pattern), "tougen-ruby", PRIORITY["ruby"])
        md.inlinePatterns.register(_Tcy(TCY.pattern), "tougen-tcy", PRIORITY["tcy"])
        md.inlinePatterns.register(
            NoteRef(NOTE_REF.pattern, self.resolver), "tougen-noteref", PRIORITY["noteref"]
        )
        md.inlinePatterns.register(
            _Glossary(GLOSSARY.pattern, self.resolver), "tougen-glossary", PRIORITY["glossary"]
        )
        md.inlinePatterns.register(
            _Citation(CITATION.pattern, self.resolver), "tougen-citation", PRIORITY["citation"]
        )


def _fix_entities(fragment: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1) in XML_ENTITIES:
            return m.group(0)
        char = html.unescape(m.group(0))
        return html.escape(char, quote=False) if char != m.group(0) else "&amp;" + m.group(0)[1:]

    return ENTITY.sub(repl, fragment)


def well_formed(fragment: str) -> ET.Element:
    """Parse a fragment as XML (raises ET.ParseError when it is not well-formed)."""
    return ET.fromstring(f"<div>{fragment}</div>")


def _serialize(root: ET.Element) -> str:
    inner = html.escape(root.text or "", quote=False)
    return inner + "".join(ET.tostring(child, encoding="unicode") for child in root)


def _load_fenced_code() -> None:
    """Import Python-Markdown's fenced_code as an install without Pygments has it.

    fenced_code imports codehilite, which imports Pygments when it can, although code is
    never highlighted here (codehilite is not enabled). Pygments is no dependency of ours,
    only of the test tools; loading it costs more than converting a short book. The import
    is therefore made as if Pygments were absent, unless something else loaded it already.
    """
    if "markdown.extensions.fenced_code" in sys.modules or "pygments" in sys.modules:
        return
    sys.modules["pygments"] = None  # type: ignore[assignment]
    try:
        import markdown.extensions.fenced_code  # noqa: F401
    finally:
        del sys.modules["pygments"]


class Converter:
    """Markdown → XHTML fragment with our extensions.

    Building the Markdown engine costs more than converting a short text, so one instance
    serves a whole book: set :attr:`images` (the image policy of the document) and the
    resolver's ``prefix``/``counter`` before each document. After each :meth:`convert`,
    :attr:`findings` lists what was removed or refused.
    """

    def __init__(
        self,
        resolver: Resolver,
        on_unsafe: Callable[[str], None] | None = None,
        images: ImagePolicy | None = None,
        skip_inline: bool = True,
    ) -> None:
        self.resolver = resolver
        self.on_unsafe = on_unsafe
        self.images = images
        self.skip_inline = skip_inline
        self.findings: list[Finding] = []
        self.md = self._markdown(raw_html=True)
        self._md_plain: markdown.Markdown | None = None

    def _markdown(self, raw_html: bool) -> markdown.Markdown:
        _load_fenced_code()
        from markdown.extensions.fenced_code import FencedCodeExtension
        from markdown.extensions.sane_lists import SaneListExtension
        from markdown.extensions.tables import TableExtension

        # Instances, not names: a name makes Python-Markdown look it up among the entry
        # points of every installed distribution first.
        return markdown.Markdown(
            extensions=[
                TougenMarkup(self.resolver, raw_html=raw_html, skip_inline=self.skip_inline),
                MarkupTables(lambda *f: self.findings.append(Finding(*f))),
                TableExtension(),
                SaneListExtension(),
                FencedCodeExtension(),
            ],
            output_format="xhtml",
        )

    @property
    def md_plain(self) -> markdown.Markdown:
        if self._md_plain is None:
            self._md_plain = self._markdown(raw_html=False)
        return self._md_plain

    def _run(self, md: markdown.Markdown, text: str) -> str:
        md.reset()
        return _fix_entities(md.convert(text))

    def convert(self, text: str) -> str:
        """Convert one Markdown text; never raises for any input text."""
        self.findings = []
        text = XML_INVALID.sub("\ufffd", text)
        deep = nesting_problem(text)
        if deep is not None:  # refused before any parser recurses into it
            self.findings.append(
                Finding(deep.code, deep.message, True, None, deep.line, deep.column)
            )
            root = ET.Element("div")
            ET.SubElement(root, "p").text = text
            return _serialize(root)
        counter = dict(self.resolver.counter)
        try:
            root = well_formed(self._run(self.md, text))
        except ET.ParseError as exc:
            self.resolver.counter = counter
            problem: tuple[int | None, int | None, str] | None = find_malformed_html(text)
            if problem is None:
                problem = (None, None, f"raw HTML is not well-formed XHTML ({exc})")
            line, col, message = problem
            self.findings.append(
                Finding("html-malformed", message + "; it is shown as text", True, None, line, col)
            )
            try:
                root = well_formed(self._run(self.md_plain, text))
            except ET.ParseError as exc2:  # pragma: no cover - our own output is XML
                self.findings.append(Finding("markdown-failed", str(exc2), True))
                root = ET.Element("div")
                ET.SubElement(root, "p").text = text
        # the ids of an article are counted in the resolver's counter, which the loader
        # starts afresh with every article
        Sanitizer(self.findings, self.images, self.on_unsafe, self.resolver.counter).clean(root)
        join_soft_breaks(root)
        return _serialize(root)


# -- locating malformed raw HTML in the source ----------------------------------------------
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])((?:[^<>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
ATTRIBUTE = re.compile(r"""\s*([^\s=/>"']+)(\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
VOID = frozenset({"br", "hr", "img", "wbr", "col"})


def find_malformed_html(text: str) -> tuple[int, int, str] | None:
    """Where the raw HTML of a Markdown text stops being well-formed XHTML, if it does:
    (line, column, message), 1-based. Code blocks and code spans are ignored."""
    from tougen_pub.ingest.markup import masked_text

    masked = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked_text(text))

    def where(offset: int) -> tuple[int, int]:
        line = masked.count("\n", 0, offset) + 1
        return line, offset - (masked.rfind("\n", 0, offset) + 1) + 1

    if "<!--" in masked:
        return (*where(masked.index("<!--")), "HTML comment '<!--' is never closed")
    stack: list[tuple[str, int]] = []
    for m in TAG.finditer(masked):
        closing, name, attrs, selfclose = m.group(1), m.group(2), m.group(3), m.group(4)
        if not closing:
            seen: set[str] = set()
            pos = 0
            while pos < len(attrs.rstrip()):
                a = ATTRIBUTE.match(attrs, pos)
                if a is None or a.end() == pos:
                    return (*where(m.start()), f"<{name}> has a malformed attribute list")
                attr = a.group(1)
                if a.group(2) is None:
                    return (*where(m.start()), f"attribute '{attr}' of <{name}> has no value")
                if not a.group(3).startswith(("'", '"')):
                    return (*where(m.start()), f"attribute '{attr}' of <{name}> must be quoted")
                if attr in seen:
                    return (*where(m.start()), f"attribute '{attr}' of <{name}> is given twice")
                seen.add(attr)
                pos = a.end()
            if not selfclose and name.lower() not in VOID:
                stack.append((name, m.start()))
            continue
        if stack and stack[-1][0] == name:
            stack.pop()
            continue
        if name.lower() in VOID and not any(n == name for n, _ in stack):
            continue
        if any(n == name for n, _ in stack):
            inner, start = stack[-1]
            line, col = where(start)
            return (
                *where(m.start()),
                f"</{name}> closes <{name}> while <{inner}> (line {line}) is still open",
            )
        return (*where(m.start()), f"</{name}> has no opening <{name}>")
    if stack:
        name, start = stack[-1]
        return (*where(start), f"<{name}> is never closed")
    return None
