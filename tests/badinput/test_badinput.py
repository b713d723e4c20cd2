"""The bad-input corpus: one small manuscript per fault, each run through the CLI.

Every case is the base manuscript below plus a few file edits. ``tougen-pub check`` (or, for
the faults found while building, ``tougen-pub build epub|pdf``) must give the expected code
at the expected place, in the ``path:line[:col]: level: msg [code]`` format, at the expected
level, with the expected exit status, no traceback, and no other error or warning than the
ones the case names. A build that fails writes nothing and keeps a previous output.

The faults of ``tougen-pub import`` are in test_badimport.py; test_codes.py checks that every
code README documents has a case here (and that every code the source emits is documented).
"""

from __future__ import annotations

import base64
import re
import struct
import traceback
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

BOOK = """\
name = "bad"
title = "壊れた本"
language = "ja"
identifier = "urn:uuid:0b7d2a36-1f0e-4b8e-9d51-6a1d2c3e4f50"
date = 2025-02-09

[[creators]]
name = "山田 太郎"
file_as = "やまだ たろう"
"""

GLOSSARY = """\
[[term]]
id = "budapest"
term = "ブダペスト覚書"
reading = "ぶだぺすとおぼえがき"
definition = "1994年の覚書。"

[[term]]
id = "pfp"
term = "平和のためのパートナーシップ"
aliases = ["PFP"]
definition = "NATOの協力プログラム。"
"""

SOURCES = """\
[[source]]
id = "yeltsin"
title = "NATO Expansion: What Yeltsin Heard"
url = "https://nsarchive.gwu.edu/briefing-book/yeltsin"
"""

FRONT = """\
+++
title = "はじまりの話"
date = 2025-02-09T15:13:00+09:00
sources = ["yeltsin"]
+++
"""  # the body starts at line 6

ALPHA_BODY = """
## 概要

「[[ブダペスト覚書]]」と{漢字|かん|じ}、^12^月。[@yeltsin]
"""

BETA = """\
+++
title = "つづきの話"
date = 2025-02-10
+++

## 概要

[[PFP]]は重要である。
"""

BASE: dict[str, str | bytes] = {
    "book.toml": BOOK,
    "glossary.toml": GLOSSARY,
    "sources.toml": SOURCES,
    "articles/01-alpha.md": FRONT + ALPHA_BODY,
    "articles/02-beta.md": BETA,
    "images/map.png": PNG_1PX,
}

A1 = "articles/01-alpha.md"
BODY_LINE = 7  # "## 概要" of 01-alpha is line 7; a body() text starts at line 9


def body(text: str) -> dict[str, str | bytes]:
    """Article 01 with ``text`` as the paragraph of its 概要 section (starting at line 9)."""
    return {A1: FRONT + "\n## 概要\n\n" + text + "\n"}


def front(meta: str, rest: str = "\n## 概要\n\n本文。\n") -> dict[str, str | bytes]:
    """Article 01 with its front matter replaced (``meta`` between the +++ lines)."""
    return {A1: "+++\n" + meta + "+++\n" + rest}


def book_plus(extra: str) -> dict[str, str | bytes]:
    """book.toml with extra top-level lines inserted before [[creators]] (line 6 onwards)."""
    return {"book.toml": BOOK.replace("\n[[creators]]", extra + "\n[[creators]]")}


@dataclass(frozen=True)
class Case:
    name: str
    edits: dict[str, str | bytes | None]
    code: str
    # the reported path, relative to the manuscript ("": the folder itself; None: no location)
    path: str | None
    line: int | None
    exit: int = 1
    column: int | None = None  # checked when given
    also: frozenset[str] = field(default_factory=frozenset)  # other codes that may appear
    setup: Callable[[Path], None] | None = None
    strict_exit: int | None = None  # exit status with --strict, checked when given
    kind: str = "check"  # "check", "build-epub" or "build-pdf": the command that reports it
    level: str | None = None  # default: error when the run fails, else warning
    patch: Callable[[pytest.MonkeyPatch], None] | None = None  # stands in for the machine

    @property
    def expected_level(self) -> str:
        return self.level or ("error" if self.exit else "warning")


def _symlink_outside(root: Path) -> None:
    outside = root.parent / "outside.png"
    outside.write_bytes(PNG_1PX)
    (root / "images" / "escape.png").symlink_to(outside)


def _symlink_article_outside(root: Path) -> None:
    outside = root.parent / "stolen.md"
    outside.write_text(FRONT + ALPHA_BODY, "utf-8")
    (root / "articles" / "03-stolen.md").symlink_to(outside)


