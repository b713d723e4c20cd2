"""The blog-export importer on the seed export and on small fixture exports."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main
from tougen_pub.diagnostics import TougenError
from tougen_pub.importers import blog
from tougen_pub.importers.blog import book_identifier, run_import
from tougen_pub.importers.record import RECORD
from tougen_pub.ingest.loader import load_book

REPO = Path(__file__).resolve().parents[3]
EXPORTS = REPO / "tests" / "fixtures" / "exports"
SEED = EXPORTS / "seed.txt"  # a copy of the series' sample export (000_dfe5ffe8d42215b0.txt)
SHIPPED = REPO / "manuscript"

A1 = "01-nato-kakudai-to-roshia-no-hannou"
A2 = "02-nato-kakudai-eritsuin-ga-kii-takoto"
A3 = "03-roshia-haijo-dehanaku-housetsu"
A4 = "04-budapesuto-no-bakuhatsu"
YELTSIN = "https://nsarchive.gwu.edu/briefing-book/russia-programs/2018-03-16/nato-expansion-what-yeltsin-heard"


@pytest.fixture(scope="module")
def seed_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, blog.ImportReport]:
    into = tmp_path_factory.mktemp("seed") / "m"
    return into, run_import(SEED, into)


def front_matter(path: Path) -> dict:
    text = path.read_text("utf-8")
    head = text.split("+++\n")[1]
    return tomllib.loads(head)


def body(path: Path) -> str:
    return path.read_text("utf-8").split("+++\n", 2)[2]


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# -- the seed -----------------------------------------------------------------------------
def test_seed_counts(seed_import):
    into, report = seed_import
    assert (report.articles, report.glossary_entries, report.sources, report.citations) == (
        4,
        4,
        3,
        4,
    )
    assert (report.internal_links, report.external_links) == (3, 1)
    assert sorted(p.stem for p in (into / "articles").glob("*.md")) == [A1, A2, A3, A4]
    external = [d for d in report.diagnostics if d.code == "import-external-link"]
    assert len(external) == 1
    assert external[0].level.value == "info"
    assert external[0].location.line == 775  # the 参照 entry of the post not in the export
    assert all(d.level.value == "info" for d in report.diagnostics)


def test_seed_front_matter(seed_import):
    into, _ = seed_import
    meta = front_matter(into / "articles" / f"{A1}.md")
    assert meta["title"] == "NATO拡大とロシアの反応"
    assert meta["series"] == "桃源閑話"
    assert meta["date"] == dt.datetime(
        2025, 2, 9, 15, 13, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert meta["url"] == "https://koshimizu-tougen.asablo.jp/blog/2025/02/09/9753409"
    assert meta["image_credit"] == "Ainovaで作成"
    assert meta["sources"] == ["weekend-read-critical-resources-on-russias-war"]
    meta4 = front_matter(into / "articles" / f"{A4}.md")
    assert meta4["image_credit"] == "Microsoft Designerで作成"
    assert meta4["title"] == "「ブダペストの爆発」"
    assert "url" not in meta4  # no 参照 list of the export gives its address


def test_seed_body_sections_paragraphs_and_lists(seed_import):
    into, _ = seed_import
    text = body(into / "articles" / f"{A1}.md")
    assert re.findall(r"^## (.+)$", text, re.M) == ["概要", "詳細", "要点", "参考"]
    assert "【桃源閑話】" not in text  # the repeated title line is dropped
    assert "\u3000" not in text and not re.search(r"^ [^ ]", text, re.M)
    assert "### 1. NATO拡大とロシアの反応\n\nソ連崩壊後、西側が" in text
    # the first mention of a glossary term is linked
    assert "1994年の「[[ブダペスト覚書]]」では、ウクライナが核兵器を放棄する" in text
    assert text.count("[[ブダペスト覚書]]") == 2  # that mention and the 参考 list
    # 要点: an ordered list with bullets nested three levels, 4-space indentation
    assert (
        "1. NATO拡大とロシアの対応\n"
        "    - ロシアは「NATOが東方に拡大しない」という約束が破られたと主張。\n"
    ) in text
    assert (
        "        - 「プーチン、クリントン、そして大統領交代」(2020年)\n"
        "            - クリントン・エリツィンの会話記録に、エリツィンがプーチンを"
        "「ロシアの未来」と述べた記録あり。\n"
        "    - 第二次チェチェン戦争(1999年~2000年)が、"
    ) in text
    assert "4. 結論\n    - NATO拡大、プーチンの台頭、サイバー戦がロシアの戦略の重要要素。" in text
    # 参考 lists the terms instead of repeating their definitions
    assert text.rstrip().endswith(
        "## 参考\n\n- [[ブダペスト覚書]]\n- [[第二次チェチェン戦争]]\n- [[ロシア・ジョージア戦争]]"
    )
    text2 = body(into / "articles" / f"{A2}.md")
    assert "関係者は、[[PFP]](平和のためのパートナーシップ)イニシアティブが" in text2
    assert "- 1993年9月15日:エリツィンはクリントン大統領に手紙を送り" in text2


def test_seed_glossary(seed_import):
    into, _ = seed_import
    data = tomllib.loads((into / "glossary.toml").read_text("utf-8"))
    assert data["note"] == "参考はブログ作成者が付記"
    terms = {t["term"]: t for t in data["term"]}
    assert set(terms) == {
        "ブダペスト覚書",
        "第二次チェチェン戦争",
        "ロシア・ジョージア戦争",
        "平和のためのパートナーシップ",
    }
    pfp = terms["平和のためのパートナーシップ"]
    assert pfp["aliases"] == ["PFP", "Partnership for Peace"]
    assert pfp["reading"] == "へいわのためのぱーとなーしっぷ"
    assert pfp["origin"] == f"articles/{A2}.md"
    assert pfp["definition"].startswith(
        "平和のためのパートナーシップ(PFP, Partnership for Peace)は"
    )
    assert "1. 軍事協力の強化\n    - NATO基準に基づく軍事訓練や演習の実施" in pfp["definition"]
    assert terms["ブダペスト覚書"]["reading"] == "ぶだぺすとおぼえがき"
    assert terms["ロシア・ジョージア戦争"]["reading"] == "ろしあじょーじあせんそう"
    chechen = terms["第二次チェチェン戦争"]
    assert "aliases" not in chechen  # (1999年 – 2009年) is a period, not another name
    assert chechen["definition"].startswith("第二次チェチェン戦争(1999年 – 2009年)\n")
    assert chechen["origin"] == f"articles/{A1}.md"


def test_seed_sources_one_record_per_url(seed_import):
    into, _ = seed_import
    sources = tomllib.loads((into / "sources.toml").read_text("utf-8"))["source"]
    assert [s["url"] for s in sources].count(YELTSIN) == 1
    assert len(sources) == 3
    yeltsin = next(s for s in sources if s["url"] == YELTSIN)
    assert yeltsin["title"] == "NATO Expansion: What Yeltsin Heard"
    assert yeltsin["publisher"] == "NATIONAL SECURITY ARCHIVE"
    weekend = sources[0]
    assert "publisher" not in weekend and weekend["title"].startswith("Weekend Read:")
    cited = [front_matter(into / "articles" / f"{a}.md")["sources"] for a in (A2, A3)]
    assert cited == [[yeltsin["id"]], [yeltsin["id"]]]


def test_seed_see_also(seed_import):
    into, _ = seed_import
    links = front_matter(into / "articles" / f"{A4}.md")["see_also"]
    assert [link.get("article") for link in links] == [A3, A2, A1, None]
    assert links[3] == {
        "title": "NATOの拡大:ゴルバチョフが聞いたこと",
        "url": "https://koshimizu-tougen.asablo.jp/blog/2025/02/08/9753187",
    }
    # the addresses of the linked posts become their url
    for stem, link in zip((A3, A2, A1), links, strict=False):
        assert front_matter(into / "articles" / f"{stem}.md")["url"] == link["url"]


def test_seed_book_toml(seed_import):
    into, _ = seed_import
    text = (into / "book.toml").read_text("utf-8")
    data = tomllib.loads(text)
    assert data["name"] == "tougen-kanwa"
    assert data["title"] == "桃源閑話"
    assert data["language"] == "ja"
    assert data["identifier"] == book_identifier("桃源閑話")
    assert data["series"] == {"name": "桃源閑話"}
    assert "creators" not in data and "publisher" not in data and "rights" not in data
    assert re.search(r"^# 要記入: the author", text, re.M)
    assert re.search(r"^# publisher = .*要記入", text, re.M)


def test_seed_manuscript_loads_without_errors(seed_import):
    into, _ = seed_import
    book, diags = load_book(into)
    assert not diags.errors, [d.format() for d in diags.errors]
    assert book is not None
    assert len(book.articles) == 4 and len(book.glossary) == 4 and len(book.sources) == 3
    assert sum(len(a.sources) for a in book.articles) == 4
    internal = [s for a in book.articles for s in a.see_also if s.article_slug]
    assert len(internal) == 3
    assert book.glossary_note == "参考はブログ作成者が付記"
    codes = {d.code for d in diags}
    assert codes <= {"see-also-external", "book-placeholder"}, codes


def test_reimport_is_byte_identical(seed_import, tmp_path):
    first, _ = seed_import
    second = tmp_path / "again"
    run_import(SEED, second)
    assert tree(first) == tree(second)


def test_shipped_manuscript_equals_a_fresh_import(seed_import):
    """Golden check: manuscript/ changes only on purpose (book.toml is edited by hand)."""
    fresh, _ = seed_import
    # the import record (.tougen-import.toml), when manuscript/ has one, must match too
    skip = {"book.toml"} | (set() if (SHIPPED / RECORD).exists() else {RECORD})
    shipped = {k: v for k, v in tree(SHIPPED).items() if k not in skip}
    expected = {k: v for k, v in tree(fresh).items() if k not in skip}
    assert shipped.keys() == expected.keys()
    changed = [k for k in expected if shipped[k] != expected[k]]
    assert not changed, f"re-import the seed into manuscript/ on purpose: {changed}"
    assert tomllib.loads((SHIPPED / "book.toml").read_text("utf-8"))["name"] == "tougen-kanwa"


# -- refusing, forcing, atomic writes -------------------------------------------------------
@pytest.fixture()
def small_manuscript(tmp_path: Path) -> Path:
    into = tmp_path / "m"
    run_import(EXPORTS / "small.txt", into)
    return into


def test_refuses_an_existing_manuscript(small_manuscript):
    before = tree(small_manuscript)
    with pytest.raises(TougenError) as err:
        run_import(EXPORTS / "small.txt", small_manuscript)
    assert [d.code for d in err.value.diagnostics] == ["import-exists"]
    assert err.value.diagnostics[0].location.path == str(small_manuscript)
    assert tree(small_manuscript) == before


def test_force_keeps_book_toml_and_other_files(small_manuscript):
    book = small_manuscript / "book.toml"
    book.write_text(
        book.read_text("utf-8").replace('title = "桃源閑話"', 'title = "私の本"'), "utf-8"
    )
    article = next((small_manuscript / "articles").glob("01-*.md"))
    pristine = article.read_bytes()
    article.write_text("edited", "utf-8")
    (small_manuscript / "articles" / "99-stale.md").write_text("old", "utf-8")
    (small_manuscript / "images").mkdir()
    (small_manuscript / "images" / "cover.png").write_bytes(b"png")
    report = run_import(EXPORTS / "small.txt", small_manuscript, force=True)
    assert report.articles == 2
    assert 'title = "私の本"' in book.read_text("utf-8")
    assert article.read_bytes() == pristine
    assert not (small_manuscript / "articles" / "99-stale.md").exists()
    assert (small_manuscript / "images" / "cover.png").read_bytes() == b"png"
    assert [p.name for p in small_manuscript.parent.iterdir()] == ["m"]  # no temporary left


def test_force_without_folder_swap_support(small_manuscript, monkeypatch):
    monkeypatch.setattr(blog, "_exchange", lambda a, b: False)
    (small_manuscript / "notes.txt").write_text("mine", "utf-8")
    (small_manuscript / "glossary.toml").write_text("broken", "utf-8")
    run_import(EXPORTS / "small.txt", small_manuscript, force=True)
    assert (small_manuscript / "notes.txt").read_text("utf-8") == "mine"
    assert "[[term]]" in (small_manuscript / "glossary.toml").read_text("utf-8")
    assert [p.name for p in small_manuscript.parent.iterdir()] == ["m"]


def test_failed_write_leaves_the_target_untouched(small_manuscript, monkeypatch):
    before = tree(small_manuscript)
    calls = []

    def failing(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    monkeypatch.setattr(blog, "_write_file", failing)
    with pytest.raises(TougenError) as err:
        run_import(EXPORTS / "small.txt", small_manuscript, force=True)
    assert err.value.diagnostics[0].code == "import-write"
    assert tree(small_manuscript) == before
    assert [p.name for p in small_manuscript.parent.iterdir()] == ["m"]
    fresh = small_manuscript.parent / "new"
    calls.clear()
    with pytest.raises(TougenError):
        run_import(EXPORTS / "small.txt", fresh)
    assert not fresh.exists()


@pytest.mark.parametrize("swap", [True, False])
def test_failed_swap_puts_everything_back(small_manuscript, monkeypatch, swap):
    if not swap:
        monkeypatch.setattr(blog, "_exchange", lambda a, b: False)
    (small_manuscript / "glossary.toml").write_text("# mine\n", "utf-8")
    before = tree(small_manuscript)
    real = blog._swap_in

    def failing(new: Path, target: Path, aside: Path) -> None:
        if target.name == "sources.toml":  # after articles/ and glossary.toml were swapped
            raise OSError(5, "Input/output error")
        real(new, target, aside)

    monkeypatch.setattr(blog, "_swap_in", failing)
    with pytest.raises(TougenError) as err:
        run_import(EXPORTS / "small.txt", small_manuscript, force=True)
    assert "the target is unchanged" in err.value.diagnostics[0].message
    assert tree(small_manuscript) == before
    assert [p.name for p in small_manuscript.parent.iterdir()] == ["m"]


def test_bad_export_leaves_the_target_untouched(small_manuscript):
    before = tree(small_manuscript)
    with pytest.raises(TougenError):
        run_import(EXPORTS / "truncated.txt", small_manuscript, force=True)
    assert tree(small_manuscript) == before


def test_target_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x", "utf-8")
    with pytest.raises(TougenError) as err:
        run_import(EXPORTS / "small.txt", target, force=True)
    assert err.value.diagnostics[0].code == "import-target"
    with pytest.raises(TougenError) as err:
        run_import(EXPORTS / "small.txt", target / "sub")
    assert err.value.diagnostics[0].code in {"import-write", "import-target"}
    assert target.read_text("utf-8") == "x"


# -- the CLI on bad input --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "where", "code"),
    [
        ("truncated.txt", ":20: error:", "import-truncated"),
        ("not-export.md", ":1:1: error:", "import-not-export"),
        ("empty.txt", ":1:1: error:", "import-not-export"),
        ("binary.png", ":3:1: error:", "import-not-export"),
        ("shift-jis.txt", ":1:1: error:", "import-encoding"),
        ("no-date.txt", ":1:1: error:", "import-bad-header"),
    ],
)
def test_cli_bad_exports_give_located_errors(tmp_path, name, where, code):
    export = EXPORTS / name
    result = CliRunner().invoke(main, ["import", str(export), "--into", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"{export}{where}" in result.output and f"[{code}]" in result.output
    assert not (tmp_path / "m").exists()


def test_cli_refuses_then_forces(tmp_path):
    into = tmp_path / "m"
    args = ["import", str(EXPORTS / "small.txt"), "--into", str(into)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "2 articles, 1 glossary entries, 2 sources (4 citations)" in first.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "[import-exists]" in again.output
    forced = CliRunner().invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output


# -- format features beyond the seed -------------------------------------------------------
def test_small_export_features(small_manuscript):
    m = small_manuscript
    first, second = sorted((m / "articles").glob("*.md"))
    assert (first.stem, second.stem) == ("01-saisho-no-kiji", "02-tsugino-kiji")
    text1 = body(first)
    assert "\n全角で字下げした段落。ブダペスト覚書に触れる。\n" in text1  # U+3000 stripped
    assert "1. 第一の点\n2. 第二の点" in text1  # ① ② as an ordered list
    assert "- 項目一\n    - 入れ子\n        - さらに入れ子\n- 項目二" in text1
    glossary = tomllib.loads((m / "glossary.toml").read_text("utf-8"))
    assert glossary["term"][0]["aliases"] == ["PFP", "Partnership for Peace"]  # full-width （、）
    sources = tomllib.loads((m / "sources.toml").read_text("utf-8"))["source"]
    # one record for the URL with and without trailing slash, one for the title-only work
    assert [(s["id"], s.get("url")) for s in sources] == [
        ("some-report", "https://example.org/report/some-report"),
        ("budapest-blow-up", None),
    ]
    meta1, meta2 = front_matter(first), front_matter(second)
    assert meta1["sources"] == meta2["sources"] == ["some-report", "budapest-blow-up"]
    assert meta1["url"] == "https://blog.example.jp/2025/03/01/1"
    assert meta2["see_also"][0]["article"] == "01-saisho-no-kiji"
    assert "article" not in meta2["see_also"][1]
    book, diags = load_book(m)
    assert book is not None and not diags.errors
    html = book.articles[1].sections[0].html
    # text that looks like markup stays text
    assert "2^10 と &lt;b&gt;太字&lt;/b&gt; と {漢字|かんじ}" in html
    assert 'class="glossary-ref"' in html  # the first mention of PFP links the glossary


def test_posts_are_numbered_by_date(tmp_path):
    text = (EXPORTS / "small.txt").read_text("utf-8")
    first, second = text.split("【桃源閑話】次の記事2025年03月02日 10:00")
    swapped = tmp_path / "swapped.txt"
    swapped.write_text("【桃源閑話】次の記事2025年03月02日 10:00" + second + "\n" + first, "utf-8")
    report = run_import(swapped, tmp_path / "m")
    assert "import-reordered" in [d.code for d in report.diagnostics]
    run_import(EXPORTS / "small.txt", tmp_path / "ordered")
    assert tree(tmp_path / "m") == tree(tmp_path / "ordered")
