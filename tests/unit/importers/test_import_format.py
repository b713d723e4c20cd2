"""The importer's pieces: export parsing, Markdown writing, and hostile input."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tougen_pub.diagnostics import Diagnostics, TougenError
from tougen_pub.importers import export as export_mod
from tougen_pub.importers.blog import SLUG_CHARS, _split_term_header, run_import
from tougen_pub.importers.export import Line, parse_export, read_export
from tougen_pub.importers.mdwriter import BULLET, NUMBERED, Linker, inline, render_lines
from tougen_pub.ingest.loader import load_book, plain_text
from tougen_pub.ingest.mdext import Converter, Resolver
from tougen_pub.ja import kana_reading, romaji_slug

HEAD = "【桃源閑話】記事2025年03月01日 09:30\nAinovaで作成\n"
TAIL = "【引用・参照・底本】\nTitle\nhttps://example.org/t\n"


def lines(*texts: str) -> list[Line]:
    return [Line(i, 2, t) for i, t in enumerate(texts, 1)]


def parse(text: str) -> tuple[list[export_mod.Post], Diagnostics]:
    diags = Diagnostics()
    return parse_export(read_export(text.encode("utf-8"), "x.txt", diags), "x.txt", diags), diags


def fatal(data: bytes) -> list[str]:
    diags = Diagnostics()
    with pytest.raises(TougenError) as err:
        parse_export(read_export(data, "x.txt", diags), "x.txt", diags)
    return [d.format() for d in err.value.diagnostics]


# -- Markdown writing ---------------------------------------------------------------------
def test_numbered_items_separated_by_text_are_headings():
    md = render_lines(lines("1. 始まり", "本文。", "2. 続き", "本文。"))
    assert md == "### 1. 始まり\n\n本文。\n\n### 2. 続き\n\n本文。"


def test_numbered_items_with_only_bullets_are_an_ordered_list():
    md = render_lines(lines("1.一つ目", "・詳細", "2.二つ目", "・・深すぎる", "後の段落"))
    assert md == "1. 一つ目\n    - 詳細\n2. 二つ目\n    - 深すぎる\n\n後の段落"


def test_nested_runs_of_another_marker_style():
    md = render_lines(
        lines(
            "1. 概要", "・点", "2. 内容", "説明。", "1.甲", "・a", "2.乙", "・b", "3. 結論", "文。"
        )
    )
    assert "### 2. 内容\n\n説明。\n\n1. 甲\n    - a\n2. 乙\n    - b\n\n### 3. 結論" in md
    assert md.startswith("### 1. 概要\n\n- 点")


def test_circled_numbers_as_sub_headings_below_numbered_ones():
    md = render_lines(lines("1. 経緯", "① 発端", "文。", "② 展開", "文。", "2. 結論", "文。"))
    assert "### 1. 経緯\n\n#### ① 発端\n\n文。\n\n#### ② 展開" in md
    assert "### 2. 結論" in md


def test_glossary_definitions_use_bold_instead_of_headings():
    md = render_lines(lines("1. 概要", "文。", "2. 結論", "文。"), headings=False)
    assert md == "**1. 概要**\n\n文。\n\n**2. 結論**\n\n文。"


def test_short_word_lines_before_text_are_sub_headings():
    md = render_lines(lines("まとめ", "本文である。", "日付:1993年11月1日", "これは文。"))
    assert md.startswith("### まとめ\n\n本文である。\n\n日付:1993年11月1日")


def test_linker_links_each_entry_once_and_whole_latin_words_only():
    linker = Linker({"PFP": "pfp", "平和のためのパートナーシップ": "pfp", "NATO": "nato"})
    assert (
        inline("NATOsとPFP(平和のためのパートナーシップ)", linker)
        == "NATOsと[[PFP]](平和のためのパートナーシップ)"
    )
    assert inline("NATOとPFP", linker) == "[[NATO]]とPFP"


def test_line_starts_that_would_be_markdown_blocks_are_escaped():
    assert inline("2014. 年") == "2014\\. 年"
    assert inline("- 横線") == "\\- 横線"
    assert inline("> 引用") == "\\> 引用"
    assert inline("# 見出し") == "\\# 見出し"


TEXT = st.text(
    alphabet=st.sampled_from(list("ab 1.-+>#*_`\\{}[]|@^<>&;/!()（）「」・①漢字かなカナ\u3000")),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_any_paragraph_text_survives_as_text(text):
    """Whatever a paragraph says, the loader shows exactly that text (no markup, no loss)."""
    text = text.strip(" \u3000")
    if not text or BULLET.match(text) or any(p.match(text) for _, p in NUMBERED):
        return  # list items and numbered items, tested above
    md = render_lines([Line(1, 1, text)])
    html = Converter(Resolver()).convert(md)
    assert plain_text(html).strip() == text.strip()


# -- parsing --------------------------------------------------------------------------------
def test_header_fields_and_blocks():
    posts, diags = parse(HEAD + "【桃源閑話】記事\n【独自の見出し】\n 本文\n" + TAIL)
    (post,) = posts
    assert (post.series, post.title, post.date.isoformat()) == (
        "桃源閑話",
        "記事",
        "2025-03-01T09:30:00+09:00",
    )
    assert post.image_credit == "Ainovaで作成"
    assert [(b.name, [x.text for x in b.lines]) for b in post.blocks] == [
        ("独自の見出し", ["本文"])
    ]
    assert post.sources[0].url == "https://example.org/t" and not diags.items


def test_posts_of_the_series_in_the_sources_block_are_see_also():
    text = (
        HEAD + "【概要】\n本文\n【引用・参照・底本】\n【桃源閑話】別の記事\nhttps://b.example/1\n"
    )
    (post,), _ = parse(text)
    assert post.sources == []
    assert [(s.title, s.url) for s in post.see_also] == [("別の記事", "https://b.example/1")]


@pytest.mark.parametrize(
    ("line", "title", "publisher"),
    [
        (
            "NATO Expansion – The Budapest Blow Up 1994 NATIONAL SECURITY ARCHIVE",
            "NATO Expansion – The Budapest Blow Up 1994",
            "NATIONAL SECURITY ARCHIVE",
        ),
        ("Report on NATO", "Report on NATO", None),
        ("ALL CAPS TITLE ONLY", "ALL CAPS TITLE ONLY", None),
    ],
)
def test_publisher_glued_to_a_source_title(line, title, publisher):
    (post,), _ = parse(
        HEAD + "【概要】\n本文\n【引用・参照・底本】\n" + line + "\nhttps://x.example/a\n"
    )
    assert (post.sources[0].title, post.sources[0].publisher) == (title, publisher)


def test_bad_date_is_located_at_the_date():
    (msg,) = fatal("【桃源閑話】題名2025年13月01日 09:30\n【概要】\n本文\n".encode())
    assert msg.startswith("x.txt:1:9: error: invalid date") and msg.endswith("[import-bad-date]")


def test_truncated_in_the_middle_of_a_character():
    data = (HEAD + "【概要】\n本文").encode()[:-1]
    (msg,) = fatal(data)
    assert msg.startswith("x.txt:4:2: error:") and "[import-truncated]" in msg


def test_utf16_and_too_large(monkeypatch):
    assert "[import-encoding]" in fatal("【".encode("utf-16"))[0]
    monkeypatch.setattr(export_mod, "MAX_EXPORT_BYTES", 10)
    assert "[import-too-large]" in fatal(b"x" * 11)[0]


def test_control_characters_and_preamble_are_warnings():
    posts, diags = parse("前置き\n" + HEAD + "【概要】\n本\x1b文\n" + TAIL)
    assert [b.lines[0].text for b in posts[0].blocks] == ["本文"]
    assert [(d.code, d.location.line) for d in diags] == [
        ("import-control-char", 5),
        ("import-preamble", 1),
    ]


def test_duplicates_and_conflicts_are_reported(tmp_path):
    post2 = (
        "【桃源閑話】二2025年03月02日 09:30\n参照:\n【桃源閑話】記事\nhttps://a.example/1\n"
        "【桃源閑話】記事\nhttps://a.example/2\n【参考】\n☞ 用語(別名)\n定義。\n"
        "☞ 別の用語(用語, 別名)\n定義。\n" + TAIL
    )
    post1 = HEAD + "【参考】\n☞ 用語\n最初の定義。\n" + TAIL
    export = tmp_path / "e.txt"
    export.write_text(post1 + post1 + post2, "utf-8")
    report = run_import(export, tmp_path / "m")
    codes = sorted(d.code for d in report.diagnostics)
    assert codes == [
        "import-duplicate-post",
        "import-glossary-alias",
        "import-glossary-duplicate",
        "import-url-conflict",
    ]
    glossary = tomllib.loads((tmp_path / "m" / "glossary.toml").read_text("utf-8"))
    assert [(t["term"], t.get("aliases")) for t in glossary["term"]] == [
        ("用語", None),
        ("別の用語", ["別名"]),
    ]
    book, diags = load_book(tmp_path / "m")
    assert book is not None and not diags.errors


@pytest.mark.parametrize(
    ("header", "term", "aliases", "lead"),
    [
        ("ブダペスト覚書", "ブダペスト覚書", [], False),
        ("用語（ABC、Long Name）", "用語", ["ABC", "Long Name"], True),
        ("戦争(1999年 – 2009年)", "戦争", [], True),
        ("覚書とは、NATO(北大西洋条約機構)の文書。", "覚書", [], True),
    ],
)
def test_glossary_term_headers(header, term, aliases, lead):
    assert _split_term_header(header) == (term, aliases, header if lead else None)


def test_slugs_and_readings_are_ascii_and_kana():
    assert romaji_slug("NATO拡大とロシアの反応", SLUG_CHARS) == "nato-kakudai-to-roshia-no-hannou"
    assert len(romaji_slug("とても長い題名" * 10, SLUG_CHARS)) <= 40
    assert romaji_slug("！？", SLUG_CHARS, "post") == "post"
    assert kana_reading("ロシア・ジョージア戦争") == "ろしあじょーじあせんそう"


# -- hostile input ------------------------------------------------------------------------
PIECES = st.sampled_from(
    [
        "【桃源閑話】題名2025年02月09日 15:13",
        "【桃源閑話】題名",
        "【桃源閑話】別2024年12月31日 23:59",
        "【概要】",
        "【詳細】",
        "【参考】",
        "【参考はブログ作成者が付記】",
        "【引用・参照・底本】",
        "【】",
        "参照:",
        "☞ 用語(ABC, 別名)は、説明。",
        "☞",
        "・項目",
        "・・・深い",
        "1. 見出し",
        "2.項目",
        "① 丸",
        "https://example.org/a",
        "Title NATIONAL SECURITY ARCHIVE",
        "Ainovaで作成",
        "本文。{x|y} [[z]] [@w] ^1^ <b>",
        "\u3000字下げ",
        "",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(PIECES, min_size=0, max_size=30))
def test_any_export_imports_cleanly_or_fails_with_located_errors(tmp_path, pieces):
    work = Path(tmp_path) / str(abs(hash(tuple(pieces))))
    work.mkdir(exist_ok=True)
    export = work / "e.txt"
    export.write_text("\n".join(pieces), "utf-8")
    try:
        run_import(export, work / "m", force=True)
    except TougenError as exc:
        assert exc.diagnostics and all(d.location for d in exc.diagnostics)
        return
    book, diags = load_book(work / "m")
    assert not diags.errors, [d.format() for d in diags.errors]
