"""Ink of a one-colour book (pdf/press/ink.py): raster images in gray flattened onto white,
colour found in raster and SVG images, ``image-colour`` where such an image is used."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tougen_pub.diagnostics import Diagnostics, Level, SourceLocation
from tougen_pub.pdf.press.ink import gray_image, has_colour, svg_has_colour, warn_colour_images

RED = (255, 0, 0)
RED_GRAY = 76  # ITU-R 601-2 luma of pure red: 255 * 299 / 1000 = 76.2


def encode(img: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_rgba_png_flattened_onto_white() -> None:
    img = Image.new("RGBA", (4, 1))
    for x, pixel in enumerate([(0, 0, 0, 0), (*RED, 255), (0, 0, 0, 255), (0, 0, 0, 128)]):
        img.putpixel((x, 0), pixel)
    data, mime = gray_image(encode(img), "image/png")
    assert mime == "image/png"
    out = decode(data)
    assert out.format == "PNG" and out.mode == "L"
    assert "transparency" not in out.info
    transparent, red, black, half = out.tobytes()
    assert transparent == 255  # nothing over white: white, not black
    assert red == RED_GRAY
    assert black == 0
    assert abs(half - 127) <= 1  # half black over white


def test_palette_png_with_a_transparent_colour() -> None:
    img = Image.new("P", (2, 1))
    img.putpalette([*RED, 0, 0, 255])
    img.putpixel((0, 0), 0)
    img.putpixel((1, 0), 1)
    data, mime = gray_image(encode(img, transparency=1), "image/png")
    out = decode(data)
    assert (mime, out.mode) == ("image/png", "L")
    assert list(out.tobytes()) == [RED_GRAY, 255]  # the transparent blue is white


def test_rgb_png_to_gray() -> None:
    img = Image.new("RGB", (1, 1), RED)
    out = decode(gray_image(encode(img), "image/png")[0])
    assert out.mode == "L" and list(out.tobytes()) == [RED_GRAY]


def test_jpeg_stays_jpeg() -> None:
    img = Image.new("RGB", (16, 16), RED)
    data, mime = gray_image(encode(img, "JPEG", quality=95), "image/jpeg")
    assert mime == "image/jpeg"
    out = decode(data)
    assert out.format == "JPEG" and out.mode == "L"
    assert abs(out.getpixel((8, 8)) - RED_GRAY) <= 3  # JPEG: within its noise


@pytest.mark.parametrize("fmt, mime", [("GIF", "image/gif"), ("WEBP", "image/webp")])
def test_other_rasters_become_png(fmt: str, mime: str) -> None:
    img = Image.new("RGB", (8, 8), RED)
    data, out_mime = gray_image(
        encode(img, fmt, **({"lossless": True} if fmt == "WEBP" else {})), mime
    )
    assert out_mime == "image/png" and decode(data).format == "PNG"
    assert decode(data).mode == "L"


def save(tmp_path: Path, img: Image.Image, name: str, **options: object) -> Path:
    path = tmp_path / name
    img.save(path, **options)
    return path


def near_gray(size: int = 64, tint: int = 4) -> Image.Image:
    """A gray gradient whose 8-pixel blocks alternate with a green tint of ``tint`` levels
    (the slight cast a scanner or a colour pipeline leaves on a gray picture)."""
    img = Image.new("RGB", (size, size))
    for y in range(size):
        for x in range(size):
            v = 60 + (x * 5 + y * 3) % 140
            img.putpixel((x, y), (v, v + (tint if (x // 8 + y // 8) % 2 else 0), v))
    return img


def spreads(img: Image.Image) -> list[int]:
    """max - min of the channels of each pixel."""
    data = img.convert("RGB").tobytes()
    return [max(data[i : i + 3]) - min(data[i : i + 3]) for i in range(0, len(data), 3)]


def test_has_colour(tmp_path: Path) -> None:
    assert has_colour(save(tmp_path, Image.new("RGB", (4, 4), RED), "red.png"))
    assert has_colour(save(tmp_path, Image.new("RGB", (4, 4), (100, 100, 120)), "blue-gray.png"))
    assert not has_colour(save(tmp_path, Image.new("RGB", (4, 4), (128, 128, 128)), "gray.png"))
    assert not has_colour(save(tmp_path, Image.new("L", (4, 4), 90), "l.png"))
    assert not has_colour(save(tmp_path, Image.new("LA", (4, 4), (90, 0)), "la.png"))
    rgba = Image.new("RGBA", (4, 4), (60, 60, 60, 255))
    assert not has_colour(save(tmp_path, rgba, "rgba-gray.png"))
    rgba.putpixel((3, 3), (*RED, 255))
    assert has_colour(save(tmp_path, rgba, "rgba-one-red-pixel.png"))  # one pixel is enough


def test_has_colour_tolerates_jpeg_noise(tmp_path: Path) -> None:
    """A gray picture with a slight cast, saved as JPEG: its channels differ by a few levels
    here and there (JPEG noise on top of the cast), and it is still gray."""
    jpeg = save(tmp_path, near_gray(), "gray.jpg", quality=75)
    with Image.open(jpeg) as img:
        found = spreads(img)
    assert 0 < max(found) <= 12, max(found)  # some colour noise, under the tolerance
    assert not has_colour(jpeg)
    assert has_colour(save(tmp_path, Image.new("RGB", (16, 16), RED), "red.jpg", quality=75))
    assert has_colour(save(tmp_path, near_gray(tint=30), "tinted.jpg", quality=75))


@pytest.mark.parametrize("spread, coloured", [(12, False), (13, True)])
def test_has_colour_threshold(tmp_path: Path, spread: int, coloured: bool) -> None:
    img = Image.new("RGB", (2, 2), (100, 100 + spread, 100))
    assert has_colour(save(tmp_path, img, "x.png")) is coloured


@pytest.mark.parametrize(
    "svg",
    [
        '<rect fill="#ff0000"/>',
        '<rect fill="#F00"/>',
        '<rect style="fill:#0080ff"/>',
        '<rect fill="rgb(255, 0, 0)"/>',
        '<rect style="stroke: rgba(0,0,255,0.5)"/>',
        '<rect fill="red"/>',
        '<rect stroke="Navy"/>',
        '<stop stop-color="orange"/>',
        '<rect style="fill: teal"/>',
        "<style>.a { background: rgb(0, 128, 255) }</style>",  # rgb() outside fill/stroke
        "<style>.a { background: #0a0 }</style>",
    ],
)
def test_svg_with_colour(svg: str) -> None:
    assert svg_has_colour(f'<svg xmlns="http://www.w3.org/2000/svg">{svg}</svg>')


@pytest.mark.parametrize(
    "svg",
    [
        '<rect fill="#000000"/>',
        '<rect fill="#808080" stroke="#FFF"/>',
        '<rect fill="#aaa"/>',
        '<rect fill="black" stroke="white"/>',
        '<rect fill="gray"/><rect fill="grey"/>',
        '<rect fill="none" stroke="currentColor"/>',
        '<rect style="fill: transparent"/>',
        '<text font-family="serif" font-size="12">灰色の図</text>',
        "<style>.a { background: rgb(40, 40, 40) }</style>",
        "",
    ],
)
def test_svg_in_gray(svg: str) -> None:
    assert not svg_has_colour(f'<svg xmlns="http://www.w3.org/2000/svg">{svg}</svg>')


@pytest.mark.parametrize(
    "svg, coloured",
    [
        ('<rect fill="rgb(10, 10, 10)"/>', False),
        ('<rect style="fill: rgb(128,128,128)"/>', False),
        ('<rect fill="silver" stroke="darkgray"/>', False),
        ('<rect fill="url(#g)"/><stop stop-color="#777"/>', False),
        ('<use href="#bad"/>', False),
        ('<rect fill="#ff000080"/>', True),
    ],
)
def test_svg_colour_misread(svg: str, coloured: bool) -> None:
    assert svg_has_colour(f'<svg xmlns="http://www.w3.org/2000/svg">{svg}</svg>') is coloured


def test_warn_colour_images(tmp_path: Path) -> None:
    red = save(tmp_path, Image.new("RGB", (4, 4), RED), "red.png")
    gray = save(tmp_path, Image.new("RGB", (4, 4), (50, 50, 50)), "gray.png")
    svg = tmp_path / "chart.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect fill="blue"/></svg>', "utf-8")
    gray_svg = tmp_path / "plan.svg"
    gray_svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect fill="#333"/></svg>')
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    uses = [
        (red, SourceLocation("articles/01-a.md", 9, 7)),
        (gray, SourceLocation("articles/01-a.md", 12)),
        (svg, SourceLocation("glossary.toml", 4)),
        (gray_svg, SourceLocation("articles/02-b.md", 3)),
        (broken, SourceLocation("articles/02-b.md", 5)),  # reported by the image checks
        (tmp_path / "gone.png", SourceLocation("articles/02-b.md", 7)),
        (tmp_path / "gone.svg", SourceLocation("articles/02-b.md", 8)),
    ]
    diags = Diagnostics()
    warn_colour_images(uses, diags)
    assert [(d.level, d.code, str(d.location)) for d in diags] == [
        (Level.WARNING, "image-colour", "articles/01-a.md:9:7"),
        (Level.WARNING, "image-colour", "glossary.toml:4"),
    ]
    raster, vector = list(diags)
    assert "'red.png' has colour" in raster.message
    assert "'chart.svg'" in vector.message and "SVG" in vector.message


def test_warn_colour_images_of_a_gray_book_is_silent(tmp_path: Path) -> None:
    gray = save(tmp_path, Image.new("L", (4, 4), 10), "gray.png")
    diags = Diagnostics()
    warn_colour_images([(gray, SourceLocation("articles/01-a.md", 9))], diags)
    assert list(diags) == []
