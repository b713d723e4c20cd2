"""Python-Markdown with our inline markup, producing well-formed XHTML fragments.

Raw HTML is not passed through (it is shown as text); links to glossary terms, sources and
articles are written with neutral targets (``@glossary/ID``) that each writer resolves.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from tougen_pub.ingest.markup import CITATION, GLOSSARY, RUBY, TCY, split_ruby
from tougen_pub.model import REF_GLOSSARY, REF_SOURCE

XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
SAFE_SCHEMES = ("http://", "https://", "mailto:", "#", "@")
PRIORITY = {"ruby": 176, "glossary": 177, "citation": 178, "tcy": 175}


@dataclass
class Resolver:
    """What the converter needs to know about the book: terms and sources, and counters."""

    term_ids: dict[str, str] = field(default_factory=dict)  # term or alias -> entry id
    source_numbers: dict[str, int] = field(default_factory=dict)  # source id -> 1-based number
    prefix: str = "x"  # id prefix of the document (article slug), for unique anchors
    counter: dict[str, int] = field(default_factory=dict)

    def anchor(self, kind: str, key: str) -> str:
        n = self.counter.get(f"{kind}:{key}", 0) + 1
        self.counter[f"{kind}:{key}"] = n
        return f"{self.prefix}-{kind}-{key}-{n}"


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
        for i, key in enumerate(keys):
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
            if i == len(keys) - 1:
                pass
        if last is not None:
            last.tail = (last.tail or "") + "］"
        return outer, m.start(0), m.end(0)


class TougenMarkup(Extension):
    """Registers our inline markup and removes raw-HTML passthrough."""

    def __init__(self, resolver: Resolver) -> None:
        super().__init__()
        self.resolver = resolver

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        md.inlinePatterns.register(_Ruby(RUBY.pattern), "tougen-ruby", PRIORITY["ruby"])
        md.inlinePatterns.register(_Tcy(TCY.pattern), "tougen-tcy", PRIORITY["tcy"])
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


class Converter:
    """Markdown → XHTML fragment with our extensions; one instance per document."""

    def __init__(self, resolver: Resolver, on_unsafe: Callable[[str], None] | None = None) -> None:
        self.resolver = resolver
        self.on_unsafe = on_unsafe
        self.md = markdown.Markdown(
            extensions=[TougenMarkup(resolver), "markdown.extensions.tables", "markdown.extensions.sane_lists"],
            output_format="xhtml",
        )

    def convert(self, text: str) -> str:
        self.md.reset()
        fragment = _fix_entities(self.md.convert(text))
        return self._sanitize(fragment)

    def _sanitize(self, fragment: str) -> str:
        root = well_formed(fragment)
        changed = False
        for el in root.iter():
            for attr in list(el.attrib):
                if attr.lower().startswith("on"):
                    del el.attrib[attr]
                    changed = True
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is None:
                    continue
                if attr == "href" and not value.strip().lower().startswith(SAFE_SCHEMES):
                    if self.on_unsafe:
                        self.on_unsafe(value)
                    del el.attrib[attr]
                    changed = True
        if not changed:
            return fragment
        inner = (root.text and html.escape(root.text, quote=False)) or ""
        return inner + "".join(ET.tostring(child, encoding="unicode") for child in root)
