"""What a PDF's pages are made of, as a print shop's preflight reads it: colour spaces,
transparency, placed images and their resolution, fonts and their programs, text runs
with their positions.

Content streams are walked with pikepdf (Form XObjects included, with their own resources
and matrices); page text and its positions come from pypdf, which decodes the fonts'
ToUnicode maps.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf

MM = 72 / 25.4
# Colour spaces by the family a press cares about.
RGB_SPACES = frozenset({"DeviceRGB", "CalRGB", "ICCBased/3", "Lab"})
OPERATOR_SPACES = {"rg": "DeviceRGB", "RG": "DeviceRGB", "k": "DeviceCMYK", "K": "DeviceCMYK"}
OPERATOR_SPACES |= {"g": "DeviceGray", "G": "DeviceGray"}
DEVICE_NAMES = {"/DeviceRGB": "DeviceRGB", "/RGB": "DeviceRGB", "/DeviceCMYK": "DeviceCMYK"}
DEVICE_NAMES |= {"/CMYK": "DeviceCMYK", "/DeviceGray": "DeviceGray", "/G": "DeviceGray"}
MAX_FORM_DEPTH = 12
ASCENT = 0.88  # of the em above the baseline: where a run's glyphs end


@dataclass(frozen=True)
class PlacedImage:
    name: str
    width: int  # pixels
    height: int
    ppi: float  # the lower of the two directions, as placed on the page
    colour_space: str


@dataclass(frozen=True)
class FontUse:
    base_font: str  # /ABCDEF+Family
    subtype: str  # Type0, TrueType, Type1, Type3 …
    embedded: bool
    program: str  # digest of the embedded program ("" when not embedded)

    @property
    def tag(self) -> str:
        return self.base_font.split("+", 1)[0] if "+" in self.base_font else ""

    @property
    def face(self) -> str:
        return self.base_font.split("+", 1)[-1]


@dataclass(frozen=True)
class TextRun:
    text: str
    x: float  # user-space origin of the run (unrotated page coordinates)
    y: float
    size: float  # in user-space units
    top_x: float  # where the glyphs above the origin end (ascent along the run's up)
    top_y: float

    @property
    def points(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.x, self.y), (self.top_x, self.top_y)


@dataclass
class PageScan:
    number: int  # 1-based
    colour_spaces: dict[str, str] = field(default_factory=dict)  # space → first operator seen
    transparency: list[str] = field(default_factory=list)
    images: list[PlacedImage] = field(default_factory=list)
    fonts: list[FontUse] = field(default_factory=list)
    text: list[TextRun] = field(default_factory=list)


def colour_space_name(space: Any, resources: Any) -> str:
    """``DeviceRGB``, ``DeviceCMYK``, ``DeviceGray``, ``ICCBased/3``, ``Separation/All``…"""
    if isinstance(space, pikepdf.Name):
        key = str(space)
        if key in DEVICE_NAMES:
            return DEVICE_NAMES[key]
        named = resources.get("/ColorSpace", {}).get(key) if resources is not None else None
        if named is not None:
            return colour_space_name(named, resources)
        return key.lstrip("/")
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0]).lstrip("/")
        if family == "ICCBased":
            return f"ICCBased/{int(space[1].get('/N', 0))}"
        if family == "Indexed":
            return colour_space_name(space[1], resources)
        if family == "Separation":
            return f"Separation/{str(space[1]).lstrip('/')}"
        if family in ("DeviceN", "NChannel"):
            return "DeviceN"
        return family
    return "unknown"


def _multiply(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix ``a`` then ``b`` (PDF row-vector convention)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class _Walker:
    def __init__(self, scan: PageScan) -> None:
        self.scan = scan
        self.seen_fonts: set[int] = set()

    def walk(self, stream: Any, resources: Any, ctm: tuple[float, ...], depth: int = 0) -> None:
        if depth > MAX_FORM_DEPTH:
            return
        self._fonts(resources)
        stack: list[tuple[float, ...]] = []
        fill = stroke = "DeviceGray"
        for instruction in pikepdf.parse_content_stream(stream):
            operands, op = instruction.operands, str(instruction.operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else ctm
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif op in OPERATOR_SPACES:
                self._use(OPERATOR_SPACES[op], op)
            elif op in ("cs", "CS"):
                name = colour_space_name(operands[0], resources)
                if op == "cs":
                    fill = name
                else:
                    stroke = name
            elif op in ("sc", "scn", "SC", "SCN"):
                space = fill if op in ("sc", "scn") else stroke
                if space == "Pattern" and operands and isinstance(operands[-1], pikepdf.Name):
                    self._pattern(str(operands[-1]), resources, ctm, depth)
                else:
                    self._use(space, op)
            elif op == "gs":
                self._ext_state(str(operands[0]), resources)
            elif op == "sh":
                shading = resources.get("/Shading", {}).get(str(operands[0]))
                if shading is not None:
                    self._use(colour_space_name(shading.get("/ColorSpace"), resources), op)
            elif op == "Do":
                self._xobject(str(operands[0]), resources, ctm, depth)
            elif op == "INLINE IMAGE":
                image = operands[0]
                inline: Any = image.obj.get("/CS") or image.obj.get("/ColorSpace")
                self._use(colour_space_name(inline or pikepdf.Name.DeviceGray, resources), op)

    def _use(self, space: str, how: str) -> None:
        self.scan.colour_spaces.setdefault(space, how)

    def _xobject(self, name: str, resources: Any, ctm: tuple[float, ...], depth: int) -> None:
        xobject = resources.get("/XObject", {}).get(name) if resources is not None else None
        if xobject is None:
            return
        subtype = str(xobject.get("/Subtype"))
        if subtype == "/Image":
            width, height = int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0))
            placed_w = math.hypot(ctm[0], ctm[1]) / 72 or 1e-9  # inches
            placed_h = math.hypot(ctm[2], ctm[3]) / 72 or 1e-9
            space = (
                "mask"
                if xobject.get("/ImageMask")
                else colour_space_name(
                    xobject.get("/ColorSpace", pikepdf.Name.DeviceGray), resources
                )
            )
            ppi = min(width / placed_w, height / placed_h)
            self.scan.images.append(PlacedImage(name, width, height, ppi, space))
            if space != "mask":
                self._use(space, f"image {name}")
            if "/SMask" in xobject:
                self.scan.transparency.append(f"image {name} has a soft mask")
        elif subtype == "/Form":
            group = xobject.get("/Group")
            if group is not None and str(group.get("/S")) == "/Transparency":
                self.scan.transparency.append(f"form {name} is a transparency group")
            matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
            inner = xobject.get("/Resources", resources)
            self.walk(xobject, inner, _multiply(matrix, ctm), depth + 1)

    def _pattern(self, name: str, resources: Any, ctm: tuple[float, ...], depth: int) -> None:
        """The colours a pattern paints: a tiling pattern's content, a shading's space."""
        pattern = resources.get("/Pattern", {}).get(name) if resources is not None else None
        if pattern is None:
            return
        if int(pattern.get("/PatternType", 0)) == 1:  # tiling: a content stream of its own
            matrix = tuple(float(v) for v in pattern.get("/Matrix", IDENTITY))
            inner = pattern.get("/Resources", resources)
            self.walk(pattern, inner, _multiply(matrix, ctm), depth + 1)
        else:
            shading = pattern.get("/Shading")
            if shading is not None:
                self._use(colour_space_name(shading.get("/ColorSpace"), resources), "pattern")
        state = pattern.get("/ExtGState")
        if state is not None:
            self._check_state(name, state)

    def _ext_state(self, name: str, resources: Any) -> None:
        """A graphics state the content sets (``gs``): constant alpha, soft mask, blending."""
        states = resources.get("/ExtGState", {}) if resources is not None else {}
        state = states.get(name)
        if state is not None:
            self._check_state(name, state)

    def _check_state(self, name: str, state: Any) -> None:
        for key in ("/ca", "/CA"):
            if key in state and float(state[key]) < 1:
                self.scan.transparency.append(
                    f"graphics state {name} sets {key} {float(state[key])}"
                )
        mask = state.get("/SMask")
        if mask is not None and str(mask) != "/None":
            self.scan.transparency.append(f"graphics state {name} has a soft mask")
        blend = state.get("/BM")
        if blend is not None and str(blend) not in ("/Normal", "/Compatible"):
            self.scan.transparency.append(f"graphics state {name} blends {blend}")

    def _fonts(self, resources: Any) -> None:
        for font in (resources.get("/Font", {}) if resources is not None else {}).values():
            if font.objgen in self.seen_fonts and font.objgen != (0, 0):
                continue
            self.seen_fonts.add(font.objgen)
            self.scan.fonts.append(font_use(font))


def font_use(font: Any) -> FontUse:
    subtype = str(font.get("/Subtype", "/unknown")).lstrip("/")
    base = str(font.get("/BaseFont", "/unnamed")).lstrip("/")
    if subtype == "Type3":
        return FontUse(base, subtype, True, "")
    described = font
    if subtype == "Type0":
        descendants = font.get("/DescendantFonts")
        described = descendants[0] if descendants else font
    descriptor = described.get("/FontDescriptor")
    program = None
    if descriptor is not None:
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                program = descriptor[key]
                break
    if program is None:
        return FontUse(base, subtype, False, "")
    digest = hashlib.sha256(program.read_raw_bytes()).hexdigest()[:16]
    return FontUse(base, subtype, True, digest)


def page_text(page: Any) -> list[TextRun]:
    """The text runs of a pypdf page with their user-space origins and sizes."""
    runs: list[TextRun] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if not text.strip():
            return
        matrix = _multiply(tuple(tm), tuple(cm))
        up_x, up_y = matrix[2] * size, matrix[3] * size  # one em up, in user space
        x, y = matrix[4], matrix[5]
        runs.append(
            TextRun(text, x, y, math.hypot(up_x, up_y), x + ASCENT * up_x, y + ASCENT * up_y)
        )

    page.extract_text(visitor_text=visit)
    return runs


def scan_pages(pdf: pikepdf.Pdf, reader: Any) -> Iterator[PageScan]:
    """One :class:`PageScan` per page (``reader``: the same file opened with pypdf)."""
    for index, page in enumerate(pdf.pages):
        scan = PageScan(index + 1)
        group = page.obj.get("/Group")
        if group is not None and str(group.get("/S")) == "/Transparency":
            scan.transparency.append("the page is a transparency group")
        walker = _Walker(scan)
        walker.walk(page, page.obj.get("/Resources", pikepdf.Dictionary()), IDENTITY)
        scan.text = page_text(reader.pages[index])
        yield scan
