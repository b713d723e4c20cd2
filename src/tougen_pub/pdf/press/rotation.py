"""Upright pages for the press: every page with ``/Rotate`` rewritten without it (boxes,
content, annotations, destinations), as qpdf's ``--flatten-rotation`` does, in memory."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pikepdf

#: an affine matrix ``(a, b, c, d, e, f)``: x' = a·x + c·y + e, y' = b·x + d·y + f
Matrix = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]
Rect = tuple[Decimal, Decimal, Decimal, Decimal]

BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")
INHERITED_BOXES = ("/MediaBox", "/CropBox")  # the others default to the CropBox
#: annotation keys holding flat lists of x y pairs in default user space
POINT_LISTS = ("/QuadPoints", "/L", "/Vertices", "/CL")
_PLACES = Decimal("0.000001")


def flatten_rotation(pdf: pikepdf.Pdf) -> int:
    """Rewrite every page turned by ``/Rotate`` 90, 180 or 270 (its own or inherited) so that
    it has no rotation and shows the same thing; return the number of pages changed.

    Per page: the boxes are turned (MediaBox ``[0 0 595 420]`` at 90° becomes
    ``[0 0 420 595]``), the content is wrapped in ``q <matrix> cm … Q`` (balanced even if the
    page's own ``q``/``Q`` are not), annotations are turned in place (``/Rect``,
    ``/QuadPoints`` and other point lists, the ``/Matrix`` of appearance streams), and every
    explicit destination onto the page (named destinations, outlines, links, ``/OpenAction``)
    gets the turned coordinates: ``/XYZ left top`` names the same spot of the same page.
    Exact decimal arithmetic, nothing random: the same file gives the same result.
    """
    turns: dict[tuple[int, int], Matrix] = {}
    for page in pdf.pages:
        matrix = page_matrix(page.obj)
        if matrix is not None:
            turns[page.obj.objgen] = matrix
    if not turns:
        return 0
    _turn_destinations(pdf, turns)
    turned: _Turned = {}
    for page in pdf.pages:
        matrix = turns.get(page.obj.objgen)
        if matrix is not None:
            _turn_page(pdf, page, matrix, turned)
    return len(turns)


def page_matrix(page: pikepdf.Dictionary) -> Matrix | None:
    """The matrix that turns the page's content as a viewer shows it under ``/Rotate``, with
    the turned MediaBox where the MediaBox was (qpdf's choice); None for an upright page or
    one without a usable MediaBox."""
    rotate = inherited(page, "/Rotate")
    try:
        angle = int(rotate) % 360 if rotate is not None else 0
    except (TypeError, ValueError):
        return None
    media = as_rect(inherited(page, "/MediaBox"))
    if angle not in (90, 180, 270) or media is None:
        return None
    llx, lly, urx, ury = media
    zero, one = Decimal(0), Decimal(1)
    if angle == 90:  # clockwise: (x, y) → (y, llx + urx − x)
        return (zero, -one, one, zero, zero, llx + urx)
    if angle == 180:
        return (-one, zero, zero, -one, llx + urx, lly + ury)
    return (zero, one, -one, zero, lly + ury, zero)  # 270


def transform_point(m: Matrix, x: Decimal, y: Decimal) -> tuple[Decimal, Decimal]:
    """``(x, y)`` under ``m``."""
    a, b, c, d, e, f = m
    return _clean(a * x + c * y + e), _clean(b * x + d * y + f)


def transform_rect(m: Matrix, rect: Rect) -> Rect:
    """The rectangle ``(llx, lly, urx, ury)`` (any corner order) under ``m``, normalised."""
    x0, y0 = transform_point(m, rect[0], rect[1])
    x1, y1 = transform_point(m, rect[2], rect[3])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def concat(first: Matrix, then: Matrix) -> Matrix:
    """The matrix applying ``first`` and then ``then`` (PDF's ``first × then``)."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = then
    return (
        _clean(a1 * a2 + b1 * c2),
        _clean(a1 * b2 + b1 * d2),
        _clean(c1 * a2 + d1 * c2),
        _clean(c1 * b2 + d1 * d2),
        _clean(e1 * a2 + f1 * c2 + e2),
        _clean(e1 * b2 + f1 * d2 + f2),
    )


def number(value: Decimal) -> str:
    """A decimal as a content-stream number: no exponent, no trailing zeros."""
    text = format(_clean(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def wrap_contents(page: pikepdf.Page, setup: bytes = b"") -> None:
    """Wrap the page's content so that ``setup`` (e.g. ``… cm`` or a clip) applies to all of
    it and the graphics state after it is the page's initial one again, whatever the
    content does: ``q setup q…`` before it (one extra ``q`` for each ``Q`` it has too many,
    so that its stray ``Q`` cannot undo ``setup``), ``ET`` if it ends inside a text object,
    and as many ``Q`` as it left open plus ours after it."""
    low, final, in_text = _nesting(page)
    extra = -low  # Q without their q: each would pop one of ours
    page.contents_add(b"q\n" + setup + b"q\n" * extra, prepend=True)
    tail = (b"ET\n" if in_text else b"") + b"Q\n" * (1 + extra + final)
    page.contents_add(b"\n" + tail, prepend=False)


def _nesting(page: pikepdf.Page) -> tuple[int, int, bool]:
    """(lowest q/Q depth reached, depth at the end, ends inside BT…ET) of the content."""
    if "/Contents" not in page.obj:
        return 0, 0, False
    depth = low = 0
    in_text = False
    for instruction in pikepdf.parse_content_stream(page, "q Q BT ET"):
        op = str(instruction.operator)
        if op == "q":
            depth += 1
        elif op == "Q":
            depth -= 1
            low = min(low, depth)
        else:
            in_text = op == "BT"
    return low, depth, in_text


# -- pages ------------------------------------------------------------------------------


def _turn_page(pdf: pikepdf.Pdf, page: pikepdf.Page, m: Matrix, turned: _Turned) -> None:
    obj = page.obj
    for key in BOXES:
        box = as_rect(inherited(obj, key) if key in INHERITED_BOXES else obj.get(key))
        if box is not None:
            obj[key] = _array(transform_rect(m, box))
    cm = " ".join(number(v) for v in m)
    wrap_contents(page, f"{cm} cm\n".encode("ascii"))
    if "/Rotate" in obj:
        del obj["/Rotate"]
    if inherited(obj, "/Rotate") is not None:
        obj.Rotate = 0  # shadow a /Rotate of the page tree
    annots = obj.get("/Annots")
    if isinstance(annots, pikepdf.Array):
        for annot in annots:
            if isinstance(annot, pikepdf.Dictionary):
                _turn_annotation(pdf, annot, m, turned)


#: appearance streams already turned: objgen → (matrix applied, their own /Matrix before)
_Turned = dict[tuple[int, int], tuple[Matrix, "Matrix | None"]]


def _turn_annotation(pdf: pikepdf.Pdf, annot: Any, m: Matrix, turned: _Turned) -> None:
    """Turn the annotation in place (it keeps its object number: the structure tree's
    ``/OBJR`` and anything else pointing at it stay right)."""
    rect = as_rect(annot.get("/Rect"))
    if rect is not None:
        annot.Rect = _array(transform_rect(m, rect))
    for key in POINT_LISTS:
        points = annot.get(key)
        if isinstance(points, pikepdf.Array):
            annot[key] = _turn_points(points, m)
    ink = annot.get("/InkList")
    if isinstance(ink, pikepdf.Array):
        annot.InkList = pikepdf.Array(
            [_turn_points(path, m) if isinstance(path, pikepdf.Array) else path for path in ink]
        )
    appearances = annot.get("/AP")
    if not isinstance(appearances, pikepdf.Dictionary):
        return
    for key in sorted(appearances.keys()):
        value: Any = appearances[key]
        if isinstance(value, pikepdf.Stream):
            appearances[key] = _turn_appearance(pdf, value, m, turned)
        elif isinstance(value, pikepdf.Dictionary):
            for state in sorted(value.keys()):
                if isinstance(value[state], pikepdf.Stream):
                    value[state] = _turn_appearance(pdf, value[state], m, turned)


def _turn_appearance(pdf: pikepdf.Pdf, stream: Any, m: Matrix, turned: _Turned) -> Any:
    """The appearance stream with ``/Matrix`` turned: the appearance fitted into the turned
    ``/Rect`` turns with the page. A stream shared by annotations is turned once; one shared
    by pages turned differently is copied for the later ones."""
    key = stream.objgen
    if key in turned:
        applied, original = turned[key]
        if applied == m:
            return stream
        copy = pikepdf.Stream(pdf, stream.read_raw_bytes())
        for name, value in stream.stream_dict.items():
            if name != "/Length":
                copy[name] = value
        copy.Matrix = _array(concat(original or _IDENTITY, m))
        return pdf.make_indirect(copy)
    original = _matrix(stream.get("/Matrix"))
    stream.Matrix = _array(concat(original or _IDENTITY, m))
    if key != (0, 0):
        turned[key] = (m, original)
    return stream


def _turn_points(points: pikepdf.Array, m: Matrix) -> pikepdf.Array:
    values = [_decimal(v) for v in points]
    if any(v is None for v in values) or len(values) % 2:
        return points
    out: list[Decimal] = []
    for x, y in zip(values[0::2], values[1::2], strict=True):
        assert x is not None and y is not None
        out.extend(transform_point(m, x, y))
    return _array(out)


# -- destinations -----------------------------------------------------------------------


def _turn_destinations(pdf: pikepdf.Pdf, turns: dict[tuple[int, int], Matrix]) -> None:
    """Every explicit destination onto a turned page, wherever the document keeps one."""
    done: set[tuple[int, int]] = set()  # indirect destination arrays already turned
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
        tree = pikepdf.NameTree(names.Dests)
        for name, value in list(tree.items()):
            new = _turned_dest(value, turns, done)
            if new is not None:
                tree[name] = new
    old_style = root.get("/Dests")
    if isinstance(old_style, pikepdf.Dictionary):
        for key in list(old_style.keys()):
            _replace(old_style, key, turns, done)
    if "/OpenAction" in root:
        _replace(root, "/OpenAction", turns, done)
    outlines = root.get("/Outlines")
    if isinstance(outlines, pikepdf.Dictionary):
        for item in _outline_items(outlines):
            _replace(item, "/Dest", turns, done)
            _replace(item, "/A", turns, done)
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for annot in annots:
                if isinstance(annot, pikepdf.Dictionary):
                    _replace(annot, "/Dest", turns, done)
                    _replace(annot, "/A", turns, done)


def _replace(
    holder: Any,
    key: str,
    turns: dict[tuple[int, int], Matrix],
    done: set[tuple[int, int]],
) -> None:
    value = holder.get(key)
    if value is None:
        return
    new = _turned_dest(value, turns, done)
    if new is not None:
        holder[key] = new


def _turned_dest(
    value: Any, turns: dict[tuple[int, int], Matrix], done: set[tuple[int, int]], depth: int = 0
) -> Any:
    """A turned copy of a direct destination (array, ``<< /D … >>`` or a GoTo action with its
    ``/Next`` chain) to store in place of ``value``; indirect ones are turned where they are
    (once) and None is returned, as for anything that needs no change."""
    if depth > 32:
        return None
    indirect = isinstance(value, pikepdf.Object) and value.is_indirect
    if indirect:
        if value.objgen in done:
            return None
        done.add(value.objgen)
    if isinstance(value, pikepdf.Array):
        turned = _turned_array(value, turns)
        if turned is None or not indirect:
            return turned
        for i, item in enumerate(turned):
            value[i] = item
        while len(value) > len(turned):
            del value[len(value) - 1]
        return None
    if isinstance(value, pikepdf.Dictionary):
        changed = False
        target = value if indirect else pikepdf.Dictionary(dict(value.items()))  # a copy
        action = target.get("/S")
        if "/D" in target and action in (None, pikepdf.Name.GoTo):
            new = _turned_dest(target.D, turns, done, depth + 1)
            if new is not None:
                target.D = new
                changed = True
        if "/Next" in target:
            nxt = target.Next
            items = list(nxt) if isinstance(nxt, pikepdf.Array) else [nxt]
            news = [_turned_dest(item, turns, done, depth + 1) for item in items]
            if any(n is not None for n in news):
                merged = [n if n is not None else o for n, o in zip(news, items, strict=True)]
                target.Next = pikepdf.Array(merged) if isinstance(nxt, pikepdf.Array) else merged[0]
                changed = True
        return target if changed and not indirect else None
    return None


def _turned_array(
    dest: pikepdf.Array, turns: dict[tuple[int, int], Matrix]
) -> pikepdf.Array | None:
    """``[page /XYZ left top zoom]`` and the other explicit forms on a turned page, turned:
    a point stays the same spot; ``/FitH top`` on a page turned by 90° becomes ``/FitV`` at
    the same line (and the reverse); ``/FitR`` a turned rectangle; ``/Fit``, ``/FitB`` as
    they were. Null coordinates stay null ("keep the current one")."""
    if len(dest) < 2 or not isinstance(dest[0], pikepdf.Dictionary):
        return None
    m = turns.get(dest[0].objgen)
    if m is None:
        return None
    kind = str(dest[1])
    args = [_decimal(v) for v in list(dest)[2:]]
    quarter = m[0] == 0  # 90 or 270: x' depends on y, y' on x
    head: list[Any] = [dest[0]]
    if kind == "/XYZ":
        left, top = (args + [None, None])[:2]
        new_left = _coord(m, top if quarter else left, axis=0)
        new_top = _coord(m, left if quarter else top, axis=1)
        rest = list(dest)[4:]
        return pikepdf.Array([*head, pikepdf.Name.XYZ, new_left, new_top, *rest])
    if kind in ("/FitH", "/FitBH", "/FitV", "/FitBV"):
        value = args[0] if args else None
        horizontal = kind in ("/FitH", "/FitBH")  # the argument is a y
        bounded = "B" in kind
        if quarter:
            # a horizontal line y = v turns into the vertical line x = v' (and back)
            new = _coord(m, value, axis=0 if horizontal else 1)
            name = (
                ("/FitBV" if bounded else "/FitV")
                if horizontal
                else ("/FitBH" if bounded else "/FitH")
            )
        else:
            new = _coord(m, value, axis=1 if horizontal else 0)
            name = kind
        return pikepdf.Array([*head, pikepdf.Name(name), new])
    if kind == "/FitR" and len(args) >= 4 and all(a is not None for a in args[:4]):
        rect = transform_rect(m, tuple(args[:4]))  # type: ignore[arg-type]
        return pikepdf.Array([*head, pikepdf.Name.FitR, *rect])
    return None  # /Fit, /FitB: nothing to turn


def _coord(m: Matrix, value: Decimal | None, axis: int) -> Decimal | None:
    """The new coordinate on ``axis`` (0: x, 1: y) given the one old coordinate it depends
    on (a turn by a multiple of 90° maps each axis onto one axis)."""
    if value is None:
        return None
    a, b, c, d, e, f = m
    if axis == 0:
        return _clean((a or c) * value + e)
    return _clean((b or d) * value + f)


def _outline_items(outlines: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    seen: set[tuple[int, int]] = set()
    stack = [outlines.get("/First")]
    while stack:
        item = stack.pop()
        while isinstance(item, pikepdf.Dictionary):
            if item.objgen in seen:
                break
            seen.add(item.objgen)
            yield item
            stack.append(item.get("/First"))
            item = item.get("/Next")


# -- values -----------------------------------------------------------------------------

_IDENTITY: Matrix = (Decimal(1), Decimal(0), Decimal(0), Decimal(1), Decimal(0), Decimal(0))


def inherited(page: Any, key: str) -> Any:
    """The page's value for ``key``, or the nearest one up the page tree (None: none)."""
    node: Any = page
    seen: set[tuple[int, int]] = set()
    while isinstance(node, pikepdf.Dictionary):
        if key in node:
            return node[key]
        if node.is_indirect:
            if node.objgen in seen:
                return None
            seen.add(node.objgen)
        node = node.get("/Parent")
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def as_rect(value: Any) -> Rect | None:
    """A PDF rectangle as ``(llx, lly, urx, ury)``, normalised; None if it is not one."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    nums = [n for n in (_decimal(v) for v in value) if n is not None]
    if len(nums) != 4:
        return None
    x0, y0, x1, y1 = nums
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _matrix(value: Any) -> Matrix | None:
    if not isinstance(value, pikepdf.Array) or len(value) != 6:
        return None
    nums = [_decimal(v) for v in value]
    if any(v is None for v in nums):
        return None
    return tuple(nums)  # type: ignore[return-value]


def _clean(value: Decimal) -> Decimal:
    """At most six decimal places, no negative zero (exact for sums of page coordinates)."""
    if value.as_tuple().exponent < -6:  # type: ignore[operator]
        value = value.quantize(_PLACES)
    return value.normalize() if value != 0 else Decimal(0)


def _array(values: Any) -> pikepdf.Array:
    return pikepdf.Array([_clean(v) for v in values])
