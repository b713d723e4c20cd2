"""The preflight checks, one function each, and the press profiles they apply.

Each check adds located diagnostics (``FILE.pdf#page=N``) with a ``preflight-…`` code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from tougen_pub.diagnostics import Diagnostics, Level, SourceLocation
from tougen_pub.pdf.preflight.scan import MM, RGB_SPACES, PageScan, scan_pages

KANJI_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
FOLIO_ZONE_MM = 25.0  # a page number is looked for this close to a trim edge
SAFE_ZONE_MM = 5.0  # text closer to the trim than this may be cut
MIN_PPI = 300.0


@dataclass(frozen=True)
class Press:
    """What a press (or print service) asks of a PDF."""

    name: str
    title: str
    pdfx_version: str | None = None  # GTS_PDFXVersion that must be declared
    transparency: bool = True  # transparency allowed
    annotations: bool = True  # annotations allowed
    rgb: str = "error"  # level of RGB content
    min_bleed_mm: float = 3.0
    marks: bool = True  # anything outside the bleed allowed (crop marks)
    max_version: str | None = None  # highest PDF version


PRESSES = {
    "print": Press("print", "any press"),
    "x1a": Press(
        "x1a",
        "PDF/X-1a:2003",
        pdfx_version="PDF/X-1a:2003",
        transparency=False,
        annotations=False,
        max_version="1.4",
    ),
    "x4": Press("x4", "PDF/X-4", pdfx_version="PDF/X-4"),
    "kdp": Press("kdp", "KDP paperback", rgb="warning", min_bleed_mm=3.175, marks=False),
}


@dataclass
class Context:
    path: Path
    pdf: Any  # pikepdf.Pdf
    reader: Any  # pypdf.PdfReader
    press: Press
    pages_multiple: int

    @cached_property
    def scans(self) -> list[PageScan]:
        return list(scan_pages(self.pdf, self.reader))

    def where(self, number: int | None = None) -> SourceLocation:
        return page_location(self.path, number)


def page_location(path: Path, number: int | None = None) -> SourceLocation:
    """``FILE.pdf#page=N``: the page as a PDF viewer opens it."""
    return SourceLocation(f"{path}#page={number}" if number else str(path))


def _box(page: Any, name: str) -> tuple[float, float, float, float] | None:
    box = page.obj.get(name)
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def trim_box(page: Any) -> tuple[float, float, float, float]:
    return _box(page, "/TrimBox") or _box(page, "/CropBox") or _box(page, "/MediaBox")  # type: ignore[return-value]


def check_boxes(ctx: Context, diags: Diagnostics) -> None:
    """TrimBox on every page, a bleed of at least the press's, nothing outside it for KDP."""
    for number, page in enumerate(ctx.pdf.pages, 1):
        trim = _box(page, "/TrimBox")
        if trim is None:
            diags.error(
                "preflight-boxes", "no TrimBox: the trim size is unknown", ctx.where(number)
            )
            continue
        media = _box(page, "/MediaBox")
        bleed = _box(page, "/BleedBox") or media
        assert bleed is not None and media is not None
        bleed = (  # what is not on the page is no bleed
            max(bleed[0], media[0]),
            max(bleed[1], media[1]),
            min(bleed[2], media[2]),
            min(bleed[3], media[3]),
        )
        margin = min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
        if margin / MM < ctx.press.min_bleed_mm - 0.05:
            diags.error(
                "preflight-bleed",
                f"bleed {margin / MM:.1f} mm; {ctx.press.title} asks for "
                f"{ctx.press.min_bleed_mm:g} mm beyond the trim",
                ctx.where(number),
            )
        if not ctx.press.marks and media != bleed:
            diags.error(
                "preflight-marks",
                f"the page extends beyond the bleed (crop marks?); {ctx.press.title} takes none",
                ctx.where(number),
            )


def check_rotation(ctx: Context, diags: Diagnostics) -> None:
    rotated = [n for n, p in enumerate(ctx.pdf.pages, 1) if int(p.obj.get("/Rotate", 0)) % 360]
    if rotated:
        diags.warning(
            "preflight-rotate",
            f"{len(rotated)} page(s) are stored landscape with /Rotate (from page {rotated[0]}): "
            "automated checkers read the unrotated size",
            ctx.where(rotated[0]),
        )


