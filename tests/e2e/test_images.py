"""End to end: a book with a PNG, a JPEG and an SVG, built by ``tougen-pub build`` as EPUB
(EPUBCheck clean, files packaged and linked) and as PDF in both writing modes (images
embedded, within the text block, upright on the book page of the vertical edition)."""

from __future__ import annotations

import io
import os
import posixpath
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image, ImageDraw

from tougen_pub.ingest.loader import load_book
from tougen_pub.pdf import builder as pdf

pytestmark = pytest.mark.slow

TOUGEN = Path(sys.executable).with_name("tougen-pub")
OPF = {"opf": "http://www.idpf.org/2007/opf"}
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40" viewBox="0 0 60 40">\n'
    '  <defs><linearGradient id="g"><stop offset="0" stop-color="#f80"/>'
    '<stop offset="1" stop-color="#08f"/></linearGradient></defs>\n'
    '  <rect width="60" height="40" fill="url(#g)"/>\n'
    '  <circle cx="30" cy="20" r="10" fill="#fff"/>\n'
    "</svg>\n"
)
BODY = """
![赤い角と青い帯のある縦長の図](../images/tall.png)

![緑一色の横長の写真](../images/wide.jpg)

<img src="../images/mark.svg" alt="橙から青へのグラデーションに白い丸の印"/>

<figure><img src="../images/band.png" alt="紫一色の横長の帯"/><figcaption>図の説明文。</figcaption></figure>
"""
RED, BLUE, GREEN, PURPLE = (255, 0, 0), (0, 0, 255), (0, 160, 0), (160, 0, 160)
DPI = 50


def tall_png(path: Path) -> None:
    """200 x 400 px: a red square in the top left corner, a blue band along the bottom."""
    img = Image.new("RGB", (200, 400), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, 79, 79], fill=RED)
    draw.rectangle([0, 320, 199, 399], fill=BLUE)
    img.save(path)


@pytest.fixture(scope="module")
def manuscript(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("images") / "ms"
    shutil.copytree(tiny_root, root)
    (root / "images").mkdir()
    tall_png(root / "images" / "tall.png")
    Image.new("RGB", (1600, 900), GREEN).save(root / "images" / "wide.jpg", quality=90)
    (root / "images" / "mark.svg").write_text(SVG, encoding="utf-8")
    Image.new("RGB", (1200, 400), PURPLE).save(root / "images" / "band.png")
    article = root / "articles" / "01-hajimari.md"
    article.write_text(article.read_text(encoding="utf-8") + BODY, encoding="utf-8")
    # a colour book: the images print as they are (one-colour books are tested in
    # tests/e2e/test_press.py)
    book = root / "book.toml"
    book.write_text(book.read_text(encoding="utf-8") + '\n[print]\ncolour = "colour"\n')
    glossary = root / "glossary.toml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace(
            "NATOの協力プログラム。", "NATOの協力プログラム。![再掲の縦長の図](images/tall.png)"
        ),
        encoding="utf-8",
    )
    return root


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1740000000", "TOUGEN_PROGRESS": "0"}
    return subprocess.run(
        [str(TOUGEN), *args], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture(scope="module")
def built(manuscript: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("images-out")
    jobs = [(kind, mode) for kind in ("pdf", "epub") for mode in ("vertical", "horizontal")]
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda job: run(
                    "build", job[0], "-m", str(manuscript), "-o", str(out), "-w", job[1], "--strict"
                ),
                jobs,
            )
        )
    for job, result in zip(jobs, results, strict=True):
        assert result.returncode == 0, (job, result.stderr)
        assert "warning" not in result.stderr, (job, result.stderr)
    return out


# -- EPUB -------------------------------------------------------------------------------


def test_epubs_pass_epubcheck(built: Path, epubcheck_clean, tmp_path: Path) -> None:
    epubcheck_clean([built / "tiny.epub", built / "tiny-horizontal.epub"], tmp_path)


@pytest.mark.parametrize("name", ["tiny.epub", "tiny-horizontal.epub"])
def test_epub_carries_each_image_once_and_links_it(
    built: Path, manuscript: Path, name: str
) -> None:
    zf = zipfile.ZipFile(io.BytesIO((built / name).read_bytes()))
    opf = etree.fromstring(zf.read("EPUB/content.opf"))
    manifest = {
        "EPUB/" + i.get("href"): i.get("media-type")
        for i in opf.iterfind("opf:manifest/opf:item", OPF)
    }
    expected = {
        "EPUB/images/tall.png": ("image/png", "tall.png"),
        "EPUB/images/wide.jpg": ("image/jpeg", "wide.jpg"),
        "EPUB/images/mark.svg": ("image/svg+xml", "mark.svg"),
        "EPUB/images/band.png": ("image/png", "band.png"),
    }
    for entry, (media_type, source) in expected.items():
        assert manifest[entry] == media_type
        assert zf.namelist().count(entry) == 1
        assert zf.read(entry) == (manuscript / "images" / source).read_bytes()
    used = []
    for doc_name in (n for n in zf.namelist() if n.endswith(".xhtml")):
        doc = etree.fromstring(zf.read(doc_name))
        for img in doc.iterfind(".//x:img", XHTML):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc_name), img.get("src")))
            assert target in manifest, (doc_name, img.get("src"))
            assert img.get("alt", "").strip(), (doc_name, img.get("src"))
            used.append(target)
    assert sorted(set(used) - {"EPUB/images/cover.png"}) == sorted(expected)
    assert used.count("EPUB/images/tall.png") == 2  # the chapter and the glossary


