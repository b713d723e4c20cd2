"""The workflow of a growing blog series, end to end through the command line: import the
export, edit an article by hand, import a newer export with ``--update``, split the series
by month in book.toml, build every volume as EPUB and PDF."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub.cli import main
from tougen_pub.devtools.synth_export import synth_posts

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "fixtures" / "exports" / "seed.txt"
A1 = "01-nato-kakudai-to-roshia-no-hannou"
A3 = "03-roshia-haijo-dehanaku-housetsu"
A3_TITLE = "ロシア:排除ではなく包摂"
A3_URL = "https://koshimizu-tougen.asablo.jp/blog/2025/02/09/9753485"
NEW_POSTS = 40  # one a day from 1 March 2025: March and nine days of April


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(
        ["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout)


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes, str]:
    tmp = tmp_path_factory.mktemp("workflow")
    m = tmp / "m"
    _cli("import", str(SEED), "--into", str(m))
    edited = m / "articles" / f"{A1}.md"
    edited.write_text(edited.read_text("utf-8") + "\n著者が書き足した段落。\n", "utf-8")
    mine = edited.read_bytes()
    posts = synth_posts(NEW_POSTS, older=[(A3_TITLE, A3_URL)])
    newer = tmp / "newer.txt"
    newer.write_text(SEED.read_text("utf-8") + "\n" + "".join(p.text for p in posts), "utf-8")
    report = _cli("import", str(newer), "--into", str(m), "--update")
    book = m / "book.toml"
    book.write_text(book.read_text("utf-8") + '\n[volumes]\nsplit = "month"\n', "utf-8")
    out = tmp / "build"
    _cli("build", "epub", "-m", str(m), "-o", str(out))
    _cli("build", "pdf", "-m", str(m), "-o", str(out))
    return m, out, mine, report


def test_update_keeps_the_edit_and_adds_the_new_posts_after_it(series) -> None:
    m, _out, mine, report = series
    assert (m / "articles" / f"{A1}.md").read_bytes() == mine
    assert f"articles/{A1}.md: kept (edited)" in report
    stems = sorted(p.stem for p in (m / "articles").glob("*.md"))
    assert len(stems) == 4 + NEW_POSTS and stems[0] == A1
    for post, stem in zip(synth_posts(NEW_POSTS), stems[4:], strict=True):
        assert stem.startswith(f"{post.number + 4:02d}-")
        assert f"added: {post.title} (articles/{stem}.md)" in report


def test_one_book_per_month(series, epubcheck_clean, tmp_path: Path) -> None:
    _m, out, _mine, _report = series
    epubs = sorted(out.glob("*.epub"))
    assert [p.name[-11:] for p in epubs] == [f"-vol0{n}.epub" for n in (1, 2, 3)]
    assert [p.name[-19:] for p in sorted(out.glob("*.pdf"))] == [
        f"-vol0{n}-vertical.pdf" for n in (1, 2, 3)
    ]
    epubcheck_clean(epubs, tmp_path)
    subtitles = []
    for n, epub in enumerate(epubs, 1):
        with zipfile.ZipFile(epub) as z:
            opf = z.read("EPUB/content.opf").decode()
            glossary = z.read("EPUB/text/glossary.xhtml").decode()
        assert f'<meta refines="#series" property="group-position">{n}</meta>' in opf
        assert 'property="belongs-to-collection"' in opf
        subtitles.append(re.search(r'<dc:title id="subtitle">([^<]+)<', opf)[1])  # type: ignore[index]
        # the glossary of February holds the seed's terms only; the later volumes only the
        # terms their own posts define or mention
        made_up = {int(k) for k in re.findall(r"第(\d+)次架空協定", glossary)}
        if n == 1:
            assert not made_up
        elif n == 2:  # defined by posts of March (1–31) or mentioned by them
            assert made_up and max(made_up) <= 31
        else:
            assert made_up >= set(range(32, NEW_POSTS + 1))
    assert subtitles == ["2025年2月", "2025年3月", "2025年4月"]


def test_a_link_into_february_prints_its_volume_and_page(series) -> None:
    _m, out, _mine, _report = series
    pdfs = sorted(out.glob("*.pdf"))
    march = _pdf_text(pdfs[1])
    m = re.search(r"排除ではなく包摂（第1巻p\.(\d+)）", march)
    assert m, march[:3000]
    page = int(m[1])
    assert "排除ではなく包摂" in _pdf_text(pdfs[0], page)
    assert "排除ではなく包摂" not in _pdf_text(pdfs[0], page - 1)
