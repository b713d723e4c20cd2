"""Upright pages: a vertical book's turned pages rewritten without /Rotate look, read and
link exactly as before (poppler renders and text, link rectangles, destinations)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from PIL import Image, ImageChops

from machine import need_tool
from tougen_pub.pdf.press.rotation import flatten_rotation, inherited, wrap_contents
from tougen_pub.pdf.vertical.finish import rotate_pages

DPI = 50
BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")
slow = pytest.mark.slow  # building the tiny book takes a few seconds
MM = Decimal(72) / Decimal("25.4")


# -- helpers ----------------------------------------------------------------------------


def renders(pdf: Path, out: Path, dpi: int = DPI) -> list[Image.Image]:
    """Every page rendered by pdftoppm."""
    need_tool("pdftoppm")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out / "p")], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(out.glob("p-*.png"))]


def page_texts(pdf: Path) -> list[str]:
    need_tool("pdftotext")
    run = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    return run.stdout.decode("utf-8").split("\f")[:-1]


def save(pdf: pikepdf.Pdf, path: Path) -> Path:
    pdf.save(path, deterministic_id=True)
    return path


def flattened(src: Path, dst: Path, edit: Callable[[pikepdf.Pdf], None] | None = None) -> Path:
    with pikepdf.open(src) as pdf:
        if edit is not None:
            edit(pdf)
        flatten_rotation(pdf)
        return save(pdf, dst)


def nums(array) -> list[Decimal]:
    return [Decimal(v) for v in array]


def box(page: pikepdf.Page, key: str) -> list[Decimal] | None:
    value = page.obj.get(key)
    return None if value is None else nums(value)


def size(rect: list[Decimal]) -> tuple[Decimal, Decimal]:
    return abs(rect[2] - rect[0]), abs(rect[3] - rect[1])


def turned_90(x: Decimal, y: Decimal, media: list[Decimal]) -> tuple[Decimal, Decimal]:
    """Where (x, y) of a page with ``/Rotate 90`` and ``media`` lands, worked out from how
    a viewer shows it: turned clockwise, the old top edge becomes the right edge."""
    llx, lly, urx, ury = media
    return lly + (y - lly), llx + (urx - x)


def ink_box(image: Image.Image, rgb: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels close to ``rgb``."""
    r, g, b = (image.getchannel(c) for c in "RGB")
    masks = [
        ch.point(lambda v, t=t: 255 if abs(v - t) < 60 else 0)
        for ch, t in zip((r, g, b), rgb, strict=True)
    ]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.getbbox()


def px_box(rect: list[Decimal], page_height: Decimal) -> tuple[float, float, float, float]:
    """A rectangle in points (origin bottom left) as pixels of a DPI render (top left)."""
    s = DPI / 72
    x0, y0, x1, y1 = (float(v) for v in rect)
    h = float(page_height)
    return x0 * s, (h - y1) * s, x1 * s, (h - y0) * s


# -- the vertical book ------------------------------------------------------------------


#: a small turned document like a vertical book: headings (outlines), anchors (named
#: destinations), links to them and out, over three pages
TURNED = """<html lang="ja"><style>@page { size: 210mm 148mm; margin: 15mm 20mm }
body { font-size: 11pt } .box { background: #c00; width: 30mm; height: 8mm }</style>
<h1 id="top">はじめに</h1><p>本文と <a href="#two">二章へ</a>、<a href="https://example.org/">外へ</a>。</p>
<div class="box"></div><p>Turned text <a href="#three">to the third</a> page.</p>
<h1 id="two" style="break-before: page">二章</h1><p>戻る <a href="#top">はじめに</a>。</p>
<h2 id="three" style="break-before: page">三</h2><p>おわり。</p></html>"""


def _build_book(base: Path, tiny_root: Path) -> Path:
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        target, _ = build_book("pdf", BuildOptions(tiny_root, base / "out", "vertical"))
    return target