def _symlink_glossary_outside(root: Path) -> None:
    outside = root.parent / "glossary.toml"
    outside.write_text(GLOSSARY, "utf-8")
    (root / "glossary.toml").unlink()
    (root / "glossary.toml").symlink_to(outside)


def _remove_articles(root: Path) -> None:
    for path in (root / "articles").iterdir():
        path.unlink()


def _remove_root(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if not path.is_dir() else path.rmdir()
    root.rmdir()


def _glossary_is_a_folder(root: Path) -> None:
    (root / "glossary.toml").unlink()
    (root / "glossary.toml").mkdir()


def _no_japanese_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without a Japanese font: fontconfig matches none (book.toml names none)."""
    from tougen_pub.assets import fonts

    monkeypatch.setattr(fonts, "fc_match", lambda pattern: None)


NOT_XML = "ＺＺＺ"


def _converter_output_not_xml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python-Markdown's output for a text holding NOT_XML is not XML, not even with the
    raw HTML escaped: the converter's last resort (no input is known to get there)."""
    from tougen_pub.ingest import mdext

    real = mdext.well_formed

    def well_formed(html: str) -> ET.Element:
        if NOT_XML in html:
            raise ET.ParseError("stub: not XML")
        return real(html)

    monkeypatch.setattr(mdext, "well_formed", well_formed)


BIG = "あ" * 100 + "\n"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


# A decompression bomb: the header says 30000×30000 (900 Mpx, over Pillow's limit), the file
# is a hundred bytes (one tiny IDAT; the header is all a loader needs to refuse it).
PNG_BOMB = (
    PNG_1PX[:8]
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\0"))
    + _png_chunk(b"IEND", b"")
)
# Billion laughs: entities that expand to a billion "lol"s (at line 3 the first declaration).
SVG_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    "<text>&lol9;</text></svg>\n"
)
BOMB_EDITS: dict[str, str | bytes] = {
    **body("![地図](../images/map.png)"),
    "images/map.png": PNG_BOMB,
}
LAUGHS_EDITS: dict[str, str | bytes] = {
    **body("![図](../images/fig.svg)"),
    "images/fig.svg": SVG_LAUGHS,
}
LOAD_STOPS = (BOMB_EDITS, LAUGHS_EDITS)


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n'
REMOTE_REF = '<image href="http://127.0.0.1:9/remote-map.png" width="1" height="1"/>\n'
PNG_BROKEN = PNG_1PX[:8] + b"\0" * 32  # a PNG signature, then no image


def svg_figure(line2: str) -> dict[str, str | bytes]:
    """Article 01 shows images/fig.svg (at line 9); ``line2`` is the SVG's second line."""
    return {**body("![図](../images/fig.svg)"), "images/fig.svg": SVG_OPEN + line2 + "</svg>\n"}


