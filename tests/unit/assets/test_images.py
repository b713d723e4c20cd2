"""Images of the text: reading, typing, SVG checks, EPUB names and hrefs, alt text and the
accessibility metadata, and how the print HTML sizes and turns them."""

from __future__ import annotations

import io
import os
import re
import shutil
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree
from PIL import Image

from tougen_pub.assets.images import (
    check_svg,
    image_uses,
    intrinsic_size,
    package_names,
    read_image,
    safe_path,
    sniff,
    svg_size,
)
from tougen_pub.diagnostics import BuildFailed, Diagnostics, SourceLocation
from tougen_pub.epub.builder import accessibility_metadata, epub_bytes, package_images
from tougen_pub.ingest.loader import load_book
from tougen_pub.pdf.geometry import geometry, image_box
from tougen_pub.render.print import PrintPage, PrintRenderer

WHEN = datetime(2025, 3, 1, tzinfo=UTC)
OPF = {"opf": "http://www.idpf.org/2007/opf"}
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
CLEAN_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' width="60" height="40" viewBox="0 0 60 40">\n'
    '  <defs><linearGradient id="g"><stop offset="0" stop-color="#f80"/></linearGradient>\n'
    '  <rect id="r" width="10" height="10"/></defs>\n'
    '  <rect width="60" height="40" fill="url(#g)" style="stroke: url( #g )"/>\n'
    '  <use href="#r"/><use xlink:href="#r" x="20"/>\n'
    "</svg>\n"
)


def png_bytes(size: tuple[int, int] = (20, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 32)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (0, 120, 0)).save(buf, "JPEG")
    return buf.getvalue()


def make_manuscript(tiny_root: Path, dest: Path, body: str, definition: str = "") -> Path:
    shutil.copytree(tiny_root, dest)
    images = dest / "images"
    images.mkdir()
    (images / "tall.png").write_bytes(png_bytes())
    (images / "photo.jpg").write_bytes(jpeg_bytes())
    (images / "mark.svg").write_text(CLEAN_SVG, encoding="utf-8")
    art = dest / "articles" / "01-hajimari.md"
    art.write_text(art.read_text(encoding="utf-8") + body, encoding="utf-8")
    if definition:
        glossary = dest / "glossary.toml"
        text = glossary.read_text(encoding="utf-8")
        glossary.write_text(
            text.replace("NATOの協力プログラム。", "NATOの協力プログラム。" + definition),
            encoding="utf-8",
        )
    return dest


BODY = """
![赤い縦長の図](../images/tall.png)

本文の途中に![緑の写真](../images/photo.jpg)がある。

<img src="../images/mark.svg" alt="橙の印"/>
"""


@pytest.fixture(scope="module")
def book(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory):
    root = make_manuscript(
        tiny_root, tmp_path_factory.mktemp("img") / "ms", BODY, "![再掲の図](images/tall.png)"
    )
    loaded, diags = load_book(root)
    assert loaded is not None and not diags.errors, [d.format() for d in diags]
    return loaded


@pytest.fixture(scope="module")
def packaged(book) -> zipfile.ZipFile:
    diags = Diagnostics()
    data = epub_bytes(book, "vertical", diags, when=WHEN)
    assert not diags.warnings, [d.format() for d in diags]
    return zipfile.ZipFile(io.BytesIO(data))


# -- reading and typing ----------------------------------------------------------------


def test_sniff_by_content() -> None:
    assert sniff(png_bytes()) == "image/png"
    assert sniff(jpeg_bytes()) == "image/jpeg"
    assert sniff(b"GIF89a....") == "image/gif"
    assert sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b'<?xml version="1.0"?>\n' + CLEAN_SVG.encode()) == "image/svg+xml"
    assert sniff(b"\xef\xbb\xbf" + CLEAN_SVG.encode()) == "image/svg+xml"
    assert sniff(b"plain text") is None
    assert sniff(b"<html><body/></html>") is None


def test_symlink_out_of_the_manuscript_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "ms"
    (root / "images").mkdir(parents=True)
    outside = tmp_path / "secret.png"
    outside.write_bytes(png_bytes())
    os.symlink(outside, root / "images" / "link.png")
    (root / "images" / "ok.png").write_bytes(png_bytes())
    assert safe_path(root, "images/ok.png") == (root / "images" / "ok.png").resolve()
    assert safe_path(root, "images/link.png") is None
    assert safe_path(root, "../secret.png") is None
    assert safe_path(root, "images") is None  # a folder
    diags = Diagnostics()
    where = SourceLocation("articles/01.md", 3, 1)
    assert read_image(root, "images/link.png", where, diags) is None
    (error,) = diags.errors
    assert error.code == "image-outside" and error.location == where


