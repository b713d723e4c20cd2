"""A series in volumes (tests/fixtures/books/series: six posts over three months, ``[volumes]
split = "month"``): one complete EPUB and PDF per volume, glossary and bibliography of each
volume holding only what it uses, the OPF in the series, links to other volumes printed as
「第N巻 p.M」 with the page where that article starts."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main

pytestmark = pytest.mark.slow


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def _text(epub: Path, pattern: str) -> str:
    with zipfile.ZipFile(epub) as z:
        return "".join(z.read(n).decode() for n in sorted(z.namelist()) if re.search(pattern, n))


def _page(pdf: Path, number: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"\s+", "", out)


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


@pytest.fixture(scope="module")
def series(books_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("series") / "ms"
    shutil.copytree(books_dir / "series", root)
    return root


@pytest.fixture(scope="module")
def epubs(series: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("epubs")
    code, output = _cli("build", "epub", "-m", str(series), "-o", str(out))
    assert code == 0, output
    return out


@pytest.fixture(scope="module")
def pdfs(series: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdfs")
    code, output = _cli("build", "pdf", "-m", str(series), "-o", str(out))
    assert code == 0, output
    for n in (1, 2, 3):
        assert f"volume {n}: wrote" in output
    return out


def test_one_epub_per_month_each_valid(epubs: Path, epubcheck_clean, tmp_path: Path) -> None:
    names = sorted(p.name for p in epubs.glob("*.epub"))
    assert names == ["series-vol01.epub", "series-vol02.epub", "series-vol03.epub"]
    epubcheck_clean(sorted(epubs.glob("*.epub")), tmp_path)


def test_opf_names_the_series_and_position(epubs: Path) -> None:
    ids = set()
    for n in (1, 2, 3):
        opf = _text(epubs / f"series-vol0{n}.epub", r"\.opf$")
        assert re.search(r'property="belongs-to-collection" id="series">閑話集<', opf), opf
        assert '<meta refines="#series" property="collection-type">series</meta>' in opf
        assert f'<meta refines="#series" property="group-position">{n}</meta>' in opf
        assert f">閑話集 第{n}巻</dc:title>" in opf
        month = {1: "2月", 2: "3月", 3: "4月"}[n]
        assert f"2025年{month}</dc:title>" in opf  # the month as subtitle
        ids.add(re.search(r"<dc:identifier[^>]*>([^<]+)<", opf)[1])  # type: ignore[index]
    assert len(ids) == 3  # every volume its own identifier


def test_each_volume_holds_only_its_articles_terms_and_sources(epubs: Path) -> None:
    one = _text(epubs / "series-vol01.epub", r"text/.*\.xhtml$")
    two = _text(epubs / "series-vol02.epub", r"text/.*\.xhtml$")
    assert "冬の港の話" in one and "雪の町の話" in one and "春の風の話" not in one
    glossary1 = _text(epubs / "series-vol01.epub", r"glossary")
    glossary2 = _text(epubs / "series-vol02.epub", r"glossary")
    # vol 1 uses ブダペスト覚書 (whose definition refers to PFP) and ワルシャワ条約機構
    for term in ("ブダペスト覚書", "平和のためのパートナーシップ", "ワルシャワ条約機構"):
        assert term in glossary1
    for term in ("ミンスク合意", "欧州安全保障協力機構"):
        assert term not in glossary1
    assert "ミンスク合意" in glossary2 and "ブダペスト覚書" not in glossary2
    bib2 = _text(epubs / "series-vol02.epub", r"bibliography")
    # vol 2 cites 乙 and 丙 in its articles and 丁 in the definition of ミンスク合意, not 甲
    assert "資料乙" in bib2 and "資料丙" in bib2 and "資料丁" in bib2 and "資料甲" not in bib2
    assert "春の風の話" in two
    # sources numbered anew in each volume: 資料乙 is ［1］ in volume 2, in the text too
    cited = re.search(
        r'class="citation-ref"[^>]*#src-src-b"[^>]*>(?:<span class="tcy">)?(\d+)<', two
    )
    assert cited and cited[1] == "1", "citation not renumbered"


def test_epub_links_to_other_volumes_use_the_post_address(epubs: Path) -> None:
    two = _text(epubs / "series-vol02.epub", r"text/.*\.xhtml$")
    assert re.search(
        r'<a href="https://example.org/blog/2" class="external">雪の町の話</a>'
        r'<span class="where">（第1巻）</span>',
        two,
    ), re.findall(r'<section class="see-also".*?</section>', two, re.S)
    # a link within the volume stays internal
    assert re.search(r'<a href="ch\d+\.xhtml">三月の終わりの話</a>', two)


def test_pdf_prints_volume_and_page_of_other_volumes(pdfs: Path) -> None:
    names = sorted(p.name for p in pdfs.glob("*.pdf"))
    assert names == [f"series-vol0{n}-vertical.pdf" for n in (1, 2, 3)]
    two = _pdf_text(pdfs / "series-vol02-vertical.pdf")
    m = re.search(r"雪の町の話（第1巻p\.(\d+)）", two)
    assert m, two[:2000]
    page = int(m[1])
    assert page > 5
    one = pdfs / "series-vol01-vertical.pdf"
    assert "雪の町の話" in _page(one, page)  # the article starts on that page
    assert "雪の町の話" not in _page(one, page - 1)
    three = _pdf_text(pdfs / "series-vol03-vertical.pdf")
    m3 = re.search(r"冬の港の話（第1巻p\.(\d+)）", three)
    assert m3 and "冬の港の話" in _page(one, int(m3[1]))


def test_one_volume_alone_lays_out_a_stale_volume_it_links_to(series: Path, tmp_path: Path) -> None:
    root = tmp_path / "ms"
    shutil.copytree(series, root)
    out = tmp_path / "out"
    code, output = _cli("build", "pdf", "-m", str(root), "-o", str(out), "--volume", "2")
    assert code == 0, output
    assert sorted(p.name for p in out.glob("*.pdf")) == ["series-vol02-vertical.pdf"]
    first = re.search(r"雪の町の話（第1巻p\.(\d+)）", _pdf_text(out / "series-vol02-vertical.pdf"))
    assert first
    # the first article of volume 1 grows by several pages: the page number follows
    article = root / "articles" / "01-fuyu-no-minato.md"
    text = article.read_text(encoding="utf-8")
    more = "\n\n".join(["長い段落を書き足す。" * 30] * 8)
    article.write_text(text + "\n" + more + "\n", encoding="utf-8")
    code, output = _cli("build", "pdf", "-m", str(root), "-o", str(out), "--volume", "2")
    assert code == 0, output
    second = re.search(r"雪の町の話（第1巻p\.(\d+)）", _pdf_text(out / "series-vol02-vertical.pdf"))
    assert second and int(second[1]) > int(first[1])
    # right: a layout of volume 1 on its own puts the article there
    code, output = _cli("build", "pdf", "-m", str(root), "-o", str(out), "--volume", "1")
    assert code == 0, output
    assert "雪の町の話" in _page(out / "series-vol01-vertical.pdf", int(second[1]))


def test_volume_errors(series: Path, tiny_root: Path, tmp_path: Path) -> None:
    none = "volume-none"
    code, output = _cli("build", "epub", "-m", str(series), "-o", str(tmp_path), "--volume", "9")
    assert code == 1 and "there is no volume 9: the series has 3 volume(s)" in output
    assert "book.toml: error: there is no volume 9" in output and f"[{none}]" in output
    code, output = _cli("build", "epub", "-m", str(tiny_root), "-o", str(tmp_path), "--volume", "1")
    assert code == 1 and f"book.toml: error: book.toml defines no [volumes] [{none}]" in output
    code, output = _cli("build", "epub", "-m", str(series), "-o", str(tmp_path), "--volume", "x")
    assert code == 2 and "is not a volume number" in output
    assert not list(tmp_path.glob("*.epub"))


def test_check_names_the_volume_of_each_diagnostic(series: Path) -> None:
    code, output = _cli("check", "-m", str(series))
    assert code == 0, output
    assert re.search(r"05-shigatsu\.md:\d+:\d+: warning: .*\(volume 3\) \[tcy-long\]", output)


def test_split_by_pages_counts_the_printed_pages_once(
    series: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tougen_pub import pipeline
    from tougen_pub.ingest.loader import load_book
    from tougen_pub.options import BuildOptions

    root = tmp_path / "ms"
    shutil.copytree(series, root)
    toml = root / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"month"', '"pages:12"'), "utf-8")
    first = root / "articles" / "01-fuyu-no-minato.md"
    more = "\n\n".join(["長い段落を書き足す。" * 30] * 8)
    first.write_text(first.read_text(encoding="utf-8") + "\n" + more + "\n", encoding="utf-8")
    book, _diags = load_book(root)
    assert book is not None
    options = BuildOptions(root, tmp_path / "out")
    pages = pipeline.article_pages(book, options)
    assert list(pages) == [a.slug for a in book.articles]
    # the first post is several times as long as the others (each opens on a right page)
    assert pages["01-fuyu-no-minato"] >= 6
    assert all(pages[s] == 2 for s in list(pages)[2:]), pages

    def no_layout(*_args: object) -> None:
        raise AssertionError("laid out again although the page cache is fresh")

    monkeypatch.setattr(pipeline, "lay_out_only", no_layout)
    assert pipeline.article_pages(book, options) == pages
    code, output = _cli("build", "epub", "-m", str(root), "-o", str(tmp_path / "out"))
    assert code == 0, output
    built = sorted(p.name for p in (tmp_path / "out").glob("*.epub"))
    assert len(built) >= 2
    # check names volumes from the pages the builds counted in their output folder
    code, output = _cli("check", "-m", str(root), "-o", str(tmp_path / "out"))
    assert code == 0 and re.search(r"\(volume \d\) \[tcy-long\]", output), output
    code, output = _cli("check", "-m", str(root), "-o", str(tmp_path / "elsewhere"))
    assert code == 0 and "[tcy-long]" in output and "(volume" not in output, output


def test_check_names_the_volume_of_an_error_that_stops_loading(
    series: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ms"
    shutil.copytree(series, root)
    article = root / "articles" / "04-sangatsu-owari.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n[[未知の用語]]を使う。\n", encoding="utf-8"
    )
    code, output = _cli("check", "-m", str(root))
    assert code == 1
    assert re.search(
        r"04-sangatsu-owari\.md:\d+:\d+: error: .*\(volume 2\) \[glossary-unknown\]", output
    ), output


def test_page_lists_name_uses_in_other_volumes(pdfs: Path, epubs: Path) -> None:
    """資料乙 is cited in March (春の風の話) and April (四月の話); ミンスク合意 is used in
    both too: each volume's lists name the other volume's article with its volume and page
    (print) or its address (EPUB)."""
    two = _pdf_text(pdfs / "series-vol02-vertical.pdf")
    three = pdfs / "series-vol03-vertical.pdf"
    m = re.search(r"四月の話（第3巻p\.(\d+)）", two)  # in the bibliography of March
    assert m, two[-1500:]
    assert "四月の話" in _page(three, int(m[1]))
    m = re.search(r"四月の終わりの話（第3巻p\.(\d+)）", two)  # in the glossary of March
    assert m and "四月の終わりの話" in _page(three, int(m[1]))
    assert re.search(r"春の風の話（第2巻p\.\d+）", _pdf_text(three))
    glossary = _text(epubs / "series-vol02.epub", r"glossary")
    assert re.search(
        r'他の巻：<a class="external" href="https://example.org/blog/6">四月の終わりの話（第3巻）</a>',
        glossary,
    )
    bibliography = _text(epubs / "series-vol03.epub", r"bibliography")
    assert (
        '<a class="external" href="https://example.org/blog/3">春の風の話（第2巻）</a>'
        in bibliography
    )