def check_page_count(ctx: Context, diags: Diagnostics) -> None:
    count = len(ctx.pdf.pages)
    if ctx.pages_multiple > 1 and count % ctx.pages_multiple:
        missing = ctx.pages_multiple - count % ctx.pages_multiple
        diags.error(
            "preflight-page-count",
            f"{count} pages: not a multiple of {ctx.pages_multiple} "
            f"({missing} blank page(s) short)",
            ctx.where(),
        )


def folio_forms(number: int, label: str | None = None) -> set[str]:
    """How page ``number`` may be printed: arabic, kanji (一二), or its page label."""
    forms = {str(number), str(number).translate(KANJI_DIGITS)}
    if label:
        forms.add(label)
    return forms


def check_folios(ctx: Context, diags: Diagnostics) -> None:
    """A page number on every page, in a margin (near a trim edge)."""
    labels = list(ctx.reader.page_labels) if ctx.pdf.Root.get("/PageLabels") else []
    missing: list[int] = []
    for scan, page in zip(ctx.scans, ctx.pdf.pages, strict=True):
        forms = folio_forms(scan.number, labels[scan.number - 1] if labels else None)
        trim = trim_box(page)
        candidates = [
            run
            for run in scan.text
            if run.text.strip() in forms and _edge_distance(trim, run.x, run.y) < FOLIO_ZONE_MM * MM
        ]
        others = [p for run in scan.text if run not in candidates for p in run.points]
        # a page number stands in a margin: outside the area of the page's other text (a
        # line of the text that happens to start with the number is not one)
        found = any(not _inside(others, run.x, run.y) for run in candidates)
        if not found:
            missing.append(scan.number)
    for number in missing:
        diags.error(
            "preflight-folio",
            f"no page number (ノンブル) {number} in a margin of the page",
            ctx.where(number),
        )


def _inside(points: list[tuple[float, float]], x: float, y: float) -> bool:
    """True when (x, y) lies within the bounding box of ``points`` (none: nowhere)."""
    if not points:
        return False
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs) - 0.5 <= x <= max(xs) + 0.5 and min(ys) - 0.5 <= y <= max(ys) + 0.5


def _edge_distance(box: tuple[float, float, float, float], x: float, y: float) -> float:
    return min(x - box[0], box[2] - x, y - box[1], box[3] - y)


def check_safe_zone(ctx: Context, diags: Diagnostics) -> None:
    """Text at least 5 mm inside the trim (the worst run of each page is named)."""
    for scan, page in zip(ctx.scans, ctx.pdf.pages, strict=True):
        trim = trim_box(page)
        worst: tuple[float, str] | None = None
        for run in scan.text:
            distance = min(_edge_distance(trim, x, y) for x, y in run.points)
            if worst is None or distance < worst[0]:
                worst = (distance, run.text.strip())
        if worst is not None and worst[0] < SAFE_ZONE_MM * MM:
            diags.warning(
                "preflight-safe-zone",
                f"text {worst[0] / MM:.1f} mm from the trim ({worst[1][:20]!r}); keep "
                f"{SAFE_ZONE_MM:g} mm",
                ctx.where(scan.number),
            )


def check_fonts(ctx: Context, diags: Diagnostics) -> None:
    """Embedded, not Type 3, one program per face and per subset tag."""
    programs: dict[str, set[str]] = defaultdict(set)
    tags: dict[str, set[str]] = defaultdict(set)
    first_page: dict[str, int] = {}
    for scan in ctx.scans:
        for font in scan.fonts:
            first_page.setdefault(font.base_font, scan.number)
            if font.subtype == "Type3":
                diags.error(
                    "preflight-font-type3",
                    f"font {font.base_font} is Type 3 (drawn shapes, not a font program)",
                    ctx.where(scan.number),
                )
            elif not font.embedded:
                diags.error(
                    "preflight-font-embed",
                    f"font {font.base_font} is not embedded",
                    ctx.where(scan.number),
                )
            else:
                programs[font.face].add(font.program)
                if font.tag:
                    tags[font.tag].add(font.program)
    for face, found in sorted(programs.items()):
        if len(found) > 1:
            diags.error(
                "preflight-font-duplicate",
                f"face {face} is embedded as {len(found)} different programs (one subset per face "
                "is expected)",
                ctx.where(),
            )
    for tag, found in sorted(tags.items()):
        if len(found) > 1:
            diags.error(
                "preflight-font-duplicate",
                f"subset tag {tag} names {len(found)} different programs (ISO 32000-1 9.6.4)",
                ctx.where(),
            )


