"""Markdown → XHTML fragments: our inline markup, lists, raw HTML policy, links and images."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tougen_pub.ingest.mdext import Converter, Finding, Resolver, find_malformed_html


def resolver() -> Resolver:
    return Resolver(
        term_ids={
            "ブダペスト覚書": "budapest",
            "平和のためのパートナーシップ": "pfp",
            "PFP": "pfp",
        },
        source_numbers={"yeltsin": 1, "blowup": 2, "urn:x": 3},
        prefix="a01",
    )


def convert(text: str, images=None) -> tuple[ET.Element, list[Finding]]:  # type: ignore[no-untyped-def]
    conv = Converter(resolver(), images=images)
    html = conv.convert(text)
    return ET.fromstring(f"<div>{html}</div>"), conv.findings


def html_of(text: str) -> str:
    conv = Converter(resolver())
    out = conv.convert(text)
    ET.fromstring(f"<div>{out}</div>")
    return out


def test_group_and_per_character_ruby() -> None:
    root, findings = convert("{東京|とうきょう}と{漢字|かん|じ}")
    rubies = list(root.iter("ruby"))
    assert ET.tostring(rubies[0], encoding="unicode") == "<ruby>東京<rt>とうきょう</rt></ruby>と"
    assert ET.tostring(rubies[1], encoding="unicode") == "<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>"
    assert findings == []


def test_tcy() -> None:
    root, _ = convert("^12^月")
    span = root.find(".//span")
    assert span is not None and span.get("class") == "tcy" and span.text == "12"


def test_glossary_refs_resolve_aliases_and_get_unique_anchors() -> None:
    root, _ = convert("[[PFP]]と[[平和のためのパートナーシップ|協力]]と[[ブダペスト覚書]]")
    links = [(a.get("href"), a.get("id"), a.text) for a in root.iter("a")]
    assert links == [
        ("@glossary/pfp", "a01-g-pfp-1", "PFP"),
        ("@glossary/pfp", "a01-g-pfp-2", "協力"),
        ("@glossary/budapest", "a01-g-budapest-1", "ブダペスト覚書"),
    ]


def test_unknown_glossary_term_is_kept_as_text() -> None:
    root, _ = convert("[[ブダペスト覚え書]]")
    span = root.find(".//span")
    assert span is not None and span.get("class") == "glossary-unknown"
    assert span.text == "ブダペスト覚え書"


def test_citations() -> None:
    root, _ = convert("本文[@yeltsin; @blowup]と[@urn:x]と[@nope]")
    cites = root.findall(".//span[@class='citation']")
    assert "".join(cites[0].itertext()) == "［1、2］"
    assert [(a.get("href"), a.get("id")) for a in cites[0].iter("a")] == [
        ("@source/yeltsin", "a01-c-yeltsin-1"),
        ("@source/blowup", "a01-c-blowup-1"),
    ]
    # ids must be XML names even for ids with ':'
    assert cites[1].find("a").get("id") == "a01-c-urn_x-1"  # type: ignore[union-attr]
    assert cites[2].find("span").get("class") == "citation-unknown"  # type: ignore[union-attr]


def test_two_space_nested_lists() -> None:
    root, _ = convert("- 項目\n  - 入れ子\n    - 孫\n- 次")
    top = root.find("ul")
    assert top is not None
    items = top.findall("li")
    assert [i.text for i in items] == ["項目", "次"]
    child = items[0].find("ul/li")
    assert child is not None and child.text == "入れ子"
    grandchild = child.find("ul/li")
    assert grandchild is not None and grandchild.text == "孫"


def test_ordered_list_with_nested_bullets() -> None:
    root, _ = convert("1. 一つ目\n   - 詳細\n2. 二つ目")
    ol = root.find("ol")
    assert ol is not None
    assert [li.text for li in ol.findall("li")] == ["一つ目", "二つ目"]
    assert ol.find("li/ul/li").text == "詳細"  # type: ignore[union-attr]


def test_fenced_code_keeps_markup_literal() -> None:
    root, findings = convert("```\n<script>{漢字|かん}\n```")
    code = root.find("pre/code")
    assert code is not None and code.text == "<script>{漢字|かん}\n"
    assert findings == []


def test_entities_become_characters_or_are_escaped() -> None:
    out = html_of("A &copy; &nbsp;B &bogus; &amp; <")
    assert "©" in out and "\u00a0B" in out and "&amp;bogus;" in out and "&lt;" in out


def test_harmless_raw_html_is_kept() -> None:
    root, findings = convert('H<sub>2</sub>O x<sup>2</sup><br>y <span class="em">強調</span>')
    assert [el.tag for el in root.iter()][1:] == ["p", "sub", "sup", "br", "span"]
    assert root.find(".//span").get("class") == "em"  # type: ignore[union-attr]
    assert findings == []


@pytest.mark.parametrize(
    ("text", "code", "needle", "error"),
    [
        ("<script>alert(1)</script>", "unsafe-html", "<script", True),
        ('<iframe src="https://e.org"></iframe>', "unsafe-html", "<iframe", True),
        ("<style>p{}</style>", "unsafe-html", "<style", True),
        ('<svg><circle r="1"/></svg>', "unsafe-html", "<svg", True),
        ('<span onclick="x()">s</span>', "unsafe-html", "onclick=", True),
        ('<span onMouseOver="x()">s</span>', "unsafe-html", "onMouseOver=", True),
        ("[x](javascript:alert(1))", "unsafe-link", "javascript:alert(1)", True),
        ('<a href=" java\tscript:x">x</a>', "unsafe-link", None, True),
        ("[x](data:text/html,hi)", "unsafe-link", "data:text/html,hi", True),
        ("[x](../other.md)", "unsafe-link", "../other.md", False),
        ("<center>c</center>", "html-unsupported", "<center", False),
        ('<span style="color:red">c</span>', "html-attribute", "style=", False),
    ],
)
def test_unsafe_content_is_removed_and_reported(
    text: str, code: str, needle: str | None, error: bool
) -> None:
    root, findings = convert(text)
    assert [(f.code, f.error) for f in findings] == [(code, error)]
    if needle is not None:
        assert findings[0].needle == needle
    out = ET.tostring(root, encoding="unicode").lower()
    for bad in ("<script", "<iframe", "<style", "<svg", "onclick", "onmouseover", "javascript"):
        assert bad not in out
    assert "data:" not in out and "color:red" not in out


def test_safe_links_are_kept() -> None:
    root, findings = convert("[a](https://e.org/x) [b](mailto:a@e.org) [c](#top)")
    assert [a.get("href") for a in root.iter("a")] == ["https://e.org/x", "mailto:a@e.org", "#top"]
    assert findings == []


def test_table_alignment_style_is_allowed() -> None:
    root, findings = convert("| a | b |\n|:-:|--:|\n| 1 | 2 |")
    assert root.find(".//th").get("style") == "text-align: center;"  # type: ignore[union-attr]
    assert findings == []


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ("一\n二 <b>太字</i>", 2, 8, "</i> has no opening <i>"),
        ('<span class="x">開いたまま', 1, 1, "<span> is never closed"),
        ("<span class=x>値</span>", 1, 1, "must be quoted"),
        ('<span a="1" a="2">値</span>', 1, 1, "given twice"),
        ("<b><i>x</b></i>", 1, 8, "still open"),
        ("x<y and y>z", 1, 2, "has no value"),
    ],
)
def test_malformed_raw_html_is_located_and_shown_as_text(
    text: str, line: int, col: int, message: str
) -> None:
    problem = find_malformed_html(text)
    assert problem is not None
    assert problem[:2] == (line, col) and message in problem[2]
    root, findings = convert(text)
    assert [(f.code, f.line, f.column) for f in findings] == [("html-malformed", line, col)]
    assert "<" in "".join(root.itertext())  # the raw HTML is visible as text


def test_unclosed_comment_is_found() -> None:
    assert find_malformed_html("a\n<!-- note") == (2, 1, "HTML comment '<!--' is never closed")


def test_well_formed_html_has_no_problem() -> None:
    assert find_malformed_html('<span class="a">x<br>y<br/><img src="a.png"></span>') is None
    assert find_malformed_html("<https://e.org> と <a@b.jp> と `<b>`") is None


def test_images_without_policy_are_refused() -> None:
    root, findings = convert("![図](images/a.png)")
    assert root.find(".//img") is None
    assert [f.code for f in findings] == ["image-unsupported"]


def test_images_go_through_the_policy() -> None:
    seen: list[str] = []

    def policy(src: str) -> tuple[str | None, Finding | None]:
        seen.append(src)
        if src.startswith("http"):
            return None, Finding("image-remote", "no", True, needle=src)
        return "@image/images/" + src, None

    root, findings = convert('![図](a.png "題") <img src="http://x/b.png" alt="b" />', policy)
    imgs = root.findall(".//img")
    assert [(i.get("src"), i.get("alt")) for i in imgs] == [("@image/images/a.png", "図")]
    assert seen == ["a.png", "http://x/b.png"]
    assert [f.code for f in findings] == ["image-remote"]


def test_converter_is_reusable_and_resets_findings() -> None:
    conv = Converter(resolver())
    conv.convert("<script>x</script>")
    assert conv.findings
    assert conv.convert("普通の文") == "<p>普通の文</p>"
    assert conv.findings == []
