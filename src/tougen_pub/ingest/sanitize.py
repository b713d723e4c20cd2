"""Raw HTML and Markdown's own output made safe and representable in every book.

What Python-Markdown produces from an article (raw HTML included) is cleaned here, in
place, before any writer sees it; every change is a :class:`Finding` that the loader
reports at its line:

* active or document-level content (``<script>``, ``<iframe>``, forms…) and event-handler
  attributes are removed (``unsafe-html``); links other than http(s), mailto and
  ``#fragment`` are removed (``unsafe-link``);
* elements outside the harmless set are unwrapped, their text kept (``html-unsupported``);
  other attributes are dropped (``html-attribute``);
* elements where HTML does not allow them (``<li>`` outside a list, ``<td>`` outside a
  table, ``<rt>`` outside ruby, a block such as ``<div>`` inside a paragraph) are unwrapped:
  the EPUB would be invalid and readers and the PDF would each show them differently
  (``html-misplaced``);
* an ``id`` given twice in an article is kept on its first element only
  (``html-duplicate-id``; the loader does the same across articles);
* headings of levels the book has not (``##`` sections come from the article's lines,
  ``###`` and ``####`` below them) are set at the nearest level it has: a ``#`` heading
  would stand level with the article title, a Setext (underlined) or raw ``<h2>`` is no
  section and has no entry in the table of contents (both become ``###``); ``#####`` and
  ``######``, which have no style of their own, become ``####`` (``heading-level``).

Images go through the document's image policy (:mod:`tougen_pub.ingest.images`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

SAFE_SCHEMES = ("http://", "https://", "mailto:", "#", "@")
HOSTILE_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")

# Harmless elements that may appear in an article (what Markdown produces, plus text-level
# HTML users reach for).
ALLOWED_ELEMENTS = frozenset(
    [
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "s",
        "del",
        "ins",
        "sub",
        "sup",
        "small",
        "mark",
        "span",
        "div",
        "blockquote",
        "q",
        "cite",
        "abbr",
        "dfn",
        "code",
        "pre",
        "kbd",
        "samp",
        "var",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "colgroup",
        "col",
        "a",
        "img",
        "ruby",
        "rt",
        "rp",
        "rb",
        "figure",
        "figcaption",
        "section",
        "aside",
        "time",
        "wbr",
        "bdi",
    ]
)
# Active or document-level content: never in a book.
REFUSED_ELEMENTS = frozenset(
    [
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "style",
        "link",
        "meta",
        "base",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "option",
        "svg",
        "math",
        "audio",
        "video",
        "source",
        "track",
        "canvas",
        "noscript",
        "template",
        "portal",
        "html",
        "head",
        "body",
        "title",
        "dialog",
    ]
)
ALLOWED_ATTRIBUTES = {
    "*": frozenset(
        {"class", "id", "title", "lang", "dir", "{http://www.w3.org/XML/1998/namespace}lang"}
    ),
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "align"}),
    "th": frozenset({"colspan", "rowspan", "align", "scope"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
}
TABLE_ALIGN_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center)\s*;?\s*$")


@dataclass(frozen=True)
class Finding:
    """A problem found while converting; ``needle`` is source text to locate it by (its
    ``occurrence``-th place in the converted text), or ``line``/``column`` (1-based,
    relative to the converted text) when known."""

    code: str
    message: str
    error: bool
    needle: str | None = None
    line: int | None = None
    column: int | None = None
    occurrence: int = 1


# An image policy: the ``src`` of an image → (neutral target or None to drop it, finding).
ImagePolicy = Callable[[str], tuple[str | None, Finding | None]]

# Elements HTML allows only inside certain parents: elsewhere they are unwrapped.
REQUIRED_PARENTS = {
    "li": frozenset({"ul", "ol"}),
    "dt": frozenset({"dl"}),
    "dd": frozenset({"dl"}),
    "tr": frozenset({"table", "thead", "tbody", "tfoot"}),
    "td": frozenset({"tr"}),
    "th": frozenset({"tr"}),
    "thead": frozenset({"table"}),
    "tbody": frozenset({"table"}),
    "tfoot": frozenset({"table"}),
    "caption": frozenset({"table"}),
    "colgroup": frozenset({"table"}),
    "col": frozenset({"table", "colgroup"}),
    "figcaption": frozenset({"figure"}),
    "rt": frozenset({"ruby"}),
    "rp": frozenset({"ruby"}),
    "rb": frozenset({"ruby"}),
}
# Block elements, which may not stand where only phrasing content may (inside a paragraph,
# a heading, an inline element).
BLOCKS = frozenset(
    ["p", "div", "blockquote", "ul", "ol", "dl", "table", "pre", "hr", "figure", "section",
     "aside", "h1", "h2", "h3", "h4", "h5", "h6"]
)  # fmt: skip
# Elements whose content is phrasing only; and those that take their parent's model.
PHRASING_ONLY = frozenset(
    ["p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "span", "em", "strong", "b", "i", "u",
     "s", "sub", "sup", "small", "mark", "q", "cite", "abbr", "dfn", "code", "kbd", "samp",
     "var", "time", "bdi", "ruby", "rt", "rp", "rb"]
)  # fmt: skip
TRANSPARENT = frozenset(["a", "del", "ins"])
# Headings of levels the book has not, with why and the level they are set at. Sections
# (h2) come from the article's "## " lines, which never reach the converter as headings;
# ### and #### are the levels below them.
HEADING_LEVELS = {
    "h1": ("a level-1 heading inside an article stands level with the article title", "h3"),
    "h2": (
        "a heading that is not a section (sections are '## ' at the start of a line) has no "
        "entry in the table of contents",
        "h3",
    ),
    "h5": ("there is no heading level below ####", "h4"),
    "h6": ("there is no heading level below ####", "h4"),
}


def _scheme_of(value: str) -> str:
    """The lower-case start of a URL with whitespace and controls removed (``java\tscript:``)."""
    return re.sub(r"[\x00-\x20]+", "", value).lower()


class Sanitizer:
    """Cleans one converted fragment in place; what it changed goes to ``findings``.

    ``counter`` records the ids already used in the document as ``id:VALUE`` (an article
    is converted in several fragments: its sections and notes share one counter)."""

    def __init__(
        self,
        findings: list[Finding],
        images: ImagePolicy | None = None,
        on_unsafe: Callable[[str], None] | None = None,
        counter: dict[str, int] | None = None,
    ) -> None:
        self.findings = findings
        self.images = images
        self.on_unsafe = on_unsafe
        self.counter = counter if counter is not None else {}
        self.here: dict[str, int] = {}

    def clean(self, root: ET.Element) -> None:
        self._clean_children(root)
        self._place(root, phrasing=False)

    def _clean_children(self, parent: ET.Element) -> None:
        i = 0
        while i < len(parent):
            child = parent[i]
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag in REFUSED_ELEMENTS:
                self.findings.append(
                    Finding(
                        "unsafe-html",
                        f"<{child.tag}> is not allowed in a book; removed",
                        True,
                        needle=f"<{child.tag}",
                    )
                )
                _remove(parent, i)
                continue
            if tag not in ALLOWED_ELEMENTS:
                self.findings.append(
                    Finding(
                        "html-unsupported",
                        f"<{child.tag}> is not supported; its text is kept without the tag",
                        False,
                        needle=f"<{child.tag}",
                    )
                )
                self._clean_children(child)
                n = _unwrap(parent, i)
                i += n
                continue
            if tag != child.tag:
                child.tag = tag
            self._heading(child)
            self._clean_attributes(child)
            if tag == "img" and not self._image(child):
                _remove(parent, i)
                continue
            self._clean_children(child)
            i += 1

    def _clean_attributes(self, el: ET.Element) -> None:
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(el.tag, frozenset())
        for attr in list(el.attrib):
            name = attr.lower()
            value = el.attrib[attr]
            if name.startswith("on"):
                del el.attrib[attr]
                self.findings.append(
                    Finding(
                        "unsafe-html",
                        f"event handler attribute '{attr}' on <{el.tag}> is not allowed; removed",
                        True,
                        needle=f"{attr}=",
                    )
                )
            elif name == "style" and TABLE_ALIGN_STYLE.match(value):
                continue  # Markdown tables align columns this way
            elif name not in allowed:
                del el.attrib[attr]
                self.findings.append(
                    Finding(
                        "html-attribute",
                        f"attribute '{attr}' on <{el.tag}> is not supported; removed",
                        False,
                        needle=f"{attr}=",
                    )
                )
            elif name == "href":
                self._link(el, attr, value)
            elif name == "id":
                self._unique_id(el, attr, value)

    def _link(self, el: ET.Element, attr: str, value: str) -> None:
        scheme = _scheme_of(value)
        if scheme.startswith(SAFE_SCHEMES):
            return
        del el.attrib[attr]
        if self.on_unsafe:
            self.on_unsafe(value)
        hostile = scheme.startswith(HOSTILE_SCHEMES)
        self.findings.append(
            Finding(
                "unsafe-link",
                f"link target '{value[:80]}' "
                + (
                    "is not allowed in a book; removed"
                    if hostile
                    else "removed (only http, https and mailto links are kept)"
                ),
                hostile,
                needle=value,
            )
        )

    def _image(self, el: ET.Element) -> bool:
        src = el.get("src", "")
        if self.images is None:
            self.findings.append(
                Finding("image-unsupported", "images are not allowed here; removed", True, src)
            )
            return False
        target, finding = self.images(src)
        if finding is not None:
            self.findings.append(finding)
        if target is None:
            return False
        el.set("src", target)
        el.set("alt", el.get("alt", ""))
        return True

    def _heading(self, el: ET.Element) -> None:
        """A heading of a level the book has not: set at the nearest level it has."""
        level = HEADING_LEVELS.get(el.tag)
        if level is None:
            return
        why, tag = level
        text = (el.text or "").strip()
        self.findings.append(
            Finding(
                "heading-level",
                f"<{el.tag}> heading: {why}; it is set as {'#' * int(tag[1])}",
                False,
                needle=text[:20] or None,
            )
        )
        el.tag = tag

    def _place(self, parent: ET.Element, *, phrasing: bool) -> None:
        """Unwrap the elements HTML does not allow where they stand; their content is
        checked again where it lands."""
        i = 0
        while i < len(parent):
            child = parent[i]
            tag = child.tag
            required = REQUIRED_PARENTS.get(tag)
            if (phrasing and tag in BLOCKS) or (required and parent.tag not in required):
                where = f"inside <{parent.tag}>" if phrasing and tag in BLOCKS else "here"
                self.findings.append(
                    Finding(
                        "html-misplaced",
                        f"<{tag}> is not allowed {where}; its text is kept without the tag",
                        False,
                        needle=f"<{tag}",
                    )
                )
                _unwrap(parent, i)
                continue
            self._place(child, phrasing=tag in PHRASING_ONLY or (tag in TRANSPARENT and phrasing))
            i += 1

    def _unique_id(self, el: ET.Element, attr: str, value: str) -> None:
        key = f"id:{value}"
        here = self.here[key] = self.here.get(key, 0) + 1  # its places in this fragment
        if key not in self.counter:
            self.counter[key] = 1
            return
        del el.attrib[attr]
        self.findings.append(
            Finding(
                "html-duplicate-id",
                f"id '{value[:40]}' is already used in this article; removed from <{el.tag}>",
                False,
                needle=f'id="{value}"',
                occurrence=here,
            )
        )


def _remove(parent: ET.Element, index: int) -> None:
    child = parent[index]
    if child.tail:
        if index > 0:
            parent[index - 1].tail = (parent[index - 1].tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    del parent[index]


def _unwrap(parent: ET.Element, index: int) -> int:
    """Replace ``parent[index]`` by its content; returns how many children took its place."""
    child = parent[index]
    text, tail, kids = child.text or "", child.tail or "", list(child)
    if index > 0:
        parent[index - 1].tail = (parent[index - 1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    del parent[index]
    for offset, kid in enumerate(kids):
        parent.insert(index + offset, kid)
    if kids:
        kids[-1].tail = (kids[-1].tail or "") + tail
    elif index > 0:
        parent[index - 1].tail = (parent[index - 1].tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    return len(kids)
