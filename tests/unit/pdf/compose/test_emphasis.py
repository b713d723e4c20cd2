"""傍点 for <em> in print: each Japanese character of an emphasis wrapped for its dot."""

from __future__ import annotations

from tougen_pub.pdf.compose.jlreq import is_cjk
from tougen_pub.pdf.compose.xhtml import Settings, compose_fragment, mark_emphasis, takes_dot
from tougen_pub.transforms.xhtml import parse, serialize


def marked(fragment: str) -> str:
    root = parse(fragment)
    mark_emphasis(root)
    return serialize(root)


def test_each_japanese_character_of_an_emphasis_gets_a_dot() -> None:
    assert marked("<p>これは<em>強調、ab</em>だ</p>") == (
        '<p>これは<em><span class="bt">強</span><span class="bt">調</span>、ab</em>だ</p>'
    )


def test_ruby_latin_punctuation_and_strong_take_none() -> None:
    out = marked("<p><em><ruby>漢<rt>かん</rt></ruby>「語」</em><strong>太</strong></p>")
    assert (
        out
        == '<p><em><ruby>漢<rt>かん</rt></ruby>「<span class="bt">語</span>」</em><strong>太</strong></p>'
    )
    assert [takes_dot(c) for c in "あッー々、。「」・！a1"] == [
        True, True, True, True, False, False, False, False, False, False, False, False,
    ]  # fmt: skip


def test_tate_chu_yoko_in_an_emphasis_is_dotted_as_one() -> None:
    out = marked('<p><em>第<span class="tcy">12</span>回</em></p>')
    assert out == (
        '<p><em><span class="bt">第</span><span class="bt"><span class="tcy">12</span></span>'
        '<span class="bt">回</span></em></p>'
    )


def test_composed_lines_keep_the_dots() -> None:
    s = Settings(advance=lambda c: 1.0 if is_cjk(c) else 0.5, measure=6.0, indent=1.0)
    out = compose_fragment("<p>ここで<em>大事な語句</em>を見る。</p>", s)
    assert out.count('<span class="bt">') == 5
    assert "".join(__import__("re").sub("<[^>]+>", "", out)) == "ここで大事な語句を見る。"
