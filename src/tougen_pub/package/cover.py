"""The generated cover image: title, series and authors set in the book's Gothic face.

Vertical editions set the title top to bottom in columns from the right (OpenType
``vert`` alternates for brackets and the long-vowel mark); horizontal editions set it in
centred lines. The image is a PNG of fixed size, identical for identical input.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from tougen_pub.package.fonts import FontRef

SIZE = (1600, 2560)  # 1:1.6, the shape the e-book stores ask for
MARGIN = 160
BACKGROUND = (28, 44, 66)  # indigo
PANEL = (244, 239, 226)  # paper
INK = (28, 36, 48)
ACCENT = (176, 58, 46)  # vermilion rule
LIGHT = (244, 239, 226)
TITLE_SIZES = (220, 200, 180, 160, 140, 120, 104, 92, 80, 72)
MAX_TITLE_LINES = 4
VERT = ["vert", "vrt2"]


@dataclass(frozen=True)
class CoverText:
    """What the cover says."""

    title: str
    subtitle: str | None
    series: str | None
    authors: tuple[str, ...]


def _font(ref: FontRef, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(ref.path), size, index=ref.index)


def _chunks(text: str, per_line: int) -> list[str]:
    """Split a title into lines of at most ``per_line`` characters, at spaces when possible."""
    words = text.split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] = f"{lines[-1]} {word}"
            continue
        while len(word) > per_line:
            lines.append(word[:per_line])
            word = word[per_line:]
        lines.append(word)
    return lines or [""]


def _fit(text: str, length: float) -> tuple[int, list[str]]:
    """The largest title size whose lines (each ``length`` px long) fit in the panel."""
    for size in TITLE_SIZES:
        per_line = max(1, int(length // size))
        lines = _chunks(text, per_line)
        if len(lines) <= MAX_TITLE_LINES:
            return size, lines
    size = TITLE_SIZES[-1]
    return size, _chunks(text, max(1, int(length // size)))


def render_cover(text: CoverText, vertical: bool, font: FontRef) -> bytes:
    """The cover as PNG bytes."""
    width, height = SIZE
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    panel = (MARGIN, MARGIN + 200, width - MARGIN, height - MARGIN - 260)
    draw.rectangle(panel, fill=PANEL)
    draw.rectangle((panel[0], panel[1], panel[2], panel[1] + 24), fill=ACCENT)

    if text.series:
        series_font = _font(font, 84)
        draw.text((width / 2, MARGIN + 100), text.series, font=series_font, fill=LIGHT, anchor="mm")
    authors = "　".join(text.authors)
    if authors:
        author_font = _font(font, 80)
        draw.text(
            (width / 2, height - MARGIN - 130), authors, font=author_font, fill=LIGHT, anchor="mm"
        )

    inner = (panel[0] + 120, panel[1] + 140, panel[2] - 120, panel[3] - 120)
    if vertical:
        _vertical_title(draw, text, font, inner)
    else:
        _horizontal_title(draw, text, font, inner)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _vertical_title(
    draw: ImageDraw.ImageDraw, text: CoverText, font: FontRef, box: tuple[int, int, int, int]
) -> None:
    left, top, right, bottom = box
    size, lines = _fit(text.title, bottom - top)
    title_font = _font(font, size)
    pitch = int(size * 1.25)
    x = right - size / 2
    for line in lines:
        draw.text(
            (x, top), line, font=title_font, fill=INK, anchor="mt", direction="ttb", features=VERT
        )
        x -= pitch
    if text.subtitle:
        sub_size = max(56, size // 2)
        sub_font = _font(font, sub_size)
        for line in _chunks(text.subtitle, max(1, int((bottom - top - size) // sub_size))):
            if x - sub_size / 2 < left:
                break
            draw.text(
                (x - sub_size / 4, top + size),
                line,
                font=sub_font,
                fill=INK,
                anchor="mt",
                direction="ttb",
                features=VERT,
            )
            x -= int(sub_size * 1.4)


def _horizontal_title(
    draw: ImageDraw.ImageDraw, text: CoverText, font: FontRef, box: tuple[int, int, int, int]
) -> None:
    left, top, right, bottom = box
    size, lines = _fit(text.title, right - left)
    title_font = _font(font, size)
    pitch = int(size * 1.35)
    y = top + (bottom - top) / 3 - pitch * (len(lines) - 1) / 2
    for line in lines:
        draw.text(((left + right) / 2, y), line, font=title_font, fill=INK, anchor="mm")
        y += pitch
    if text.subtitle:
        sub_size = max(56, size // 2)
        sub_font = _font(font, sub_size)
        y += sub_size
        for line in _chunks(text.subtitle, max(1, int((right - left) // sub_size))):
            draw.text(((left + right) / 2, y), line, font=sub_font, fill=INK, anchor="mm")
            y += int(sub_size * 1.4)


def cover_alt(text: CoverText) -> str:
    """Alternative text of the cover image: what it shows, in reading order."""
    parts = [f"表紙：{text.title}"]
    if text.subtitle:
        parts.append(text.subtitle)
    if text.series:
        parts.append(f"（{text.series}）")
    if text.authors:
        parts.append("　" + "、".join(text.authors))
    return "".join(parts)