def test_content_decides_the_type_and_damage_is_located(tmp_path: Path) -> None:
    root = tmp_path
    (root / "fake.png").write_bytes(jpeg_bytes())
    (root / "text.png").write_bytes(b"not an image at all")
    (root / "cut.png").write_bytes(png_bytes()[:12])
    diags = Diagnostics()
    where = SourceLocation("a.md", 1, 1)
    image = read_image(root, "fake.png", where, diags)
    assert image is not None and image.media_type == "image/jpeg"
    assert (image.width, image.height) == (64, 32)
    assert read_image(root, "text.png", where, diags) is None
    assert read_image(root, "cut.png", where, diags) is None
    assert [d.code for d in diags.errors] == ["image-type", "image-invalid"]


# -- SVG --------------------------------------------------------------------------------


def test_clean_svg_passes_with_its_size() -> None:
    diags = Diagnostics()
    assert check_svg(CLEAN_SVG.encode(), SourceLocation("m.svg"), diags) == (60.0, 40.0, True)
    assert not diags.items


HOSTILE_SVG = [
    ('<image href="http://example.org/x.png" width="1" height="1"/>', "svg-external"),
    ('<image xlink:href="file:///etc/passwd" width="1" height="1"/>', "svg-external"),
    ('<image href="../outside.png" width="1" height="1"/>', "svg-external"),
    ('<image href="data:image/png;base64,AAAA" width="1" height="1"/>', "svg-external"),
    ('<rect width="1" height="1" fill="url(http://example.org/p.svg#g)"/>', "svg-external"),
    ('<rect width="1" height="1" style="fill: url(&quot;x.svg#g&quot;)"/>', "svg-external"),
    ("<style>@import 'http://example.org/a.css';</style>", "svg-external"),
    ("<style>rect { fill: url(other.svg#p) }</style>", "svg-external"),
    ('<a href="https://example.org/"><rect width="1" height="1"/></a>', "svg-external"),
    ("<script>alert(1)</script>", "svg-unsafe"),
    (
        '<foreignObject width="5" height="5"><p xmlns="http://www.w3.org/1999/xhtml">x</p>'
        "</foreignObject>",
        "svg-unsafe",
    ),
    ('<rect width="1" height="1" onclick="alert(1)"/>', "svg-unsafe"),
    ('<iframe xmlns="http://www.w3.org/1999/xhtml" src="x.html"/>', "svg-unsafe"),
]


@pytest.mark.parametrize(("element", "code"), HOSTILE_SVG)
def test_svg_that_loads_or_runs_anything_is_refused_where_it_says_so(
    element: str, code: str
) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="10" height="10">\n'
        '  <rect width="10" height="10"/>\n'
        f"  {element}\n"
        "</svg>\n"
    )
    diags = Diagnostics()
    assert check_svg(svg.encode(), SourceLocation("images/x.svg"), diags) is None
    assert len(diags.errors) == 1, [d.format() for d in diags]  # a refused subtree once
    (error,) = diags.errors
    assert error.code == code
    assert error.location is not None and error.location.path == "images/x.svg"
    assert error.location.line == 3
    assert error.location.column is not None and error.location.column >= 3


def test_svg_prolog_problems_are_refused() -> None:
    pi = b'<?xml-stylesheet href="http://example.org/s.css"?>\n' + CLEAN_SVG.encode()
    entity = (
        b'<!DOCTYPE svg [\n<!ENTITY x "xxxxxxxx">\n]>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    for data, code, line in ((pi, "svg-external", 1), (entity, "svg-unsafe", 2)):
        diags = Diagnostics()
        assert check_svg(data, SourceLocation("s.svg"), diags) is None
        assert [(d.code, d.location.line) for d in diags.errors] == [(code, line)]


def test_svg_not_well_formed_or_not_svg() -> None:
    diags = Diagnostics()
    bad = b'<svg xmlns="http://www.w3.org/2000/svg">\n<rect>\n</svg>'
    assert check_svg(bad, SourceLocation("b.svg"), diags) is None
    assert check_svg(b"<html><body/></html>", SourceLocation("h.svg"), diags) is None
    assert [d.code for d in diags.errors] == ["svg-invalid", "svg-invalid"]
    assert diags.errors[0].location.line == 3


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ('width="30mm" height="1in"', (30 * 96 / 25.4, 96.0, True)),
        ('width="12pt" height="6pt"', (16.0, 8.0, True)),
        ('viewBox="0 0 200 100" width="50"', (50.0, 25.0, True)),
        ('viewBox="0 0 200 100"', (200.0, 100.0, False)),
        ('width="100%" viewBox="0,0,40,80"', (40.0, 80.0, False)),
    ],
)
def test_svg_sizes(attrs: str, expected: tuple[float, float, bool]) -> None:
    root = etree.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg" {attrs}/>')
    w, h, definite = svg_size(root)
    assert (round(w, 6), round(h, 6), definite) == tuple(
        round(v, 6) if isinstance(v, float) else v for v in expected
    )


