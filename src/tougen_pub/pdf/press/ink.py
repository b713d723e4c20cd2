"""Ink of a one-colour book: raster images served to the layout in gray (K only, flattened
onto white: no soft mask), and a located warning for each image that has colour.

Text, rules and ruby are K-only through the print stylesheet (``device-cmyk(0 0 0 1)``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

from tougen_pub.diagnostics import Diagnostics, SourceLocation

RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
JPEG_QUALITY = 92
# A pixel whose channels differ by more than this is coloured (JPEG noise stays below).
COLOUR_TOLERANCE = 12


def gray_image(data: bytes, mime_type: str) -> tuple[bytes, str]:
    """The image in gray, flattened onto white; JPEG stays JPEG, the rest becomes PNG."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            gray = Image.alpha_composite(white, rgba).convert("L")
        else:
            gray = img.convert("L")
    out = io.BytesIO()
    if mime_type == "image/jpeg":
        gray.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
        return out.getvalue(), "image/jpeg"
    gray.save(out, "PNG", optimize=False)
    return out.getvalue(), "image/png"


def has_colour(path: Path) -> bool:
    """True when some pixel of the image is not gray (within JPEG noise)."""
    from PIL import Image, ImageChops

    with Image.open(path) as img:
        if img.mode in ("1", "L", "LA", "I", "I;16", "F"):
            return False
        rgb = img.convert("RGB")
    r, g, b = rgb.split()
    spread = ImageChops.difference(
        ImageChops.lighter(ImageChops.lighter(r, g), b),
        ImageChops.darker(ImageChops.darker(r, g), b),
    )
    low_high = spread.getextrema()
    assert isinstance(low_high, tuple) and isinstance(low_high[1], int)  # one 8-bit band
    return low_high[1] > COLOUR_TOLERANCE


# Where an SVG names a colour: presentation attributes and style properties.
COLOUR_VALUE = re.compile(
    r"(?:fill|stroke|stop-color|flood-color|lighting-color|background(?:-color)?|color)"
    r"\s*(?:=\s*[\"']|:\s*)"
    r"([^;\"'<>}]+)"
)
HEX_VALUE = re.compile(r"#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
RGB_VALUE = re.compile(r"rgba?\(\s*([\d.]+%?)[\s,]+([\d.]+%?)[\s,]+([\d.]+%?)")
GRAY_NAMES = frozenset(
    {"black", "white", "gray", "grey", "silver", "gainsboro", "whitesmoke", "lightgray",
     "lightgrey", "darkgray", "darkgrey", "dimgray", "dimgrey", "slategray", "none",
     "currentcolor", "transparent", "inherit", "context-fill", "context-stroke"}
)  # fmt: skip


def svg_has_colour(text: str) -> bool:
    """True when an SVG paints with a colour that is not a gray (hex, rgb() or a name);
    references (``url(#gradient)``) are judged where the gradient names its colours."""
    for m in COLOUR_VALUE.finditer(text):
        value = m.group(1).strip()
        lowered = value.lower()
        if lowered.startswith("url("):
            continue
        if hexa := HEX_VALUE.fullmatch(value):
            digits = hexa.group(1)
            if len(digits) in (3, 4):
                digits = "".join(c * 2 for c in digits)
            if len({digits[0:2].lower(), digits[2:4].lower(), digits[4:6].lower()}) > 1:
                return True
        elif rgb := RGB_VALUE.match(value):
            if len({rgb.group(1), rgb.group(2), rgb.group(3)}) > 1:
                return True
        elif lowered.isalpha() and lowered not in GRAY_NAMES:
            return True
    return False


def warn_colour_images(images: Iterable[tuple[Path, SourceLocation]], diags: Diagnostics) -> None:
    """``image-colour``: an image of a one-colour book that has colour (printed in gray)."""
    for path, where in images:
        if path.suffix.lower() == ".svg":
            try:
                coloured = svg_has_colour(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            if coloured:
                diags.warning(
                    "image-colour",
                    f"SVG image '{path.name}' keeps its own colours in a one-colour book "
                    '([print] colour = "gray"); use a raster image or gray strokes',
                    where,
                )
            continue
        try:
            coloured = has_colour(path)
        except Exception:  # noqa: BLE001 - an unreadable image is reported by the image checks
            continue
        if coloured:
            diags.warning(
                "image-colour",
                f"image '{path.name}' has colour; the one-colour book prints it in gray "
                '([print] colour = "colour" keeps it)',
                where,
            )
