"""Japanese crop marks: the boxes, marks drawn only outside the bleed in registration
colour (all four plates, no transparency), the page itself unchanged inside the trim."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from PIL import Image, ImageChops

from machine import need_tool
from tougen_pub.pdf.press.marks import add_crop_marks
from tougen_pub.pdf.press.rotation import flatten_rotation
from tougen_pub.pdf.vertical.finish import rotate_pages

MM = Decimal(72) / Decimal("25.4")
TOL = Decimal("0.001")
#: black text and a grey block and page background, all in DeviceCMYK K only
HTML = """<html><style>
@page { size: A5; margin: 20mm; background: device-cmyk(0 0 0 0.08) }
body { font-size: 14pt; color: device-cmyk(0 0 0 1) }
div { background: device-cmyk(0 0 0 0.5); height: 20mm }
</style><p>Crop marks トンボ</p><div></div><p style="break-before: page">two</p></html>"""
PAINT_OPS = {"m", "l", "S"}
STATE_OPS = {"q", "Q", "d", "J", "j", "M", "w", "CS", "SCN"}


# -- helpers ----------------------------------------------------------------------------


def rect(value) -> list[Decimal]:
    return [Decimal(v) for v in value]


def grown(r: list[Decimal], by: Decimal) -> list[Decimal]:
    return [r[0] - by, r[1] - by, r[2] + by, r[3] + by]


def close(a: list[Decimal], b: list[Decimal]) -> bool:
    return all(abs(x - y) <= TOL for x, y in zip(a, b, strict=True))


def marked(src: Path, dst: Path, **kwargs) -> Path:
    with pikepdf.open(src) as pdf:
        add_crop_marks(pdf, **kwargs)
        pdf.save(dst, deterministic_id=True)
    return dst


def render(pdf: Path, out: Path, dpi: int, *extra: str) -> list[Image.Image]:
    need_tool("pdftoppm")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), *extra, "-png", str(pdf), str(out / "p")], check=True
    )
    return [Image.open(p).convert("RGB") for p in sorted(out.glob("p-*.png"))]


def marks_instructions(page: pikepdf.Page) -> list[pikepdf.ContentStreamInstruction]:
    return list(pikepdf.parse_content_stream(page.obj.Contents[-1]))


def polylines(page: pikepdf.Page) -> tuple[list[list[tuple[Decimal, Decimal]]], Decimal]:
    """The subpaths (m, then l…) of the marks stream and its line width."""
    out: list[list[tuple[Decimal, Decimal]]] = []
    width = Decimal(-1)
    for operands, op in marks_instructions(page):
        name = str(op)
        if name == "w":
            width = Decimal(operands[0])
        elif name == "m":
            out.append([(Decimal(operands[0]), Decimal(operands[1]))])
        elif name == "l":
            out[-1].append((Decimal(operands[0]), Decimal(operands[1])))
    return out, width


def segments(page: pikepdf.Page) -> tuple[list[tuple[Decimal, ...]], Decimal]:
    """The straight segments of the marks stream and its line width."""
    lines, width = polylines(page)
    return [(*a, *b) for line in lines for a, b in pairwise(line)], width


def stroked(page: pikepdf.Page) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """The area each segment of the (axis-parallel) marks covers when stroked: half the
    width each side, butt caps at the ends of a subpath, mitred right-angle joins."""
    lines, width = polylines(page)
    half = width / 2
    out = []
    for line in lines:
        for i, ((x0, y0), (x1, y1)) in enumerate(pairwise(line)):
            assert x0 == x1 or y0 == y1  # horizontal and vertical lines only
            start = half if i > 0 else 0  # a join reaches half the width further
            end = half if i < len(line) - 2 else 0
            if y0 == y1:
                lo, hi = (x0 - start, x1 + end) if x0 <= x1 else (x1 - end, x0 + start)
                out.append((lo, y0 - half, hi, y0 + half))
            else:
                lo, hi = (y0 - start, y1 + end) if y0 <= y1 else (y1 - end, y0 + start)
                out.append((x0 - half, lo, x0 + half, hi))
    return out


def inkcov(pdf: Path) -> list[tuple[float, float, float, float]]:
    gs = need_tool("gs")
    run = subprocess.run(
        [gs, "-q", "-o", "-", "-sDEVICE=inkcov", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        tuple(float(v) for v in line.split()[:4])
        for line in run.stdout.splitlines()
        if "CMYK" in line
    ]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("marks") / "plain.pdf"
    path.write_bytes(weasyprint.HTML(string=HTML).write_pdf())
    return path


@pytest.fixture(scope="module")
def with_marks(plain: Path) -> Path:
    return marked(plain, plain.with_name("marked.pdf"))


# -- boxes ------------------------------------------------------------------------------


def test_bleed_and_media_boxes(plain: Path, with_marks: Path) -> None:
    with pikepdf.open(plain) as before, pikepdf.open(with_marks) as after:
        assert len(after.pages) == 2
        for old, new in zip(before.pages, after.pages, strict=True):
            trim = rect(old.obj.TrimBox)
            assert rect(new.obj.TrimBox) == trim
            assert close(rect(new.obj.BleedBox), grown(trim, 3 * MM))
            assert close(rect(new.obj.MediaBox), grown(trim, 13 * MM))
            assert "/CropBox" not in new.obj  # none before, none after
            assert "/Rotate" not in new.obj


def test_a_crop_box_becomes_the_media_box_and_other_lengths(plain: Path, tmp_path: Path) -> None:
    with pikepdf.open(plain) as pdf:
        pdf.pages[0].obj.CropBox = pdf.pages[0].obj.MediaBox
        del pdf.pages[1].obj["/TrimBox"]  # no trim: nothing to mark
        before = pdf.pages[1].obj.MediaBox
        add_crop_marks(pdf, bleed_mm=5, slug_mm=15)
        trim = rect(pdf.pages[0].obj.TrimBox)
        assert close(rect(pdf.pages[0].obj.BleedBox), grown(trim, 5 * MM))
        assert close(rect(pdf.pages[0].obj.MediaBox), grown(trim, 20 * MM))
        assert rect(pdf.pages[0].obj.CropBox) == rect(pdf.pages[0].obj.MediaBox)
        assert rect(pdf.pages[1].obj.MediaBox) == rect(before)
        assert len(pdf.pages[1].obj.Contents.read_bytes()) > 0  # one stream, as it was


@pytest.mark.parametrize(("bleed", "slug"), [(-1, 10), (3, 2.9), (3, float("nan"))])
def test_impossible_lengths_are_refused(plain: Path, bleed: float, slug: float) -> None:
    with pikepdf.open(plain) as pdf, pytest.raises(ValueError):
        add_crop_marks(pdf, bleed_mm=bleed, slug_mm=slug)


# -- the marks stream -------------------------------------------------------------------


def test_marks_lie_outside_the_bleed_and_inside_the_media(with_marks: Path) -> None:
    with pikepdf.open(with_marks) as pdf:
        for page in pdf.pages:
            lines, width = segments(page)
            assert width == Decimal("0.2835")  # 0.1 mm
            assert len(lines) == 4 * 2 * 2 + 4 * 2  # corners: 2 L of 2 lines; centres: 2
            bx0, by0, bx1, by1 = rect(page.obj.BleedBox)
            mx0, my0, mx1, my1 = rect(page.obj.MediaBox)
            areas = stroked(page)
            assert len(areas) == len(lines)
            for left, low, right, high in areas:
                overlap_x = min(right, bx1) - max(left, bx0)
                overlap_y = min(high, by1) - max(low, by0)
                assert overlap_x <= 0 or overlap_y <= 0, (left, low, right, high)
                # and 1 mm clear of the MediaBox edge
                assert mx0 + MM - TOL <= left and right <= mx1 - MM + TOL
                assert my0 + MM - TOL <= low and high <= my1 - MM + TOL
            # the bleed lines' strokes touch the bleed line: not drawn short of it
            assert any(a[2] == bx0 for a in areas) and any(a[1] == by1 for a in areas)
            assert any(a[0] == bx1 for a in areas) and any(a[3] == by0 for a in areas)


def test_the_japanese_corner_mark(with_marks: Path) -> None:
    """Top left: the trim line of each edge and the bleed line of the other form an L."""
    with pikepdf.open(with_marks) as pdf:
        page = pdf.pages[0]
        lines, width = segments(page)
        tx0, _ty0, _tx1, ty1 = rect(page.obj.TrimBox)
        b, h = 3 * MM, width / 2
        near = [s for s in lines if max(s[0], s[2]) <= tx0 and min(s[1], s[3]) >= ty1]
        vertical = sorted((s[0], min(s[1], s[3])) for s in near if s[0] == s[2])
        horizontal = sorted((s[1], max(s[0], s[2])) for s in near if s[1] == s[3])
        # verticals: the bleed line from the trim height, the trim line from the bleed height
        assert [(round(x - tx0, 2), round(y - ty1, 2)) for x, y in vertical] == [
            (round(-b - h, 2), round(h, 2)),
            (round(-h, 2), round(b + h, 2)),
        ]
        # horizontals: the trim line from the bleed line, the bleed line from the trim line
        assert [(round(y - ty1, 2), round(x - tx0, 2)) for y, x in horizontal] == [
            (round(h, 2), round(-b - h, 2)),
            (round(b + h, 2), round(-h, 2)),
        ]


def test_only_the_registration_colour_and_no_transparency(plain: Path, with_marks: Path) -> None:
    with pikepdf.open(plain) as before, pikepdf.open(with_marks) as after:
        for old, new in zip(before.pages, after.pages, strict=True):
            ops = [(list(operands), str(op)) for operands, op in marks_instructions(new)]
            assert {op for _, op in ops} <= PAINT_OPS | STATE_OPS
            assert ops[0][1] == "q" and ops[-1][1] == "Q"
            (space,) = [operands[0] for operands, op in ops if op == "CS"]
            assert [operands for operands, op in ops if op == "SCN"] == [[1]]
            cs = new.obj.Resources.ColorSpace[space]
            assert [cs[0], cs[1], cs[2]] == ["/Separation", "/All", "/DeviceCMYK"]
            fn = cs[3]
            assert fn.FunctionType == 2 and list(fn.Domain) == [0, 1] and fn.N == 1
            assert list(fn.C0) == [0, 0, 0, 0] and list(fn.C1) == [1, 1, 1, 1]
            # the page gained boxes and content, its resources only the colour space
            assert set(new.obj.keys()) - set(old.obj.keys()) <= {"/BleedBox"}
            assert ("/Group" in new.obj) == ("/Group" in old.obj)
            resources = new.obj.Resources
            assert set(resources.keys()) == set(old.obj.Resources.keys()) | {"/ColorSpace"}
            assert set(resources.ExtGState.keys()) == set(old.obj.Resources.ExtGState.keys())


def test_deterministic(plain: Path, tmp_path: Path) -> None:
    a = marked(plain, tmp_path / "a.pdf").read_bytes()
    b = marked(plain, tmp_path / "b.pdf").read_bytes()
    assert a == b


# -- rendered ---------------------------------------------------------------------------


def test_the_page_is_unchanged_inside_the_trim(
    plain: Path, with_marks: Path, tmp_path: Path
) -> None:
    """The marked page shown through CropBox = TrimBox is the page as it was, pixel for pixel."""
    with pikepdf.open(with_marks) as pdf:
        for page in pdf.pages:
            page.obj.CropBox = page.obj.TrimBox
        pdf.save(tmp_path / "trimmed.pdf")
    before = render(plain, tmp_path / "before", 100)
    after = render(tmp_path / "trimmed.pdf", tmp_path / "after", 100, "-cropbox")
    assert len(before) == len(after) == 2
    for a, b in zip(before, after, strict=True):
        assert a.size == b.size
        assert ImageChops.difference(a, b).getbbox() is None


def test_rendered_marks_are_outside_the_bleed(with_marks: Path, tmp_path: Path) -> None:
    dpi = 100
    (image, _) = render(with_marks, tmp_path / "png", dpi)
    with pikepdf.open(with_marks) as pdf:
        page = pdf.pages[0]
        mx0, _, _, my1 = rect(page.obj.MediaBox)
        trim, bleed = rect(page.obj.TrimBox), rect(page.obj.BleedBox)

    def px(r: list[Decimal]) -> tuple[int, int, int, int]:
        s = Decimal(dpi) / 72
        return (
            round((r[0] - mx0) * s),
            round((my1 - r[3]) * s),
            round((r[2] - mx0) * s),
            round((my1 - r[1]) * s),
        )

    tb, bb = px(trim), px(bleed)
    dark = image.convert("L").point(lambda v: 255 if v < 250 else 0)  # any ink
    # the bleed band (between trim and bleed, 1 px off each edge) is blank: the source had
    # no bleed, and the marks stop at the bleed line
    band = dark.copy()
    band.paste(0, (0, 0, band.width, bb[1] + 1))
    band.paste(0, (0, bb[3] - 1, band.width, band.height))
    band.paste(0, (0, 0, bb[0] + 1, band.height))
    band.paste(0, (bb[2] - 1, 0, band.width, band.height))
    band.paste(0, (tb[0] - 1, tb[1] - 1, tb[2] + 1, tb[3] + 1))
    assert band.getbbox() is None
    # every corner and every edge centre has its mark, outside the bleed
    cx, cy = (bb[0] + bb[2]) // 2, (bb[1] + bb[3]) // 2
    zones = {  # beyond the trim corners, beyond the bleed at the edge centres
        "top left": (0, 0, tb[0], tb[1]),
        "top right": (tb[2], 0, image.width, tb[1]),
        "bottom left": (0, tb[3], tb[0], image.height),
        "bottom right": (tb[2], tb[3], image.width, image.height),
        "top": (cx - 40, 0, cx + 40, bb[1]),
        "bottom": (cx - 40, bb[3], cx + 40, image.height),
        "left": (0, cy - 40, bb[0], cy + 40),
        "right": (bb[2], cy - 40, image.width, cy + 40),
    }
    for name, zone in zones.items():
        assert dark.crop(zone).getbbox() is not None, name


def test_ghostscript_reads_it_cleanly(with_marks: Path) -> None:
    gs = need_tool("gs")
    run = subprocess.run(
        [gs, "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(with_marks)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and run.stdout == run.stderr == "", run.stdout + run.stderr


def test_marks_print_on_all_four_plates(plain: Path, with_marks: Path) -> None:
    before, after = inkcov(plain), inkcov(with_marks)
    assert len(before) == len(after) == 2
    for (c0, m0, y0, k0), (c, m, y, k) in zip(before, after, strict=True):
        assert c0 == m0 == y0 == 0 and k0 > 0  # a K-only page
        assert c == m == y > 0  # the marks, on every plate
        assert k > c  # the page's K and the marks


def test_qpdf_finds_nothing_wrong(with_marks: Path) -> None:
    qpdf = need_tool("qpdf")
    run = subprocess.run([qpdf, "--check", str(with_marks)], capture_output=True, text=True)
    assert run.returncode == 0 and "WARNING" not in run.stdout + run.stderr, run.stdout


# -- robustness -------------------------------------------------------------------------


def test_the_pages_graphics_state_cannot_move_the_marks(plain: Path, tmp_path: Path) -> None:
    """A cm left in force (WeasyPrint leaves one), stray Qs and a q left open with another
    cm: the marks are drawn where they are on the clean page, the page as it was."""
    with pikepdf.open(plain) as pdf:
        for page in pdf.pages:
            page.contents_add(b"\nQ Q 2 0 0 2 0 0 cm 0 0 1 RG 5 w\nq 0.5 0 0 0.5 30 30 cm\n")
        pdf.save(tmp_path / "spoiled.pdf")
    clean = render(marked(plain, tmp_path / "clean.pdf"), tmp_path / "clean", 50)
    spoiled = render(marked(tmp_path / "spoiled.pdf", tmp_path / "m.pdf"), tmp_path / "spoiled", 50)
    for a, b in zip(clean, spoiled, strict=True):
        assert ImageChops.difference(a, b).getbbox() is None


def test_a_vertical_book_page_turned_upright_then_marked(tmp_path: Path) -> None:
    src = tmp_path / "vertical.pdf"
    html = "<style>@page { size: 210mm 148mm; margin: 15mm }</style><p>縦組の本文。</p>"
    src.write_bytes(weasyprint.HTML(string=html).write_pdf(finisher=rotate_pages()))
    with pikepdf.open(src) as pdf:
        assert flatten_rotation(pdf) == 1
        add_crop_marks(pdf)
        page = pdf.pages[0]
        assert "/Rotate" not in page.obj
        trim = rect(page.obj.TrimBox)
        assert trim[2] - trim[0] < trim[3] - trim[1]  # A5 portrait
        assert close(rect(page.obj.MediaBox), grown(trim, 13 * MM))
        pdf.save(tmp_path / "marked.pdf")
    assert inkcov(tmp_path / "marked.pdf")[0][0] > 0