# -- names inside the package -----------------------------------------------------------


def test_package_names_are_unique_ascii_and_typed() -> None:
    paths = [
        "images/map.png",
        "images/cover.png",
        "images/Map.PNG",
        "images/地図.png",
        "images/写真.png",
        "images/sub dir/x.png",
        "art.png",
        "images/photo.png",
    ]
    types = dict.fromkeys(paths, "image/png") | {"images/photo.png": "image/jpeg"}
    names = package_names(paths, types, taken={"images/cover.png"})
    assert names["images/map.png"] == "images/map.png"
    assert names["images/cover.png"] == "images/cover-2.png"  # the generated cover keeps its
    assert names["images/Map.PNG"] == "images/Map-2.png"  # no case-only twins
    assert names["images/地図.png"] == "images/image.png"
    assert names["images/写真.png"] == "images/image-2.png"
    assert names["images/sub dir/x.png"] == "images/d/x.png"
    assert names["art.png"] == "images/art.png"
    assert names["images/photo.png"] == "images/photo.jpg"  # the extension of the content
    assert len({n.casefold() for n in names.values()}) == len(paths)
    assert all(re.fullmatch(r"images/[A-Za-z0-9._/-]+", n) for n in names.values())


# -- alt text and metadata ------------------------------------------------------------


def test_image_uses_in_order_with_alt_and_place(book) -> None:
    uses = image_uses(book)
    assert [(u.path, u.alt) for u in uses] == [
        ("images/tall.png", "赤い縦長の図"),
        ("images/photo.jpg", "緑の写真"),
        ("images/mark.svg", "橙の印"),
        ("images/tall.png", "再掲の図"),
    ]
    article = (book.root / "articles" / "01-hajimari.md").read_text(encoding="utf-8")
    line = article.splitlines()[uses[1].location.line - 1]
    assert uses[1].location.path.endswith("01-hajimari.md")
    assert line[uses[1].location.column - 1 :].startswith("photo.jpg")
    assert uses[3].location.path.endswith("glossary.toml")


def test_epub_packages_each_image_once_with_its_type(book, packaged) -> None:
    opf = etree.fromstring(packaged.read("EPUB/content.opf"))
    items = {i.get("href"): i.get("media-type") for i in opf.iterfind("opf:manifest/opf:item", OPF)}
    assert items["images/tall.png"] == "image/png"
    assert items["images/photo.jpg"] == "image/jpeg"
    assert items["images/mark.svg"] == "image/svg+xml"
    names = packaged.namelist()
    assert names.count("EPUB/images/tall.png") == 1
    assert packaged.read("EPUB/images/tall.png") == (book.root / "images/tall.png").read_bytes()
    assert packaged.read("EPUB/images/mark.svg").decode() == CLEAN_SVG


def test_epub_img_src_resolves_from_the_page(packaged) -> None:
    seen = {}
    for name in packaged.namelist():
        if not name.endswith(".xhtml"):
            continue
        doc = etree.fromstring(packaged.read(name))
        for img in doc.iterfind(".//x:img", XHTML):
            src = img.get("src")
            assert "@image" not in src
            target = os.path.normpath(os.path.join(os.path.dirname(name), src))
            assert target in packaged.namelist(), (name, src)
            assert img.get("alt"), (name, src)
            seen.setdefault(name.rsplit("/", 1)[1], []).append(src)
    assert seen["ch001.xhtml"] == [
        "../images/tall.png",
        "../images/photo.jpg",
        "../images/mark.svg",
    ]
    assert seen["glossary.xhtml"] == ["../images/tall.png"]
    chapter = packaged.read("EPUB/text/ch001.xhtml").decode()
    assert '<div class="figure"><img alt="赤い縦長の図" src="../images/tall.png"' in chapter
    assert re.search(r"<p>本文の途中に<img [^>]*photo\.jpg", chapter)  # inline stays inline


