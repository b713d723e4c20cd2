"""Reproducible builds: with ``SOURCE_DATE_EPOCH``, two builds of the shipped manuscript in
separate processes give byte-identical EPUBs (both writing modes) and PDFs (vertical and
horizontal), and the books carry the epoch's date.

The two runs differ in everything that should not matter: output folder, ``TMPDIR``,
working directory, ``PYTHONHASHSEED`` (set and dict order) and the order in which the four
books are built within the process.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

EPOCH = 1739081580  # 2025-02-09T06:13:00Z
WHEN = datetime.fromtimestamp(EPOCH, UTC)
# (kind, writing mode) in the first run's order; the second run builds them in reverse.
BOOKS = [("epub", "vertical"), ("epub", "horizontal"), ("pdf", "vertical"), ("pdf", "horizontal")]

# One process builds the four books, one after the other, as `tougen-pub build` does each.
DRIVER = """
import sys
from pathlib import Path
from tougen_pub.options import BuildOptions
from tougen_pub.pipeline import build_book
manuscript, out = Path(sys.argv[1]), Path(sys.argv[2])
for spec in sys.argv[3:]:
    kind, mode = spec.split(":")
    path, _ = build_book(kind, BuildOptions(manuscript, out, mode))
    print(path.name)
"""


def _run(tmp: Path, manuscript: Path, order: list[tuple[str, str]], seed: str) -> subprocess.Popen:
    (tmp / "tmp").mkdir(parents=True)
    (tmp / "cwd").mkdir()
    env = {
        **os.environ,
        "SOURCE_DATE_EPOCH": str(EPOCH),
        "TMPDIR": str(tmp / "tmp"),
        "PYTHONHASHSEED": seed,
        "TOUGEN_PROGRESS": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(manuscript), str(tmp / "out")]
        + [f"{kind}:{mode}" for kind, mode in order],
        cwd=tmp / "cwd",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def two_runs(
    tmp_path_factory: pytest.TempPathFactory, shipped_manuscript: Path | None
) -> tuple[Path, Path]:
    """The shipped manuscript built twice, side by side, in separate processes."""
    if shipped_manuscript is None:
        pytest.fail("the shipped manuscript/ folder is missing")
    base = tmp_path_factory.mktemp("reproducible")
    a = _run(base / "a", shipped_manuscript.resolve(), BOOKS, "1")
    b = _run(base / "b", shipped_manuscript.resolve(), BOOKS[::-1], "2")
    for proc in (a, b):
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
        assert len(out.split()) == len(BOOKS), out
    return base / "a" / "out", base / "b" / "out"


def _first_difference(x: bytes, y: bytes) -> str:
    i = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y)))
    return f"sizes {len(x)}/{len(y)}, first difference at byte {i}: {x[i - 40 : i + 40]!r}"


def _zip_differences(x: bytes, y: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(x)) as zx, zipfile.ZipFile(io.BytesIO(y)) as zy:
        ix = {i.filename: i for i in zx.infolist()}
        iy = {i.filename: i for i in zy.infolist()}
        out = [] if list(ix) == list(iy) else [f"entries {list(ix)} / {list(iy)}"]
        for name in ix.keys() & iy.keys():
            if zx.read(name) != zy.read(name):
                out.append(f"{name} content")
            if ix[name].date_time != iy[name].date_time:
                out.append(f"{name} timestamp")
        return out


def _book_names(out: Path) -> list[str]:
    # .cache/ is the build folder's cache (derived fonts, page numbers), not a book
    return sorted(p.name for p in out.iterdir() if p.name != ".cache")


@pytest.mark.slow
def test_same_books_and_nothing_else(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    assert (
        _book_names(a)
        == _book_names(b)
        == sorted(
            [
                "tougen-kanwa.epub",
                "tougen-kanwa-horizontal.epub",
                "tougen-kanwa-vertical.pdf",
                "tougen-kanwa-horizontal.pdf",
                # the page plan (台割) beside each PDF
                "tougen-kanwa-vertical.plan.txt",
                "tougen-kanwa-horizontal.plan.txt",
            ]
        )
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tougen-kanwa.epub", "tougen-kanwa-horizontal.epub"])
def test_epub_byte_identical(two_runs: tuple[Path, Path], name: str) -> None:
    x, y = ((out / name).read_bytes() for out in two_runs)
    assert x == y, _zip_differences(x, y) or _first_difference(x, y)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tougen-kanwa-vertical.pdf", "tougen-kanwa-horizontal.pdf"])
def test_pdf_byte_identical(two_runs: tuple[Path, Path], name: str) -> None:
    x, y = ((out / name).read_bytes() for out in two_runs)
    assert x == y, _first_difference(x, y)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tougen-kanwa.epub", "tougen-kanwa-horizontal.epub"])
def test_epub_dates_are_the_epoch(two_runs: tuple[Path, Path], name: str) -> None:
    """dcterms:modified is SOURCE_DATE_EPOCH; zip entries carry its time, not the clock's."""
    from lxml import etree

    with zipfile.ZipFile(two_runs[0] / name) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        stamps = {i.date_time for i in z.infolist()}
    modified = opf.xpath(
        "//opf:meta[@property='dcterms:modified']/text()",
        namespaces={"opf": "http://www.idpf.org/2007/opf"},
    )
    assert modified == [WHEN.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert stamps == {WHEN.timetuple()[:6]}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tougen-kanwa-vertical.pdf", "tougen-kanwa-horizontal.pdf"])
def test_pdf_dates_are_the_epoch(two_runs: tuple[Path, Path], name: str) -> None:
    """/CreationDate and /ModDate are SOURCE_DATE_EPOCH; /ID is fixed (no random half)."""
    import pypdf

    reader = pypdf.PdfReader(two_runs[0] / name)
    info = reader.metadata
    assert info is not None
    assert info.creation_date == WHEN, info
    assert info.modification_date == WHEN, info
    assert len(reader.trailer["/ID"]) == 2
