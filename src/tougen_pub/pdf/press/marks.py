"""Japanese crop marks (トンボ) for the press: bleed and slug around every page's TrimBox,
double corner marks and centre crosses in registration colour, outside the bleed."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pikepdf

from tougen_pub.pdf.press.rotation import Rect, as_rect, inherited, number, wrap_contents

Point = tuple[Decimal, Decimal]

#: the nominal length of the marks beyond the bleed line
MARK_MM = 10.0
#: the marks stop this far inside the MediaBox edge (a RIP may clip what touches it)
QUIET_MM = 1.0
#: 0.1 mm lines
LINE_MM = 0.1
#: the resource name of the registration colour space on the pages
COLOR_SPACE = pikepdf.Name("/TougenRegistration")
_PLACES = Decimal("0.0001")


def add_crop_marks(
    pdf: pikepdf.Pdf, *, bleed_mm: float = 3.0, slug_mm: float = 10.0, one_colour: bool = False
) -> None:
    """Give every page with a ``/TrimBox`` T a bleed and a slug and draw トンボ in the slug.

    ``/BleedBox`` = T + ``bleed_mm`` on each side; ``/MediaBox`` (and ``/CropBox`` if the
    page has one) = the BleedBox + ``slug_mm``. The page's own content is wrapped in
    ``q … Q`` and clipped to what it showed before, within the BleedBox, so the slug holds
    only the marks. The marks, appended as one more content stream, in registration colour
    (``/Separation /All``: every plate) with 0.1 mm lines, never inside the BleedBox:

    - at each corner the double mark: the trim line (仕上がり線, 内トンボ) and the bleed
      line (裁ち落とし線, 外トンボ) of both edges, as two L shapes — the trim line of one
      edge joins the bleed line of the other where they cross outside the bleed;
    - at the middle of each edge a centre cross (センタートンボ): a line on the centre axis
      from the bleed line out, crossed half-way by a bar along the edge.

    A one-colour book (``one_colour``) is printed from the black plate alone: its marks
    are on that plate (``/Separation /Black``, K 100 %), which is every plate it has.

    Lines run from the bleed out to ``min(10 mm, slug − 1 mm)`` beyond it. Pages without a
    TrimBox are left as they are; a page is assumed upright (see :mod:`.rotation`), though
    the marks are drawn in default user space and turn with a ``/Rotate`` like the page.
    """
    for value, name in ((bleed_mm, "bleed_mm"), (slug_mm, "slug_mm")):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite length ≥ 0, not {value!r}")
    reach_mm = min(MARK_MM, slug_mm - QUIET_MM)
    if reach_mm < 2.0:
        raise ValueError(f"slug_mm={slug_mm!r} leaves no room for marks (3 mm at least)")
    bleed, slug, reach, width = (_pt(v) for v in (bleed_mm, slug_mm, reach_mm, LINE_MM))
    color_space: Any = None
    for page in pdf.pages:
        trim = as_rect(page.obj.get("/TrimBox"))
        if trim is None:
            continue
        if color_space is None:
            color_space = pdf.make_indirect(registration_color_space(one_colour))
        _mark_page(page, trim, bleed, slug, reach, width, color_space)


def registration_color_space(one_colour: bool = False) -> pikepdf.Array:
    """``[/Separation /All /DeviceCMYK f]`` with f: t → (t, t, t, t), a Type 2 function;
    for a one-colour book ``[/Separation /Black /DeviceCMYK f]`` with f: t → (0, 0, 0, t)."""
    tint = pikepdf.Dictionary(
        FunctionType=2,
        Domain=pikepdf.Array([0, 1]),
        C0=pikepdf.Array([0, 0, 0, 0]),
        C1=pikepdf.Array([0, 0, 0, 1] if one_colour else [1, 1, 1, 1]),
        N=1,
    )
    plate = pikepdf.Name.Black if one_colour else pikepdf.Name.All
    return pikepdf.Array([pikepdf.Name.Separation, plate, pikepdf.Name.DeviceCMYK, tint])


def mark_lines(trim: Rect, bleed: Decimal, reach: Decimal, width: Decimal) -> list[list[Point]]:
    """The centre lines of the marks around ``trim`` (points), as polylines stroked
    ``width`` wide with butt caps and mitred joins: the edge of every stroke lies on or
    outside the bleed rectangle (each line sits half its width outside the line it marks)."""
    x0, y0, x1, y1 = trim
    half, far = width / 2, bleed + reach
    lines: list[list[Point]] = []
    for cx, dx in ((x0, -1), (x1, 1)):
        for cy, dy in ((y0, -1), (y1, 1)):
            # (u, v): how far out from the trim corner, along the horizontal edge and the
            # vertical one; the trim line of each edge joins the bleed line of the other
            for trim_u, bleed_v in ((half, bleed + half), (bleed + half, half)):
                lines.append(
                    [
                        (cx + dx * trim_u, cy + dy * far),
                        (cx + dx * trim_u, cy + dy * bleed_v),
                        (cx + dx * far, cy + dy * bleed_v),
                    ]
                )
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
    cross = reach / 2
    for y, dy in ((y0, -1), (y1, 1)):  # bottom and top edges
        base = y + dy * bleed
        lines.append([(mid_x, base), (mid_x, base + dy * reach)])
        bar = base + dy * cross
        lines.append([(mid_x - reach, bar), (mid_x + reach, bar)])
    for x, dx in ((x0, -1), (x1, 1)):  # left and right edges
        base = x + dx * bleed
        lines.append([(base, mid_y), (base + dx * reach, mid_y)])
        bar = base + dx * cross
        lines.append([(bar, mid_y - reach), (bar, mid_y + reach)])
    return lines


def marks_stream(lines: list[list[Point]], width: Decimal, color_space: str) -> bytes:
    """The content drawing ``lines`` in tint 1 of ``color_space``, from a clean state."""
    out = [
        "q",
        f"[] 0 d 0 J 0 j 10 M {number(width)} w",
        f"{color_space} CS 1 SCN",
    ]
    for line in lines:
        (x, y), *rest = line
        out.append(f"{number(x)} {number(y)} m")
        out.extend(f"{number(x)} {number(y)} l" for x, y in rest)
    out += ["S", "Q", ""]
    return "\n".join(out).encode("ascii")


def _mark_page(
    page: pikepdf.Page,
    trim: Rect,
    bleed: Decimal,
    slug: Decimal,
    reach: Decimal,
    width: Decimal,
    color_space: Any,
) -> None:
    obj = page.obj
    bleed_box = _grow(trim, bleed)
    media_box = _grow(bleed_box, slug)
    shown = as_rect(inherited(obj, "/CropBox")) or as_rect(inherited(obj, "/MediaBox"))
    clip = _intersect(shown, bleed_box) if shown is not None else bleed_box
    x, y, x1, y1 = clip
    wrap_contents(
        page, f"{number(x)} {number(y)} {number(x1 - x)} {number(y1 - y)} re W n\n".encode()
    )
    name = _color_space_name(page, color_space)
    lines = mark_lines(trim, bleed, reach, width)
    page.contents_add(marks_stream(lines, width, name), prepend=False)
    obj.BleedBox = pikepdf.Array(bleed_box)
    obj.MediaBox = pikepdf.Array(media_box)
    if inherited(obj, "/CropBox") is not None:
        obj.CropBox = pikepdf.Array(media_box)


def _color_space_name(page: pikepdf.Page, color_space: Any) -> str:
    """The page's resource name for the registration colour space, added if missing (the
    resources may be shared by pages: the same name then serves them all)."""
    obj = page.obj
    resources = obj.get("/Resources")
    if resources is None:
        shared = inherited(obj, "/Resources")
        own = dict(shared.items()) if isinstance(shared, pikepdf.Dictionary) else {}
        obj.Resources = pikepdf.Dictionary(own)  # a copy: the tree's stays as it is
        resources = obj.Resources
    spaces = resources.get("/ColorSpace")
    if spaces is None:
        resources.ColorSpace = pikepdf.Dictionary()
        spaces = resources.ColorSpace
    for candidate in _names():
        current = spaces.get(candidate)
        if current is None:
            spaces[candidate] = color_space
            return str(candidate)
        if current.is_indirect and current.objgen == color_space.objgen:
            return str(candidate)
    raise AssertionError("unreachable")


def _names() -> Iterator[pikepdf.Name]:
    yield COLOR_SPACE
    n = 1
    while True:
        yield pikepdf.Name(f"{COLOR_SPACE}{n}")
        n += 1


def _pt(mm: float) -> Decimal:
    return (Decimal(repr(float(mm))) * 72 / Decimal("25.4")).quantize(_PLACES)


def _grow(rect: Rect, by: Decimal) -> Rect:
    x0, y0, x1, y1 = rect
    return x0 - by, y0 - by, x1 + by, y1 + by


def _intersect(a: Rect, b: Rect) -> Rect:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    return x0, y0, max(x0, min(a[2], b[2])), max(y0, min(a[3], b[3]))