@pytest.fixture(scope="module", params=["weasyprint", pytest.param("book", marks=slow)])
def book_pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PDF of landscape pages turned by ``/Rotate 90``: a small WeasyPrint document, or
    the tiny manuscript built as a vertical book."""
    base = tmp_path_factory.mktemp(f"rotation-{request.param}")
    if request.param == "book":
        return _build_book(base, request.getfixturevalue("tiny_root"))
    path = base / "turned.pdf"
    path.write_bytes(weasyprint.HTML(string=TURNED).write_pdf(finisher=rotate_pages()))
    return path


@pytest.fixture(scope="module")
def flat_pdf(book_pdf: Path) -> Path:
    return flattened(book_pdf, book_pdf.with_name("flat.pdf"))


def test_every_page_is_upright_with_turned_boxes(book_pdf: Path, flat_pdf: Path) -> None:
    with pikepdf.open(book_pdf) as before, pikepdf.open(flat_pdf) as after:
        assert len(after.pages) == len(before.pages) >= 3
        for old, new in zip(before.pages, after.pages, strict=True):
            assert old.obj.Rotate == 90
            assert "/Rotate" not in new.obj and "/Rotate" not in after.Root.Pages
            for key in BOXES:
                if key not in old.obj:
                    assert key not in new.obj
                    continue
                w, h = size(box(old, key))
                assert size(box(new, key)) == (h, w)
            w, h = size(box(new, "/MediaBox"))
            assert w < h  # A5 portrait: 148 × 210 mm
            assert abs(w - 148 * MM) < Decimal("0.01") and abs(h - 210 * MM) < Decimal("0.01")


def test_count_and_a_second_pass_changes_nothing(book_pdf: Path, flat_pdf: Path) -> None:
    with pikepdf.open(book_pdf) as pdf:
        assert flatten_rotation(pdf) == len(pdf.pages)
        assert flatten_rotation(pdf) == 0


def test_pixels_are_the_same_on_every_page(book_pdf: Path, flat_pdf: Path, tmp_path: Path) -> None:
    before = renders(book_pdf, tmp_path / "before")
    after = renders(flat_pdf, tmp_path / "after")
    assert len(before) == len(after) >= 3
    for i, (a, b) in enumerate(zip(before, after, strict=True), 1):
        assert a.size == b.size and a.width < a.height, i
        assert ImageChops.difference(a, b).getbbox() is None, f"page {i} differs"


def test_text_is_the_same_on_every_page(book_pdf: Path, flat_pdf: Path) -> None:
    before, after = page_texts(book_pdf), page_texts(flat_pdf)
    assert len(before) == len(after) >= 3
    assert sum(len(t.strip()) for t in after) > 20
    assert before == after


def test_link_rectangles_are_turned_with_the_page(book_pdf: Path, flat_pdf: Path) -> None:
    checked = 0
    with pikepdf.open(book_pdf) as before, pikepdf.open(flat_pdf) as after:
        for old, new in zip(before.pages, after.pages, strict=True):
            media = box(old, "/MediaBox")
            old_annots, new_annots = old.obj.get("/Annots", []), new.obj.get("/Annots", [])
            assert len(old_annots) == len(new_annots)
            for a, b in zip(old_annots, new_annots, strict=True):
                x0, y0, x1, y1 = nums(a.Rect)
                corners = [turned_90(x0, y0, media), turned_90(x1, y1, media)]
                expected = [
                    min(c[0] for c in corners),
                    min(c[1] for c in corners),
                    max(c[0] for c in corners),
                    max(c[1] for c in corners),
                ]
                assert nums(b.Rect) == expected
                assert b.get("/Dest") == a.get("/Dest")
                checked += 1
    assert checked >= 4
    with pikepdf.open(book_pdf) as pdf:  # turned in place, not copied
        objgens = [[a.objgen for a in p.obj.get("/Annots", [])] for p in pdf.pages]
        flatten_rotation(pdf)
        assert [[a.objgen for a in p.obj.get("/Annots", [])] for p in pdf.pages] == objgens


def test_a_link_still_covers_what_it_covered(book_pdf: Path, tmp_path: Path) -> None:
    """Paint each page's first link rectangle magenta (and a green square at the first named
    destination) in the turned book, flatten, and find them where the new numbers say."""
    marked: dict[int, list[Decimal]] = {}
    dest_page: list[int] = []

    def paint(pdf: pikepdf.Pdf) -> None:
        dests = pikepdf.NameTree(pdf.Root.Names.Dests)
        name = sorted(dests.keys())[0]
        dest = dests[name]
        index = next(i for i, p in enumerate(pdf.pages) if p.obj.objgen == dest[0].objgen)
        dest_page.append(index)
        for i, page in enumerate(pdf.pages):
            ops = b""
            annots = page.obj.get("/Annots")
            if annots:
                x0, y0, x1, y1 = nums(annots[0].Rect)
                ops += b"1 0 1 rg %f %f %f %f re f\n" % (x0, y0, x1 - x0, y1 - y0)
                marked[i] = nums(annots[0].Rect)
            if i == index:
                left, top = Decimal(dest[2]), Decimal(dest[3])
                ops += b"0 1 0 rg %f %f 6 -6 re f\n" % (left, top)
            if ops:  # WeasyPrint's content leaves a cm behind: draw after it in a clean state
                page.contents_add(b"q\n", prepend=True)
                page.contents_add(b"\nQ\n" + ops)

    painted = flattened(book_pdf, tmp_path / "painted.pdf", paint)
    images = renders(painted, tmp_path / "png")
    assert len(marked) >= 2
    with pikepdf.open(painted) as pdf:
        for i, _old in marked.items():
            page = pdf.pages[i]
            height = box(page, "/MediaBox")[3]
            found = ink_box(images[i], (255, 0, 255))
            assert found is not None, i
            want = px_box(nums(page.obj.Annots[0].Rect), height)
            assert all(abs(f - w) <= 1.5 for f, w in zip(found, want, strict=True)), (
                i,
                found,
                want,
            )
        index = dest_page[0]
        dests = pikepdf.NameTree(pdf.Root.Names.Dests)
        dest = dests[sorted(dests.keys())[0]]
        assert dest[1] == pikepdf.Name.XYZ
        left, top = Decimal(dest[2]), Decimal(dest[3])
        found = ink_box(images[index], (0, 255, 0))
        assert found is not None
        height = box(pdf.pages[index], "/MediaBox")[3]
        # the old 6×6 square hanging right-down from the point hangs down-left now: the
        # destination's (left, top) is its top-right corner
        x, y = float(left) * DPI / 72, float(height - top) * DPI / 72
        assert abs(found[2] - x) <= 1.5 and abs(found[1] - y) <= 1.5, (found, x, y)


def test_destinations_name_the_same_spot(book_pdf: Path, flat_pdf: Path) -> None:
    with pikepdf.open(book_pdf) as before, pikepdf.open(flat_pdf) as after:
        old = dict(pikepdf.NameTree(before.Root.Names.Dests).items())
        new = dict(pikepdf.NameTree(after.Root.Names.Dests).items())
        assert old.keys() == new.keys() and len(old) >= 3
        pages_before = {p.obj.objgen: i for i, p in enumerate(before.pages)}
        pages_after = {p.obj.objgen: i for i, p in enumerate(after.pages)}
        for name, dest in old.items():
            moved = new[name]
            i = pages_before[dest[0].objgen]
            assert pages_after[moved[0].objgen] == i
            media = box(before.pages[i], "/MediaBox")
            x, y = turned_90(Decimal(dest[2]), Decimal(dest[3]), media)
            assert moved[1] == pikepdf.Name.XYZ
            assert (Decimal(moved[2]), Decimal(moved[3])) == (x, y), name
            assert list(moved)[4:] == list(dest)[4:]
            llx, lly, urx, ury = box(after.pages[i], "/MediaBox")
            assert llx <= x <= urx and lly <= y <= ury
        with before.open_outline() as a, after.open_outline() as b:
            for item_a, item_b in zip(a.root, b.root, strict=True):
                media = box(before.pages[pages_before[item_a.destination[0].objgen]], "/MediaBox")
                want = turned_90(
                    Decimal(item_a.destination[2]), Decimal(item_a.destination[3]), media
                )
                got = (Decimal(item_b.destination[2]), Decimal(item_b.destination[3]))
                assert got == want, item_a.title


def test_same_as_qpdfs_flatten_rotation(book_pdf: Path, flat_pdf: Path) -> None:
    """qpdf's own QPDFPageObjectHelper::flattenRotation (which copies the annotations)
    gives the same boxes, link rectangles and matrix."""
    with pikepdf.open(book_pdf) as theirs, pikepdf.open(flat_pdf) as ours:
        for page in theirs.pages:
            page.flatten_rotation()
        for a, b in zip(theirs.pages, ours.pages, strict=True):
            for key in BOXES:
                assert (box(a, key) is None) == (box(b, key) is None)
                if box(a, key) is not None:
                    assert box(a, key) == box(b, key)
            for x, y in zip(a.obj.get("/Annots", []), b.obj.get("/Annots", []), strict=True):
                assert nums(x.Rect) == nums(y.Rect)
            # the same matrix (qpdf writes five decimals)
            cms = [bytes(p.obj.Contents[0].read_bytes()).split() for p in (a, b)]
            assert [c[0] for c in cms] == [b"q", b"q"] and [c[7] for c in cms] == [b"cm", b"cm"]
            theirs, ours = ([Decimal(v.decode()) for v in c[1:7]] for c in cms)
            assert ours[:5] == [0, -1, 1, 0, 0]
            assert all(abs(x - y) < Decimal("0.00001") for x, y in zip(theirs, ours, strict=True))


def test_qpdf_finds_nothing_wrong(flat_pdf: Path) -> None:
    qpdf = need_tool("qpdf")
    run = subprocess.run([qpdf, "--check", str(flat_pdf)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No syntax or stream encoding errors" in run.stdout
    assert "WARNING" not in run.stdout + run.stderr


def test_deterministic(book_pdf: Path, tmp_path: Path) -> None:
    a = flattened(book_pdf, tmp_path / "a.pdf").read_bytes()
    b = flattened(book_pdf, tmp_path / "b.pdf").read_bytes()
    assert a == b


# -- small documents ---------------------------------------------------------------------

SMALL = """<html lang="ja"><style>@page { size: 148mm 105mm; margin: 10mm }
body { font-size: 12pt } .box { background: #c00; width: 30mm; height: 8mm }</style>
<h1 id="top">向き</h1><p>Turned text <a href="#end">link</a> and <a href="https://example.org/">out</a>.</p>
<div class="box"></div><p id="end" style="break-before: page">the end</p></html>"""


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rotation-small") / "small.pdf"
    path.write_bytes(weasyprint.HTML(string=SMALL).write_pdf(finisher=rotate_pages()))
    return path


def _same_pictures(a: Path, b: Path, tmp_path: Path) -> None:
    before, after = renders(a, tmp_path / "a"), renders(b, tmp_path / "b")
    assert len(before) == len(after)
    for i, (x, y) in enumerate(zip(before, after, strict=True), 1):
        assert x.size == y.size, i
        assert ImageChops.difference(x, y).getbbox() is None, f"page {i} differs"


@pytest.mark.parametrize("angle", [90, 180, 270, -90, 450])
def test_every_quarter_turn(small_pdf: Path, tmp_path: Path, angle: int) -> None:
    with pikepdf.open(small_pdf) as pdf:
        for page in pdf.pages:
            page.obj.Rotate = angle
        turned = save(pdf, tmp_path / "turned.pdf")
    flat = flattened(turned, tmp_path / "flat.pdf")
    with pikepdf.open(flat) as pdf:
        assert all("/Rotate" not in p.obj for p in pdf.pages)
        w, h = size(box(pdf.pages[0], "/MediaBox"))
        assert (w < h) == (angle % 180 == 90)
    _same_pictures(turned, flat, tmp_path)
    assert page_texts(turned) == page_texts(flat)


def test_rotation_inherited_from_the_page_tree(small_pdf: Path, tmp_path: Path) -> None:
    with pikepdf.open(small_pdf) as pdf:
        for page in pdf.pages:
            del page.obj["/Rotate"]
        pdf.Root.Pages.Rotate = 270
        turned = save(pdf, tmp_path / "turned.pdf")
    flat = flattened(turned, tmp_path / "flat.pdf")
    with pikepdf.open(flat) as pdf:
        for page in pdf.pages:  # none of its own, none up the tree (or a 0 shadowing it)
            assert inherited(page.obj, "/Rotate") in (None, 0)
    _same_pictures(turned, flat, tmp_path)


def test_upright_pages_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "upright.pdf"
    path.write_bytes(weasyprint.HTML(string=SMALL).write_pdf())
    with pikepdf.open(path) as pdf:
        before = [bytes(p.obj.Contents.read_bytes()) for p in pdf.pages]
        assert flatten_rotation(pdf) == 0
        assert [bytes(p.obj.Contents.read_bytes()) for p in pdf.pages] == before


def test_mismatched_q_and_Q_cannot_undo_the_turn(small_pdf: Path, tmp_path: Path) -> None:
    """Stray Qs (too many) in the page's content must not pop the turning matrix, and a q
    left open must not leak out. (Viewers disagree on a stray Q, so the page is compared
    with the clean one: only the green bar differs, where the turn puts it.)"""
    with pikepdf.open(small_pdf) as pdf:
        page = pdf.pages[0]
        page.contents_add(b"q\n", prepend=True)  # WeasyPrint leaves a cm behind
        page.contents_add(b"\nQ\nQ Q\n0 1 0 rg 20 20 40 10 re f\nq 2 0 0 2 0 0 cm\n")
        spoiled = save(pdf, tmp_path / "spoiled.pdf")
    flat = flattened(spoiled, tmp_path / "flat.pdf")
    with pikepdf.open(flat) as pdf:
        page = pdf.pages[0]
        media = box(page, "/MediaBox")
        depth, low = 0, 0
        for instruction in pikepdf.parse_content_stream(page, "q Q"):
            depth += 1 if str(instruction.operator) == "q" else -1
            low = min(low, depth)
        assert (low, depth) == (0, 0)
    clean = renders(small_pdf, tmp_path / "clean")[0]
    image = renders(flat, tmp_path / "flat")[0]
    found = ink_box(image, (0, 255, 0))
    assert found is not None
    with pikepdf.open(small_pdf) as pdf:
        old_media = box(pdf.pages[0], "/MediaBox")
    corners = [turned_90(Decimal(x), Decimal(y), old_media) for x, y in ((20, 20), (60, 30))]
    want = px_box(
        [
            min(c[0] for c in corners),
            min(c[1] for c in corners),
            max(c[0] for c in corners),
            max(c[1] for c in corners),
        ],
        media[3],
    )
    assert all(abs(f - w) <= 1.5 for f, w in zip(found, want, strict=True)), (found, want)
    assert ImageChops.difference(clean, image).getbbox() == found


def test_wrap_contents_on_a_page_without_content() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 200))
    page = pdf.pages[0]
    wrap_contents(page, b"1 0 0 1 5 5 cm\n")
    data = b"".join(bytes(s.read_bytes()) for s in page.obj.Contents)
    assert data.split() == b"q 1 0 0 1 5 5 cm Q".split()


def test_wrap_contents_closes_what_the_content_left_open() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 200))
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(b"Q 2 0 0 2 0 0 cm q q BT 1 0 0 1 9 9 Tm")
    wrap_contents(page, b"0 0 50 50 re W n\n")
    data = b" ".join(bytes(s.read_bytes()) for s in page.obj.Contents)
    # one q more for the stray Q to pop (the clip stays below it), then ET and a Q for
    # every q still open: the page's two and ours
    assert data.split() == (
        b"q 0 0 50 50 re W n q Q 2 0 0 2 0 0 cm q q BT 1 0 0 1 9 9 Tm ET Q Q Q".split()
    )


def test_annotation_geometry_and_appearance_turn_in_place() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 200))
    page = pdf.pages[0]
    page.obj.Rotate = 90
    ap = pdf.make_stream(b"0 0 1 rg 0 0 20 10 re f", BBox=[0, 0, 20, 10], Subtype=pikepdf.Name.Form)
    annot = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Highlight,
            Rect=[10, 20, 30, 30],
            QuadPoints=[10, 30, 30, 30, 10, 20, 30, 20],
            AP=pikepdf.Dictionary(N=ap),
        )
    )
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([annot]))
    pdf.Root.OpenAction = pikepdf.Array([page.obj, pikepdf.Name.FitH, 150])
    assert flatten_rotation(pdf) == 1
    # (x, y) → (y, 300 − x)
    assert nums(annot.Rect) == [20, 270, 30, 290]
    assert nums(annot.QuadPoints) == [30, 290, 30, 270, 20, 290, 20, 270]
    assert nums(annot.AP.N.Matrix) == [0, -1, 1, 0, 0, 300]
    assert nums(page.obj.MediaBox) == [0, 0, 200, 300]
    # a horizontal line y = 150 of the turned page is the vertical line x = 150 now
    open_action = pdf.Root.OpenAction
    assert open_action[1] == pikepdf.Name.FitV and Decimal(open_action[2]) == 150