CASES = [
    # -- book.toml ------------------------------------------------------------------------
    Case("book-toml-missing", {"book.toml": None}, "book-missing", "book.toml", None),
    Case(
        "book-toml-syntax",
        {"book.toml": BOOK.replace('"壊れた本"', '"壊れた本')},
        "book-syntax",
        "book.toml",
        2,
    ),
    Case("book-unknown-key", book_plus('colour = "red"\n'), "book-unknown-key", "book.toml", 6),
    Case(
        "book-unknown-key-in-table",
        {"book.toml": BOOK + 'nmae = "x"\n'},
        "book-unknown-key",
        "book.toml",
        10,
    ),
    Case(
        "book-missing-identifier",
        {
            "book.toml": BOOK.replace(
                'identifier = "urn:uuid:0b7d2a36-1f0e-4b8e-9d51-6a1d2c3e4f50"\n', ""
            )
        },
        "book-missing-key",
        "book.toml",
        None,
    ),
    Case("book-bad-trim", book_plus('trim = "a4"\n'), "book-invalid", "book.toml", 6),
    # -- volumes (book.toml) --------------------------------------------------------------
    Case(
        "volume-unknown-article",
        book_plus('[[volumes]]\narticles = ["01-alpha", "02-beta", "03-gamma"]\n'),
        "volume-unknown-article",
        "book.toml",
        7,
    ),
    Case(
        "volume-overlap",
        book_plus('[[volumes]]\narticles = ["01-alpha"]\n[[volumes]]\nfrom = "01-alpha"\n'),
        "volume-overlap",
        "book.toml",
        8,
    ),
    Case(
        "volume-missing",
        book_plus('[[volumes]]\narticles = ["01-alpha"]\n'),
        "volume-missing",
        "book.toml",
        6,
    ),
    Case(
        "volume-range",
        book_plus('[[volumes]]\nfrom = "02-beta"\nto = "01-alpha"\n'),
        "volume-range",
        "book.toml",
        6,
    ),
    Case(
        "volume-bad-split",
        book_plus('[volumes]\nsplit = "weekly"\n'),
        "book-invalid",
        "book.toml",
        6,
    ),
    Case(
        "book-wrong-type", book_plus('[print]\nfont_size = "big"\n'), "book-invalid", "book.toml", 7
    ),
    Case(
        "book-bad-name",
        {"book.toml": BOOK.replace('name = "bad"', 'name = "悪い 名前"')},
        "book-invalid",
        "book.toml",
        1,
    ),
    Case(
        "book-bad-date",
        {"book.toml": BOOK.replace("date = 2025-02-09", 'date = "2025/02/09"')},
        "bad-date",
        "book.toml",
        5,
    ),
    Case(
        "book-date-number",
        {"book.toml": BOOK.replace("date = 2025-02-09", "date = 2025")},
        "bad-date",
        "book.toml",
        5,
    ),
    Case(
        "book-no-creators",
        {"book.toml": BOOK.split("\n[[creators]]")[0] + "\n"},
        "book-placeholder",
        "book.toml",
        None,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "book-articles-twice",
        book_plus('articles = ["01-alpha", "01-alpha"]\n'),
        "book-invalid",
        "book.toml",
        6,
    ),
    # -- order and numbering --------------------------------------------------------------
    Case(
        "order-missing-article",
        book_plus('articles = ["01-alpha", "02-beta", "03-gone"]\n'),
        "article-missing",
        "book.toml",
        6,
    ),
    Case(
        "order-not-numbering",
        book_plus('articles = ["02-beta", "01-alpha"]\n'),
        "article-order",
        "book.toml",
        6,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "order-unlisted",
        book_plus('articles = ["01-alpha"]\n'),
        "article-unlisted",
        "articles/02-beta.md",
        None,
        exit=0,
    ),
    Case(
        "number-clash",
        {"articles/01-gamma.md": BETA},
        "article-number-clash",
        "articles/01-gamma.md",
        None,
    ),
    Case(
        "duplicate-slug",
        {"articles/03-alpha.md": BETA},
        "article-duplicate-slug",
        "articles/03-alpha.md",
        None,
    ),
    Case(
        "numbering-gap",
        {"articles/02-beta.md": None, "articles/04-beta.md": BETA},
        "article-gap",
        "articles/04-beta.md",
        None,
        exit=0,
        strict_exit=1,
    ),
    Case("bad-file-name", {"articles/intro.md": BETA}, "article-name", "articles/intro.md", None),
    Case(
        "article-symlink-outside",
        {},
        "path-escape",
        "articles/03-stolen.md",
        None,
        setup=_symlink_article_outside,
    ),
    Case(
        "glossary-symlink-outside",
        {},
        "path-escape",
        "glossary.toml",
        None,
        setup=_symlink_glossary_outside,
    ),
    # -- front matter ---------------------------------------------------------------------
    Case("frontmatter-toml", front('title = "x\n'), "frontmatter-syntax", A1, 2),
    Case("frontmatter-none", {A1: "## 概要\n\n本文。\n"}, "frontmatter-missing", A1, 1),
    Case(
        "frontmatter-unclosed",
        {A1: '+++\ntitle = "x"\n\n本文。\n'},
        "frontmatter-unterminated",
        A1,
        1,
    ),
    Case("frontmatter-no-title", front("date = 2025-02-09\n"), "frontmatter-missing-key", A1, 1),
    Case("frontmatter-empty-title", front('title = ""\n'), "frontmatter-invalid", A1, 2),
    Case(
        "frontmatter-unknown-key",
        front('title = "x"\nautor = "y"\n'),
        "frontmatter-unknown-key",
        A1,
        3,
    ),
    Case("bad-date-toml", front('title = "x"\ndate = 2025-02-30\n'), "bad-date", A1, 3),
    Case("bad-date-text", front('title = "x"\ndate = "昨日"\n'), "bad-date", A1, 3),
    Case("bad-date-number", front('title = "x"\ndate = 2025\n'), "bad-date", A1, 3),
    Case(
        "see-also-unknown",
        front('title = "x"\n[[see_also]]\ntitle = "y"\narticle = "09-nope"\n'),
        "see-also-unknown",
        A1,
        3,
    ),
    Case(
        "see-also-external",
        front('title = "x"\n[[see_also]]\ntitle = "外の記事"\nurl = "https://example.org/a"\n'),
        "see-also-external",
        A1,
        3,
        exit=0,
        level="info",
        strict_exit=0,
    ),
    Case(
        "empty-article", front('title = "x"\n', ""), "article-empty", A1, 3, exit=0, strict_exit=1
    ),
    # -- references -----------------------------------------------------------------------
    Case("glossary-unknown", body("「[[ブダペスト覚え書]]」"), "glossary-unknown", A1, 9, column=2),
    Case("citation-unknown", body("本文[@nope]。"), "citation-unknown", A1, 9, column=5),
    Case(
        "citation-unknown-front",
        front('title = "x"\nsources = ["nope"]\n'),
        "citation-unknown",
        A1,
        3,
    ),
    Case("citation-malformed", body("本文[@a;b]。"), "citation-malformed", A1, 9, column=3),
    Case(
        "glossary-duplicate-id",
        {"glossary.toml": GLOSSARY.replace('id = "pfp"', 'id = "budapest"')},
        "glossary-duplicate-id",
        "glossary.toml",
        8,
    ),
    Case(
        "source-duplicate-id",
        {"sources.toml": SOURCES + "\n" + SOURCES.replace("/yeltsin", "/other")},
        "source-duplicate-id",
        "sources.toml",
        7,
    ),
    Case(
        "glossary-alias-clash",
        {
            "glossary.toml": GLOSSARY.replace(
                'aliases = ["PFP"]', 'aliases = ["PFP", "ブダペスト覚書"]'
            )
        },
        "glossary-duplicate-term",
        "glossary.toml",
        10,
    ),
    Case(
        "glossary-alias-width",
        {"glossary.toml": GLOSSARY + '\n[[term]]\nterm = "ＰＦＰ"\ndefinition = "全角。"\n'},
        "glossary-duplicate-term",
        "glossary.toml",
        14,
    ),
    Case(
        "glossary-toml",
        {"glossary.toml": GLOSSARY + "[[term]\n"},
        "toml-syntax",
        "glossary.toml",
        12,
    ),
    Case(
        "glossary-no-definition",
        {"glossary.toml": GLOSSARY + '\n[[term]]\nterm = "定義なし"\n'},
        "glossary-missing-key",
        "glossary.toml",
        13,
    ),
    Case(
        "glossary-unknown-key",
        {"glossary.toml": GLOSSARY.replace("reading = ", 'yomi = "x"\nreading = ')},
        "glossary-unknown-key",
        "glossary.toml",
        4,
    ),
    Case(
        "glossary-bad-id",
        {"glossary.toml": GLOSSARY.replace('id = "pfp"', 'id = "p f p"')},
        "glossary-invalid",
        "glossary.toml",
        8,
    ),
    Case(
        "glossary-alias-repeats-term",
        {
            "glossary.toml": GLOSSARY.replace(
                'aliases = ["PFP"]', 'aliases = ["PFP", "平和のためのパートナーシップ"]'
            )
        },
        "glossary-redundant-alias",
        "glossary.toml",
        10,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "source-no-title",
        {"sources.toml": SOURCES.replace('title = "NATO Expansion: What Yeltsin Heard"\n', "")},
        "sources-missing-key",
        "sources.toml",
        1,
    ),
    Case(
        "source-unknown-key",
        {"sources.toml": SOURCES + 'auther = "x"\n'},
        "sources-unknown-key",
        "sources.toml",
        5,
    ),
    Case(
        "source-duplicate-url",
        {"sources.toml": SOURCES + "\n" + SOURCES.replace('"yeltsin"', '"other"')},
        "source-duplicate-url",
        "sources.toml",
        9,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "source-bad-url",
        {"sources.toml": SOURCES.replace("https://", "ftp://")},
        "sources-invalid",
        "sources.toml",
        4,
    ),
    # -- inline markup --------------------------------------------------------------------
    Case(
        "ruby-unterminated", body("前置き{漢字|かんじ の後"), "ruby-unterminated", A1, 9, column=4
    ),
    Case("ruby-nested", body("{{漢|かん}字|じ}"), "ruby-nested", A1, 9, column=1),
    Case("ruby-mismatch", body("{漢字|か|ん|じ}"), "ruby-mismatch", A1, 9, column=1),
    Case("ruby-empty", body("{漢字|}"), "ruby-empty", A1, 9, column=1),
    Case("tcy-unterminated", body("今日は^12日"), "tcy-unterminated", A1, 9, column=4),
    Case("glossary-unterminated", body("[[PFP の話"), "glossary-unterminated", A1, 9, column=1),
    Case("tcy-long", body("今日は^12345^日"), "tcy-long", A1, 9, column=4, exit=0, strict_exit=1),
    # -- raw HTML and links ---------------------------------------------------------------
    Case("html-crossed", body("一\n\n二 <b>太字</i> 三"), "html-malformed", A1, 11, column=8),
    Case("html-unclosed", body('<span class="x">開いたまま'), "html-malformed", A1, 9, column=1),
    Case("html-unquoted", body("<span class=x>値</span>"), "html-malformed", A1, 9, column=1),
    Case(
        "html-script",
        body("前\n\n<script>alert(1)</script>\n\n後"),
        "unsafe-html",
        A1,
        11,
        column=1,
    ),
    Case(
        "html-iframe",
        body('<iframe src="https://example.org/"></iframe>'),
        "unsafe-html",
        A1,
        9,
        column=1,
        also=frozenset({"article-empty"}),
    ),
    Case(
        "html-onclick", body('<span onclick="steal()">押す</span>'), "unsafe-html", A1, 9, column=7
    ),
    Case("link-javascript", body("[押す](javascript:alert(1))"), "unsafe-link", A1, 9, column=6),
    Case(
        "link-javascript-html", body('<a href="JavaScript:alert(1)">押す</a>'), "unsafe-link", A1, 9
    ),
    Case(
        "link-relative",
        body("[前の記事](../02-beta.md)"),
        "unsafe-link",
        A1,
        9,
        exit=0,
        strict_exit=1,
    ),
    Case("html-unknown-element", body("<center>中央</center>"), "html-unsupported", A1, 9, exit=0),
    Case(
        "html-unknown-attribute",
        body('<span data-x="1">値</span>'),
        "html-attribute",
        A1,
        9,
        column=7,
        exit=0,
        strict_exit=1,
    ),
    # well-formed HTML that the books cannot show as written: made representable, located
    Case("html-li-outside-list", body("<li>項目</li>"), "html-misplaced", A1, 9, column=1, exit=0),
    Case(
        "html-block-in-paragraph",
        body("文の中の<div>塊</div>である。"),
        "html-misplaced",
        A1,
        9,
        column=5,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "html-duplicate-id",
        body('<span id="x">一</span>と<span id="x">二</span>'),
        "html-duplicate-id",
        A1,
        9,
        column=29,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "html-duplicate-id-across-articles",
        {
            **body('<span id="x">一</span>'),
            "articles/02-beta.md": BETA + '\n<span id="x">二</span>\n',
        },
        "html-duplicate-id",
        "articles/02-beta.md",
        10,
        column=7,
        exit=0,
        strict_exit=1,
    ),
    Case("heading-setext", body("見出し\n------\n\n本文。"), "heading-level", A1, 9, exit=0),
    Case("heading-h1", body("# 大見出し\n\n本文。"), "heading-level", A1, 9, column=3, exit=0),
    Case("heading-h5", body("##### 小見出し\n\n本文。"), "heading-level", A1, 9, column=7, exit=0),
    # -- images ---------------------------------------------------------------------------
    Case("image-missing", body("![地図](../images/nothere.png)"), "image-missing", A1, 9, column=7),
    Case(
        "image-remote", body("![地図](http://127.0.0.1:9/map.png)"), "image-remote", A1, 9, column=7
    ),
    Case(
        "image-remote-html",
        body('<img src="https://example.org/x.png" alt="x" />'),
        "image-remote",
        A1,
        9,
    ),
    Case("image-absolute", body("![地図](/etc/passwd)"), "image-absolute", A1, 9),
    Case("image-file-url", body("![地図](file:///etc/hosts)"), "image-absolute", A1, 9),
    Case("image-outside", body("![地図](../../../../etc/hostname)"), "image-outside", A1, 9),
    Case(
        "image-symlink-outside",
        body("![地図](../images/escape.png)"),
        "image-outside",
        A1,
        9,
        setup=_symlink_outside,
    ),
    Case(
        "image-not-image",
        {**body("![文書](../images/doc.txt)"), "images/doc.txt": "x"},
        "image-type",
        A1,
        9,
    ),
    # -- bytes ----------------------------------------------------------------------------
    Case(
        "not-utf8",
        {A1: (FRONT + "\n## 概要\n\n").encode() + "本文です。\n".encode("shift_jis")},
        "encoding",
        A1,
        9,
        column=1,
    ),
    Case("control-char", body("ベル\x07の音"), "control-char", A1, 9, column=3),
    Case(
        "bidi-override",
        body("見た目と\u202e順序\u202cが違う"),
        "invisible-char",
        A1,
        9,
        column=5,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "zero-width-space",
        body("検索\u200bできない"),
        "invisible-char",
        A1,
        9,
        column=3,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "nul-in-glossary",
        {"glossary.toml": GLOSSARY.replace("1994年", "1994\x00年")},
        "control-char",
        "glossary.toml",
        5,
    ),
    Case(
        "glossary-is-a-folder",
        {},
        "file-unreadable",
        "glossary.toml",
        None,
        setup=_glossary_is_a_folder,
    ),
    Case(
        "image-without-alt",
        body("地図: ![](../images/map.png)"),
        "image-alt-missing",
        A1,
        9,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "glyph-missing",
        body("線文字B 𐀀 です"),
        "glyph-missing",
        A1,
        9,
        column=6,
        exit=0,
        strict_exit=1,
    ),
    Case(
        "article-10mb",
        {A1: FRONT + "\n## 概要\n\n" + BIG * (10 * 1024 * 1024 // len(BIG.encode()) + 1)},
        "article-too-large",
        A1,
        None,
    ),
    # -- the folder -----------------------------------------------------------------------
    Case("empty-manuscript", {}, "manuscript-empty", "articles", None, setup=_remove_articles),
    Case("no-manuscript", {}, "manuscript-missing", "", None, setup=_remove_root),
    # -- the machine (stubbed) ------------------------------------------------------------
    Case(
        "no-japanese-font",
        {},
        "glyph-check-skipped",
        None,
        None,
        exit=0,
        level="info",
        strict_exit=0,
        patch=_no_japanese_font,
    ),
    Case(
        "markdown-not-xml",
        body(f"壊れる{NOT_XML}文"),
        "markdown-failed",
        A1,
        BODY_LINE + 1,  # the section's text, from the blank line after its heading
        also=frozenset({"html-malformed"}),
        patch=_converter_output_not_xml,
    ),
    Case(
        "font-path-missing-check",
        {"book.toml": BOOK + '\n[fonts]\nmincho = "fonts/nothere.ttf"\n'},
        "font-missing",
        "book.toml",
        12,
    ),
    Case(
        "font-not-japanese-check",
        {"book.toml": BOOK + '\n[fonts]\ngothic = "images/map.png"\n'},
        "font-invalid",
        "book.toml",
        12,
    ),
    Case(
        "table-cells",
        body("| 駅 | 時刻 |\n|---|---|\n| {野辺山|のべやま} | 6:40 |\n| 清里 | 7:02 | 余り |"),
        "table-cells",
        A1,
        12,
        column=1,
    ),
    # -- footnotes and nesting (tests/unit/ingest/test_footnotes.py) ----------------------
    Case("note-undefined", body("本文[^1]。"), "note-undefined", A1, 9, column=3),
    Case(
        "note-duplicate",
        body("本文[^1]。\n\n[^1]: 注。\n\n[^1]: 別の注。"),
        "note-duplicate",
        A1,
        13,
        column=1,
    ),
    Case(
        "note-unused",
        body("本文。\n\n[^x]: 使われない注。"),
        "note-unused",
        A1,
        11,
        column=1,
        exit=0,
        strict_exit=1,
    ),
    Case("note-unterminated", body("本文[^note の話"), "note-unterminated", A1, 9, column=3),
    Case("nesting-quotes", body("> " * 400 + "深い"), "nesting-too-deep", A1, 9, column=41),
    Case(
        "nesting-lists",
        body("\n".join("  " * k + "- 項目" for k in range(400))),
        "nesting-too-deep",
        A1,
        29,
        column=41,
    ),
    Case("nesting-html", body("<span>" * 400 + "深い"), "nesting-too-deep", A1, 9, column=121),
    # images are decoded when the manuscript loads: check refuses what the builders would
    Case(
        "png-undecodable",
        {**body("![地図](../images/map.png)"), "images/map.png": PNG_BROKEN},
        "image-invalid",
        A1,
        9,
        column=17,  # where the file name is written
    ),
    Case(
        "svg-remote-reference",
        svg_figure(REMOTE_REF),
        "svg-external",
        "images/fig.svg",
        2,
        column=14,
    ),
    Case(
        "svg-script",
        svg_figure("<script>alert(1)</script>\n"),
        "svg-unsafe",
        "images/fig.svg",
        2,
        column=1,
    ),
    Case("svg-not-xml", svg_figure("<rect>\n"), "svg-invalid", "images/fig.svg", 3),
    Case("png-bomb", BOMB_EDITS, "image-invalid", A1, 9, column=17),
    Case("svg-billion-laughs", LAUGHS_EDITS, "svg-unsafe", "images/fig.svg", 3, column=1),
]

FINE = [
    Case(
        "bom-crlf",
        {A1: b"\xef\xbb\xbf" + (FRONT + ALPHA_BODY).replace("\n", "\r\n").encode()},
        "",
        A1,
        None,
        exit=0,
    ),
    Case("two-space-lists", body("- 項目\n  - 入れ子\n    - 孫"), "", A1, None, exit=0),
    Case("harmless-html", body("H<sub>2</sub>O と x<sup>2</sup><br>改行"), "", A1, None, exit=0),
    Case(
        "local-image",
        body("![地図](../images/map.png) と ![同じ](images/map.png)"),
        "",
        A1,
        None,
        exit=0,
    ),
    Case(
        "code-is-not-markup",
        body("`[[未知]]` と\n\n```\n<script>{漢字|\n```"),
        "",
        A1,
        None,
        exit=0,
    ),
    Case(
        "html-where-it-belongs",
        body(
            "### 小見出し\n\n#### その下\n\n<dl><dt>語</dt><dd>意味</dd></dl>\n\n"
            "<table><caption>表</caption><tr><td>セル</td></tr></table>\n\n"
            '<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp></ruby>と<a href="#x">'
            '<span id="x">印</span></a>\n\n<!-- 覚え書き -->'
        ),
        "",
        A1,
        None,
        exit=0,
    ),
]


# Found while building: images are read and decoded, fonts resolved, the PDF laid out.
def _red_square(root: Path) -> None:
    """images/red.png: a colour image (the book's [print] colour is the default, gray)."""
    from PIL import Image

    Image.new("RGB", (16, 16), (220, 20, 20)).save(root / "images" / "red.png")


BUILD = [
    # -- build epub -----------------------------------------------------------------------
    Case(
        "font-path-missing",
        {"book.toml": BOOK + '\n[fonts]\nmincho = "fonts/nothere.ttf"\n'},
        "font-missing",
        "book.toml",
        12,
        kind="build-epub",
    ),
    Case(
        "font-not-japanese",
        {"book.toml": BOOK + '\n[fonts]\ngothic = "images/map.png"\n'},
        "font-invalid",
        "book.toml",
        12,
        kind="build-epub",
    ),
    Case(
        "cover-glyph-missing",
        {"book.toml": BOOK.replace('"壊れた本"', '"壊れた本𐀀"')},
        "cover-glyph-missing",
        "book.toml",
        None,
        exit=0,
        strict_exit=1,
        kind="build-epub",
    ),
    # -- build pdf (a couple of seconds each: keep them few) ------------------------------
    Case(
        "pdf-colour-image",
        body("![赤い四角](../images/red.png)"),
        "image-colour",
        A1,
        9,
        column=12,  # where the image's path is written
        exit=0,
        strict_exit=1,
        setup=_red_square,
        kind="build-pdf",
    ),
    # stopped when the manuscript loads, before any layout (quick)
    Case("pdf-png-bomb", BOMB_EDITS, "image-invalid", A1, 9, column=17, kind="build-pdf"),
    Case(
        "pdf-svg-billion-laughs",
        LAUGHS_EDITS,
        "svg-unsafe",
        "images/fig.svg",
        3,
        column=1,
        kind="build-pdf",
    ),
    Case(
        "pdf-anchor-twice",  # the id the article's own heading has in the printed book
        body('<span id="a01-alpha">一</span>'),
        "pdf-layout",
        "book.toml",
        None,
        exit=0,
        kind="build-pdf",
    ),
]

DIAG = re.compile(
    r"^(?:(?P<path>.*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: )?(?P<level>error|warning|info): "
    r"(?P<msg>.+) \[(?P<code>[a-z0-9]+(?:-[a-z0-9]+)*)\]$"
)


def make(tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "m"
    for rel, content in {**BASE, **case.edits}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            continue
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    if case.setup:
        case.setup(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            "".join(traceback.format_exception(result.exception))
        )  # an exception escaped the CLI: that is the bug this corpus looks for
    return result.exit_code, result.output


def parse(output: str) -> list[re.Match[str]]:
    diags = []
    for line in output.splitlines():
        if re.search(r"(^|: )(error|warning|info): ", line):
            m = DIAG.match(line)
            assert m, f"diagnostic not in path:line:col: level: message [code] form: {line!r}"
            diags.append(m)
    return diags


def assert_reported(out: str, case: Case, root: Path) -> None:
    """The case's code at its place and level, and no other error or warning."""
    assert "Traceback" not in out
    diags = parse(out)
    hits = [d for d in diags if d["code"] == case.code]
    assert hits, f"expected [{case.code}] in:\n{out}"
    hit = hits[0]
    if case.path is None:
        assert hit["path"] is None, f"expected no location:\n{out}"
    else:
        assert hit["path"] == str(root / case.path if case.path else root), out
    assert (int(hit["line"]) if hit["line"] else None) == case.line, out
    if case.column is not None:
        assert hit["col"] is not None and int(hit["col"]) == case.column, out
    assert hit["level"] == case.expected_level, out
    unexpected = {
        d["code"]
        for d in diags
        if d["level"] != "info" and d["code"] not in {case.code, *case.also}
    }
    assert not unexpected, f"one fault, but also {unexpected}:\n{out}"


def test_base_manuscript_is_clean(tmp_path: Path) -> None:
    code, out = run("check", "--strict", "-m", str(make(tmp_path, FINE[0])))
    assert code == 0, out
    assert not [d for d in parse(out) if d["level"] != "info"], out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(tmp_path: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    assert case.kind == "check"
    if case.patch:
        case.patch(monkeypatch)
    root = make(tmp_path, case)
    code, out = run("check", "-m", str(root))
    assert_reported(out, case, root)
    assert code == case.exit, out
    if case.strict_exit is not None:
        assert run("check", "--strict", "-m", str(root))[0] == case.strict_exit


@pytest.mark.parametrize("case", FINE, ids=lambda c: c.name)
def test_fine_input(tmp_path: Path, case: Case) -> None:
    code, out = run("check", "--strict", "-m", str(make(tmp_path, case)))
    assert code == 0, out
    assert "Traceback" not in out
    assert not [d for d in parse(out) if d["level"] != "info"], out


# format, output file name (book.toml name = "bad"), first bytes of the real thing
OUTPUTS = {
    "build-epub": ("epub", "bad.epub", b"PK"),
    "build-pdf": ("pdf", "bad-vertical.pdf", b"%PDF"),
}
PREVIOUS = b"previous book"


def assert_kept(target: Path, data: bytes, stamp: int) -> None:
    """``target`` is as it was, and nothing else was written next to it (the build cache
    aside): no new output, no temporary file left behind."""
    assert target.read_bytes() == data and target.stat().st_mtime_ns == stamp
    # the page plan beside a PDF comes from the build that wrote the PDF
    beside = {".cache", target.stem + ".plan.txt"}
    assert {p.name for p in target.parent.iterdir()} - beside == {target.name}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.kind == "build-pdf" else [])
        for c in BUILD
    ],
)
def test_bad_build(tmp_path: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.patch:
        case.patch(monkeypatch)
    fmt, name, magic = OUTPUTS[case.kind]
    root = make(tmp_path, case)
    out_dir = tmp_path / "build"
    out_dir.mkdir()
    target = out_dir / name
    target.write_bytes(PREVIOUS)
    stamp = target.stat().st_mtime_ns
    args = ["build", fmt, "-m", str(root), "--out", str(out_dir)]
    code, out = run(*args)
    assert_reported(out, case, root)
    assert code == case.exit, out
    if case.exit:
        assert_kept(target, PREVIOUS, stamp)
        return
    written = target.read_bytes()
    assert written.startswith(magic), out
    if case.strict_exit is not None:
        stamp = target.stat().st_mtime_ns
        code, out = run(*args, "--strict")
        assert code == case.strict_exit, out
        assert "Traceback" not in out and f"[{case.code}]" in out, out
        if case.strict_exit:
            assert_kept(target, written, stamp)


# Check cases whose errors must also stop `tougen-pub build epub` before anything is written.
STOP_THE_BUILD = [
    "book-unknown-key",
    "bad-date-toml",
    "glossary-unknown",
    "html-script",
    "image-remote",
    "not-utf8",
    "png-bomb",
    "svg-billion-laughs",
]


@pytest.mark.parametrize("name", STOP_THE_BUILD)
def test_failed_build_writes_nothing(tmp_path: Path, name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    root = make(tmp_path, case)
    out_dir = tmp_path / "build"
    out_dir.mkdir()
    previous = out_dir / "bad.epub"
    previous.write_bytes(PREVIOUS)
    stamp = previous.stat().st_mtime_ns
    code, out = run("build", "epub", "-m", str(root), "--out", str(out_dir))
    assert code == 1, out
    assert "Traceback" not in out
    assert f"[{case.code}]" in out
    assert previous.read_bytes() == PREVIOUS and previous.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in out_dir.iterdir()) == ["bad.epub"]


def test_corpus_size() -> None:
    assert len(CASES) >= 35
    assert {c.kind for c in CASES} == {"check"}
    assert {c.kind for c in BUILD} == {"build-epub", "build-pdf"}
    # each layout takes a couple of seconds (the image cases stop at load, before layout)
    assert sum(c.kind == "build-pdf" and c.edits not in LOAD_STOPS for c in BUILD) <= 3
    names = [c.name for c in CASES + FINE + BUILD]
    assert len(set(names)) == len(names)
