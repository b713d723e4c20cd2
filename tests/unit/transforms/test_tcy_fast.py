"""Automatic tate-chu-yoko on the serialized text gives what the tree walk gives."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

import pytest

from tougen_pub.devtools.synth import synth_manuscript
from tougen_pub.ingest.loader import load_book
from tougen_pub.transforms.tcy import AUTO_TCY, TCY_CLASS, auto_tcy
from tougen_pub.transforms.xhtml import map_text, regex_mapper, sub_text

REPO = Path(__file__).resolve().parents[3]


def _reference(fragment: str) -> str:
    """The tree walk: parse, wrap matches in every text run, serialize."""

    def skip(el: ET.Element) -> bool:
        return (
            TCY_CLASS in (el.get("class") or "").split()
            or el.tag == "a"
            and (el.get("href") or "").startswith(("http:", "https:"))
        )

    def span(m: re.Match[str]) -> ET.Element:
        el = ET.Element("span", {"class": TCY_CLASS})
        el.text = m.group(0)
        return el

    return map_text(fragment, regex_mapper(AUTO_TCY, span), skip=skip)


TRICKY = [
    "<p>2月9日、12人!?</p>",
    "<p>a &amp; 12 &lt;3&gt; 4&amp;5 &#34;7&#34; &#x3042;8</p>",
    escape("引用 \"12\" と '3' の <4> & 5", quote=True),
    '<p><a class="glossary-ref" href="@glossary/x" id="a01-g-x-1">12条</a>'
    "<a href=\"https://e.org/12\">34</a><a href='http://x'>5</a></p>",
    '<p><span class="x tcy">12</span>と<span class="tcy y">3</span>と<span class="xtcy">4</span></p>',
    "<ul><li>1<ul><li>2<code>3</code>4</li></ul>5</li></ul><pre><code>67\n89</code></pre>10",
    '<p><ruby>十<rt>12</rt></ruby>3<img src="a.png" alt="1" />4<br />5</p>',
    '<p title="a > 12">6</p>',
    "<table><tr><td>1.5</td><td>1,700</td><td>100%</td><td>NATO 12</td><td>v2</td></tr></table>",
    "ただの文",
    "",
]


@pytest.fixture(scope="module")
def book_fragments(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    roots = [REPO / "manuscript", REPO / "tests/fixtures/books/tiny"]
    roots.append(synth_manuscript(tmp_path_factory.mktemp("synth") / "m", 12))
    out: list[str] = []
    for root in roots:
        book, _diags = load_book(root)
        assert book is not None
        for art in book.articles:
            out.append(art.intro_html)
            out += [s.html for s in art.sections]
            out += [escape(s.title) for s in art.sections] + [escape(art.title)]
        out += [e.definition_html for e in book.glossary]
    return out


def _canonical(fragment: str) -> str:
    return ET.canonicalize(f"<div>{fragment}</div>")


@pytest.mark.parametrize("fragment", TRICKY)
def test_same_as_tree_walk(fragment: str) -> None:
    """Same tree; tags the input wrote differently from ElementTree (single quotes, a raw
    '>' in an attribute) are kept as written."""
    assert _canonical(auto_tcy(fragment)) == _canonical(_reference(fragment))


def test_same_as_tree_walk_on_books(book_fragments: list[str]) -> None:
    assert len(book_fragments) > 50
    changed = 0
    for fragment in book_fragments:
        expected = _reference(fragment)
        assert auto_tcy(fragment) == expected, fragment[:120]
        changed += expected != fragment
    assert changed > 10  # the books do have numbers to set upright


def test_comments_fall_back_to_the_tree() -> None:
    src = "<p>1<!-- 2 -->3</p>"
    assert auto_tcy(src) == _reference(src)


def test_sub_text_leaves_protected_and_skipped_elements() -> None:
    digit = re.compile("[0-9]")
    out = sub_text(
        "<p>1<code>2</code><b>3</b><i>4<u>5</u></i>6</p>",
        digit,
        lambda m: f"<x>{m.group(0)}</x>",
        skip=lambda tag, attrs: tag == "i",
    )
    assert out == "<p><x>1</x><code>2</code><b><x>3</x></b><i>4<u>5</u></i><x>6</x></p>"