def test_metadata_with_every_alt(packaged) -> None:
    opf = etree.fromstring(packaged.read("EPUB/content.opf"))
    meta = {}
    for m in opf.iterfind("opf:metadata/opf:meta[@property]", OPF):
        meta.setdefault(m.get("property"), []).append(m.text)
    assert meta["schema:accessMode"] == ["textual", "visual"]
    assert meta["schema:accessModeSufficient"] == ["textual"]
    assert "alternativeText" in meta["schema:accessibilityFeature"]
    assert "すべての画像に代替テキスト" in meta["schema:accessibilitySummary"][0]


def test_missing_alt_is_a_located_warning_and_changes_the_metadata(
    tiny_root: Path, tmp_path: Path
) -> None:
    body = "\n本文。\n\n![](../images/photo.jpg)\n\n![写真](../images/photo.jpg)\n"
    root = make_manuscript(tiny_root, tmp_path / "ms", body)
    loaded, diags = load_book(root)
    assert loaded is not None and not diags.errors
    diags = Diagnostics()
    images = package_images(loaded, diags)
    (warning,) = diags.warnings
    assert warning.code == "image-alt-missing"
    lines = (root / "articles" / "01-hajimari.md").read_text(encoding="utf-8").splitlines()
    assert lines[warning.location.line - 1] == "![](../images/photo.jpg)"
    assert (images.uses, images.without_alt, len(images.files)) == (2, 1, 1)
    rendered = SimpleNamespace(has_ruby=False)
    meta = accessibility_metadata(loaded, rendered, images)  # type: ignore[arg-type]
    assert ("schema:accessModeSufficient", "textual,visual") in meta
    assert ("schema:accessModeSufficient", "textual") not in meta
    assert ("schema:accessibilityFeature", "alternativeText") not in meta
    summary = dict(meta)["schema:accessibilitySummary"]
    assert "画像2点のうち1点には代替テキストがなく" in summary


def test_without_images_the_metadata_is_unchanged(tiny_book) -> None:
    meta = accessibility_metadata(tiny_book, SimpleNamespace(has_ruby=True))  # type: ignore[arg-type]
    assert ("schema:accessModeSufficient", "textual") in meta
    assert ("schema:accessibilityFeature", "alternativeText") in meta
    assert "画像は表紙のみ" in dict(meta)["schema:accessibilitySummary"]


def test_a_bad_svg_stops_the_epub_with_located_errors(tiny_root: Path, tmp_path: Path) -> None:
    root = make_manuscript(tiny_root, tmp_path / "ms", "\n![印](../images/mark.svg)\n")
    loaded, diags = load_book(root)
    assert loaded is not None and not diags.errors
    (root / "images" / "mark.svg").write_text(
        CLEAN_SVG.replace('<use href="#r"/>', '<use href="other.svg#r"/>'), encoding="utf-8"
    )
    diags = Diagnostics()
    with pytest.raises(BuildFailed) as failed:
        epub_bytes(loaded, "horizontal", diags, when=WHEN)
    (error,) = failed.value.diagnostics
    assert error.code == "svg-external"
    assert error.location.path.endswith("images/mark.svg") and error.location.line == 5


# -- print ------------------------------------------------------------------------------


def _renderer(book, mode: str, box=(300.0, 400.0)) -> PrintRenderer:
    page = PrintPage(mode=mode, lang="ja", image_box=box, rotate_images=mode == "vertical")
    return PrintRenderer(book, page)


def test_print_image_box_is_the_text_block(book) -> None:
    for mode in ("horizontal", "vertical"):
        g = geometry(book, mode, "a5")
        w, h = image_box(g)
        line = g.font_size * g.line_height * 3  # figure margins and a heading kept with it
        assert w <= g.page_w - g.inner - g.outer and h <= g.page_h - g.top - g.bottom
        block = (w + line, h) if mode == "vertical" else (w, h + line)
        assert block == pytest.approx((g.page_w - g.inner - g.outer, g.page_h - g.top - g.bottom))


def _style(html: str, needle: str) -> dict[str, str]:
    tag = re.search(rf"<[^>]*{re.escape(needle)}[^>]*>", html).group(0)
    style = re.search(r'style="([^"]*)"', tag).group(1)
    return dict(p.split(":", 1) for p in style.split(";") if p)


