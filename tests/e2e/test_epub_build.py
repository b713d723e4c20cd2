"""End to end: ``tougen-pub build epub`` on the shipped manuscript (the tiny fixture when
manuscript/ is absent), both editions, every internal link resolved, EPUBCheck clean."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tougen_pub.ingest.loader import load_book

NS = {"x": "http://www.w3.org/1999/xhtml"}

pytestmark = pytest.mark.slow
EPOCH = "1740000000"


@pytest.fixture(scope="module")
def manuscript(shipped_manuscript: Path | None, tiny_root: Path) -> Path:
    return shipped_manuscript or tiny_root


@pytest.fixture(scope="module")
def built(manuscript: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("epub")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    exe = Path(sys.executable).with_name("tougen-pub")
    paths = {}
    for mode in ("vertical", "horizontal"):
        result = subprocess.run(
            [
                str(exe),
                "build",
                "epub",
                "-m",
                str(manuscript),
                "-o",
                str(out),
                "--writing-mode",
                mode,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr
        paths[mode] = out
    book, _ = load_book(manuscript)
    name = book.config.name
    # the output folder holds the two books and the build cache (the cover image)
    assert sorted(p.name for p in out.iterdir() if p.name != ".cache") == sorted(
        [f"{name}.epub", f"{name}-horizontal.epub"]
    )
    assert len(list((out / ".cache" / "covers").glob("*.png"))) == 2
    return {"vertical": out / f"{name}.epub", "horizontal": out / f"{name}-horizontal.epub"}


def _docs(zf: zipfile.ZipFile) -> dict[str, etree._Element]:
    return {
        n.removeprefix("EPUB/text/"): etree.fromstring(zf.read(n))
        for n in zf.namelist()
        if n.startswith("EPUB/text/") and n.endswith(".xhtml")
    }


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_structure_matches_manuscript(built: dict[str, Path], manuscript: Path, mode: str) -> None:
    book, _ = load_book(manuscript)
    zf = zipfile.ZipFile(io.BytesIO(built[mode].read_bytes()))
    docs = _docs(zf)
    chapters = sorted(n for n in docs if n.startswith("ch"))
    assert len(chapters) == len(book.articles)
    titles = [docs[c].findtext(".//x:title", namespaces=NS) for c in chapters]
    assert titles == [a.title for a in book.articles]
    glossary = docs.get("glossary.xhtml")
    if book.glossary:
        ids = [dt.get("id") for dt in glossary.iterfind(".//x:dt", NS)]
        assert ids == [f"term-{e.id}" for e in book.glossary]
    bib = docs["bibliography.xhtml"]
    ids = [li.get("id") for li in bib.iterfind(".//x:ol/x:li", NS)]
    assert ids == [f"src-{s.id}" for s in book.sources] and len(set(ids)) == len(ids)
    for entry in book.glossary:
        dd = glossary.find(f".//x:dt[@id='term-{entry.id}']", NS).getnext()
        assert len(dd.findall(".//x:a[@role='doc-backlink']", NS)) == len(
            book.uses_of_term(entry.id)
        )
    # every internal link lands on an existing document and id
    ids_of = {
        name: {el.get("id") for el in doc.iter() if el.get("id")} for name, doc in docs.items()
    }
    for name, doc in docs.items():
        for a in doc.iter("{http://www.w3.org/1999/xhtml}a"):
            href = a.get("href") or ""
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target, _, frag = href.partition("#")
            target = target or name
            assert target in ids_of, f"{name}: {href}"
            assert not frag or frag in ids_of[target], f"{name}: {href}"


def test_rebuild_is_byte_identical(
    built: dict[str, Path], manuscript: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tougen_pub.diagnostics import Diagnostics
    from tougen_pub.epub.builder import epub_bytes

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book, _ = load_book(manuscript)
    assert epub_bytes(book, "vertical", Diagnostics()) == built["vertical"].read_bytes()


def test_epubcheck_clean(built: dict[str, Path], tmp_path: Path, epubcheck_clean) -> None:
    epubcheck_clean([built["vertical"], built["horizontal"]], tmp_path)