def check_colour(ctx: Context, diags: Diagnostics) -> None:
    for scan in ctx.scans:
        rgb = {space: how for space, how in scan.colour_spaces.items() if space in RGB_SPACES}
        if rgb:
            spaces = ", ".join(f"{space} ({how})" for space, how in sorted(rgb.items()))
            diags.add(
                _level(ctx.press.rgb),
                "preflight-rgb",
                f"RGB colour on the page: {spaces}; a press prints CMYK or gray",
                ctx.where(scan.number),
            )


def check_transparency(ctx: Context, diags: Diagnostics) -> None:
    for scan in ctx.scans:
        if scan.transparency:
            level = "info" if ctx.press.transparency else "error"
            diags.add(
                _level(level),
                "preflight-transparency",
                f"transparency: {'; '.join(sorted(set(scan.transparency))[:3])}",
                ctx.where(scan.number),
            )


def check_annotations(ctx: Context, diags: Diagnostics) -> None:
    for number, page in enumerate(ctx.pdf.pages, 1):
        annots = page.obj.get("/Annots")
        if annots and len(annots) and not ctx.press.annotations:
            diags.error(
                "preflight-annotations",
                f"{len(annots)} annotation(s) (links); {ctx.press.title} allows none",
                ctx.where(number),
            )


def check_pdfx(ctx: Context, diags: Diagnostics) -> None:
    """The output intent, GTS keys and PDF version a PDF/X file declares."""
    wanted = ctx.press.pdfx_version
    if wanted is None:
        return
    intents = ctx.pdf.Root.get("/OutputIntents")
    if not intents or not any(str(i.get("/S")) == "/GTS_PDFX" for i in intents):
        diags.error(
            "preflight-output-intent",
            "no GTS_PDFX output intent (the printing condition)",
            ctx.where(),
        )
    info = ctx.pdf.trailer.get("/Info") or {}
    declared = str(info.get("/GTS_PDFXVersion", "")) if info else ""
    xmp = _xmp_pdfx_version(ctx.pdf)
    if declared != wanted and xmp != wanted:
        diags.error(
            "preflight-pdfx-version",
            f"declares {declared or xmp or 'no PDF/X version'}, not {wanted}",
            ctx.where(),
        )
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):  # X-1a and X-4 alike
        diags.error(
            "preflight-pdfx-version", "no /Trapped True or False in the document info", ctx.where()
        )
    if ctx.press.max_version and _version(ctx.pdf.pdf_version) > _version(ctx.press.max_version):
        diags.error(
            "preflight-pdfx-version",
            f"PDF {ctx.pdf.pdf_version}; {wanted} is PDF {ctx.press.max_version} at most",
            ctx.where(),
        )


def _xmp_pdfx_version(pdf: Any) -> str:
    if "/Metadata" not in pdf.Root:
        return ""
    text = bytes(pdf.Root.Metadata.read_bytes()).decode("utf-8", "replace")
    found = re.search(r"GTS_PDFXVersion(?:>|=\")([^<\"]+)", text)
    return found.group(1) if found else ""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def check_images(ctx: Context, diags: Diagnostics) -> None:
    for scan in ctx.scans:
        for image in scan.images:
            if image.ppi < MIN_PPI and image.colour_space != "mask":
                diags.warning(
                    "preflight-image-ppi",
                    f"image {image.name} ({image.width}×{image.height} px) is placed at "
                    f"{image.ppi:.0f} ppi; print wants {MIN_PPI:.0f}",
                    ctx.where(scan.number),
                )


def _level(name: str) -> Level:
    return Level(name)


Check = Callable[[Context, Diagnostics], None]
CHECKS: list[tuple[str, Check]] = [
    ("boxes and bleed", check_boxes),
    ("portrait pages", check_rotation),
    ("page count", check_page_count),
    ("ノンブル on every page", check_folios),
    ("fonts", check_fonts),
    ("colour spaces", check_colour),
    ("transparency", check_transparency),
    ("annotations", check_annotations),
    ("PDF/X output intent and keys", check_pdfx),
    ("text in the safe zone", check_safe_zone),
    ("image resolution", check_images),
]