def test_print_horizontal_figure_keeps_small_images_and_shrinks_big_ones(book) -> None:
    r = _renderer(book, "horizontal", box=(300.0, 400.0))
    html = r.fragment('<p><img src="@image/images/tall.png" alt="a"/></p>', composed=False)
    assert html.startswith('<div class="figure"')
    assert (book.root / "images/tall.png").resolve().as_uri() in html
    style = _style(html, "tall.png")
    assert (style["width"], style["height"]) == ("15.00pt", "30.00pt")  # 20x40 px
    big = r.fragment(
        '<p><img src="@image/images/photo.jpg" alt="b" width="1200"/></p>', composed=False
    )
    style = _style(big, "photo.jpg")
    assert (style["width"], style["height"]) == ("300.00pt", "150.00pt")  # 2:1 kept
    svg = r.fragment('<p><img src="@image/images/mark.svg" alt="c"/></p>', composed=False)
    assert _style(svg, "mark.svg")["width"] == "45.00pt"


def test_print_vertical_figure_is_turned_upright(book) -> None:
    r = _renderer(book, "vertical", box=(300.0, 400.0))
    html = r.fragment('<p><img src="@image/images/tall.png" alt="a"/></p>', composed=False)
    wrapper = _style(html, 'class="figure-turn"')
    img = _style(html, "tall.png")
    # the image is 15 x 30 pt upright on the book page: its layout box has swapped sides
    assert (img["width"], img["height"]) == ("15.00pt", "30.00pt")
    assert (wrapper["width"], wrapper["height"]) == ("30.00pt", "15.00pt")
    assert img["transform"] == "translate(0,15.00pt) rotate(-90deg)"
    assert img["transform-origin"] == "0 0"


def test_print_image_of_a_figure_is_sized_and_turned_as_a_lone_image(book) -> None:
    figure = (
        '<figure><img src="@image/images/photo.jpg" alt="b" width="1200"/>'
        "<figcaption>説明</figcaption></figure>"
    )
    html = _renderer(book, "horizontal", box=(300.0, 400.0)).fragment(figure, composed=False)
    assert html.startswith("<figure>") and html.endswith("<figcaption>説明</figcaption></figure>")
    style = _style(html, "photo.jpg")
    assert (style["width"], style["height"]) == ("300.00pt", "150.00pt")  # the measure, 2:1
    html = _renderer(book, "vertical", box=(300.0, 400.0)).fragment(figure, composed=False)
    wrapper, img = _style(html, 'class="figure-turn"'), _style(html, "photo.jpg")
    assert (img["width"], img["height"]) == ("300.00pt", "150.00pt")
    assert (wrapper["width"], wrapper["height"]) == ("150.00pt", "300.00pt")
    assert img["transform"] == "translate(0,300.00pt) rotate(-90deg)"
    assert html.index("figure-turn") < html.index("<figcaption>")  # the image stays first


def test_print_inline_image_is_a_one_em_box(book) -> None:
    for mode, turned in (("horizontal", False), ("vertical", True)):
        html = _renderer(book, mode).fragment(
            '<p>前<img src="@image/images/photo.jpg" alt="x"/>後</p>', composed=False
        )
        assert html.startswith("<p>")
        style = _style(html, "photo.jpg")
        assert (style["width"], style["height"]) == ("1em", "1em")
        assert ("transform" in style) is turned


def test_intrinsic_size_never_reads_outside(book, tmp_path: Path) -> None:
    assert intrinsic_size(book.root, "images/tall.png") == (20.0, 40.0, True)
    assert intrinsic_size(book.root, "images/mark.svg") == (60.0, 40.0, True)
    assert intrinsic_size(book.root, "../../etc/passwd") is None
    assert intrinsic_size(book.root, "images/none.png") is None


# -- decompression bombs: refused from the header -------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + payload))
        return struct.pack(">I", len(payload)) + kind + payload + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [10_000, 30_000])  # Pillow warns at 89 Mpx, refuses at 179
def test_decompression_bomb_is_image_invalid(tmp_path: Path, side: int) -> None:
    from tougen_pub.assets.images import read_image
    from tougen_pub.diagnostics import Diagnostics, SourceLocation

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "bomb.png").write_bytes(_png_header(side, side))
    diags = Diagnostics()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning escapes either
        image = read_image(tmp_path, "images/bomb.png", SourceLocation("a.md", 3), diags)
    assert image is None
    (error,) = diags.errors
    assert error.code == "image-invalid" and "decompression bomb" in error.message
    assert error.location == SourceLocation("a.md", 3)