def test_missing_alt_fails_a_strict_epub_build_where_it_is_written(
    manuscript: Path, tmp_path: Path
) -> None:
    ms = tmp_path / "ms"
    shutil.copytree(manuscript, ms)
    article = ms / "articles" / "02-tsuzuki.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n![](../images/wide.jpg)\n", encoding="utf-8"
    )
    line = len(article.read_text(encoding="utf-8").splitlines())
    result = run("build", "epub", "-m", str(ms), "-o", str(tmp_path / "out"), "--strict")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"02-tsuzuki.md:{line}:" in result.stderr and "[image-alt-missing]" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# -- PDF --------------------------------------------------------------------------------


def image_pages(path: Path) -> dict[tuple[int, int], int]:
    """(width, height) of each embedded raster image -> the page where it is drawn largest
    (lowest resolution; pdfimages). The glossary also shows tall.png, inline at 1 em."""
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    best: dict[tuple[int, int], tuple[int, int]] = {}
    for row in listing.splitlines()[2:]:
        cols = row.split()
        size, ppi, page = (int(cols[3]), int(cols[4])), int(cols[12]), int(cols[0])
        if size not in best or ppi < best[size][0]:
            best[size] = (ppi, page)
    return {size: page for size, (_ppi, page) in best.items()}


def raster(path: Path, page: int, tmp: Path) -> Image.Image:
    stem = tmp / f"{path.stem}-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(DPI),
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(path),
            str(stem),
        ],
        check=True,
    )
    return Image.open(f"{stem}.png").convert("RGB")


def bbox_of(img: Image.Image, colour: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom) of the pixels close to ``colour``."""
    raw = img.tobytes()
    mask = bytes(
        255
        if abs(raw[i] - colour[0]) + abs(raw[i + 1] - colour[1]) + abs(raw[i + 2] - colour[2]) < 90
        else 0
        for i in range(0, len(raw), 3)
    )
    box = Image.frombytes("L", img.size, mask).getbbox()
    assert box is not None, f"no {colour} pixels"
    return box


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_pdf_embeds_the_images(built: Path, mode: str) -> None:
    pages = image_pages(built / f"tiny-{mode}.pdf")
    assert (200, 400) in pages and (1600, 900) in pages  # the PNG and the JPEG, full size
    import pypdf

    reader = pypdf.PdfReader(built / f"tiny-{mode}.pdf")
    rotate = {page.get("/Rotate", 0) for page in reader.pages}
    assert rotate == ({90} if mode == "vertical" else {0})


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_pdf_image_stands_upright_on_the_book_page(built: Path, mode: str, tmp_path) -> None:
    path = built / f"tiny-{mode}.pdf"
    page = raster(path, image_pages(path)[(200, 400)], tmp_path)
    assert page.height > page.width  # the book page as it is read
    red, blue = bbox_of(page, RED), bbox_of(page, BLUE)
    # upright: the red square at the top left, the blue band along the bottom
    assert red[3] < blue[1], (red, blue)
    assert abs(red[0] - blue[0]) <= 2 and red[2] < blue[2], (red, blue)
    band_w, band_h = blue[2] - blue[0], blue[3] - blue[1]
    assert band_w > 2 * band_h
    # 200 x 400 px at 96 per inch = 150 x 300 pt, fits the text block as it is
    assert band_w == pytest.approx(150 / 72 * DPI, abs=2)
    assert blue[3] - red[1] == pytest.approx(300 / 72 * DPI, abs=2)


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_pdf_large_image_fits_the_text_block(
    built: Path, manuscript: Path, mode: str, tmp_path
) -> None:
    path = built / f"tiny-{mode}.pdf"
    page = raster(path, image_pages(path)[(1600, 900)], tmp_path)
    left, top, right, bottom = bbox_of(page, GREEN)
    book, _ = load_book(manuscript)
    box_w, box_h = pdf.image_box(pdf.geometry(book, mode, book.config.trim))
    width_pt, height_pt = (right - left) / DPI * 72, (bottom - top) / DPI * 72
    assert width_pt <= box_w + 2 and height_pt <= box_h + 2
    assert width_pt == pytest.approx(box_w, abs=2)  # 1200 pt wide: shrunk to the measure
    assert width_pt / height_pt == pytest.approx(16 / 9, rel=0.03)  # not distorted


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_pdf_image_of_a_figure_fits_the_text_block(
    built: Path, manuscript: Path, mode: str, tmp_path
) -> None:
    """An image inside a raw <figure> is sized as a lone image is (1200 x 400 px: shrunk to
    the measure, 3:1 kept, upright on the book page), not set in a 1-em box."""
    path = built / f"tiny-{mode}.pdf"
    page = raster(path, image_pages(path)[(1200, 400)], tmp_path)
    assert page.height > page.width  # the book page as it is read
    left, top, right, bottom = bbox_of(page, PURPLE)
    book, _ = load_book(manuscript)
    box_w, _box_h = pdf.image_box(pdf.geometry(book, mode, book.config.trim))
    width_pt, height_pt = (right - left) / DPI * 72, (bottom - top) / DPI * 72
    assert width_pt == pytest.approx(box_w, abs=2)  # 900 pt wide: shrunk to the measure
    assert width_pt / height_pt == pytest.approx(3, rel=0.05)  # upright, not distorted
