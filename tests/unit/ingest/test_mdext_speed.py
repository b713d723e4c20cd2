"""The shortcuts of the Markdown path give the same XHTML as the plain path: the inline
trigger filter, one converter reused across documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from tougen_pub.diagnostics import Diagnostics
from tougen_pub.ingest.frontmatter import split_article
from tougen_pub.ingest.mdext import Converter, Resolver, _triggers

REPO = Path(__file__).resolve().parents[3]
TRICKY = [
    "*強調*と**太字**、_下線_と__二重__、***三重***、a*b*c、2 * 3 * 4",
    "`code *not em*` と ``二重 ` バッククォート``、\\*エスケープ\\*、\\[\\[no\\]\\]",
    '[リンク](https://example.org/x "題") と ![画像](../images/none.png) と [参照][r]\n\n'
    "[r]: https://example.org/r",
    "<https://example.org/auto> と <user@example.org> と <sup>上</sup><br>改行",
    "行末の空白二つ  \n次の行、&amp; &copy; &#x3042; &unknown; & 単独",
    "{東京|とうきょう}と{漢字|かん|じ}、第^12^回、^!?^、[[ブダペスト覚書]]、[[PFP|略称]]",
    "[@yeltsin]、[@yeltsin; @blowup]、[@unknown]、[[未知の用語]]、[@ 空白]",
    "*{東京|とうきょう}を強調*、**[[ブダペスト覚書]]**、[リンク内の{東京|とうきょう}](https://e.org)",
    "| 表 | *強調* |\n|---|---|\n| `a` | [[PFP]] |",
    '- 項目 *一*\n  - 入れ子 **二**\n- `三`\n\n1. 番号\n2. <span class="x">span</span>',
    "```\n*コード* [[ブダペスト覚書]]\n```\n\n    indented *code*",
    "<div>未閉じ",
    "ただの日本語の段落。数字12と記号（）だけ。",
    "a_b_c と snake_case_name と __init__ と *",
]


def _resolver() -> Resolver:
    return Resolver(
        term_ids={"ブダペスト覚書": "budapest", "PFP": "pfp"},
        source_numbers={"yeltsin": 1, "blowup": 2},
        prefix="a01",
    )


def _bodies() -> list[str]:
    texts = list(TRICKY)
    for folder in (REPO / "manuscript" / "articles", REPO / "tests/fixtures/books/tiny/articles"):
        for path in sorted(folder.glob("*.md")):
            split = split_article(path.read_text("utf-8"), str(path), Diagnostics())
            if split is not None:
                texts.append(split.body)
    return texts


def test_trigger_filter_gives_the_same_html() -> None:
    fast = Converter(_resolver())
    plain = Converter(_resolver(), skip_inline=False)
    bodies = _bodies()
    assert len(bodies) > len(TRICKY)  # the shipped manuscript was read
    for text in bodies:
        fast.resolver.counter = {}
        plain.resolver.counter = {}
        assert fast.convert(text) == plain.convert(text), text[:80]
        assert fast.findings == plain.findings


def test_every_pattern_in_use_has_known_triggers() -> None:
    md = Converter(_resolver()).md
    unknown = [
        name
        for name in (p.name for p in md.inlinePatterns._priority)
        if _triggers(md.inlinePatterns[name]) is None
    ]
    assert unknown == []


def _tries(conv: Converter, text: str) -> list[str]:
    """Names of the inline patterns whose regex was run while converting ``text``."""
    tried: list[str] = []
    registry = conv.md.inlinePatterns
    for item in registry._priority:
        pattern = registry[item.name]
        original = pattern.getCompiledRegExp

        def spy(_orig=original, _name=item.name):  # type: ignore[no-untyped-def]
            tried.append(_name)
            return _orig()

        pattern.getCompiledRegExp = spy  # type: ignore[method-assign]
    conv.convert(text)
    return tried


def test_patterns_are_tried_only_when_their_trigger_is_present() -> None:
    assert _tries(Converter(_resolver()), "日本語だけの段落。") == []
    assert _tries(Converter(_resolver()), "{東京|とうきょう}") == ["tougen-ruby"]
    assert len(set(_tries(Converter(_resolver(), skip_inline=False), "日本語だけの段落。"))) > 10


@pytest.mark.parametrize("reuse", [True, False])
def test_one_converter_for_many_documents(reuse: bool) -> None:
    """Reusing the converter leaves nothing behind from the previous document."""
    shared = Converter(_resolver())
    outputs = []
    for text in TRICKY:
        conv = shared if reuse else Converter(_resolver())
        conv.resolver.counter = {}
        outputs.append((conv.convert(text), conv.findings))
    fresh = []
    for text in TRICKY:
        conv = Converter(_resolver())
        fresh.append((conv.convert(text), conv.findings))
    assert outputs == fresh


def test_fenced_code_is_converted_without_loading_pygments() -> None:
    """The converter loads fenced_code as an install without Pygments has it, and fenced
    code comes out as plain, escaped code either way."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tougen_pub.ingest.mdext import Converter, Resolver\n"
        "html = Converter(Resolver()).convert('```python\\nif a < b: *x*\\n```')\n"
        "print(html)\n"
        "print('pygments' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[-1] == "False"
    html = "\n".join(out[:-1])
    assert html == Converter(Resolver()).convert("```python\nif a < b: *x*\n```")
    assert '<code class="language-python">if a &lt; b: *x*' in html
