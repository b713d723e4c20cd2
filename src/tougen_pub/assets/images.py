"""The manuscript's images as the writers use them: read safely, typed, sized, checked.

The loader has already refused images that are remote, absolute or outside the manuscript;
the writers check again before reading (a file can be swapped for a symlink between loading
and packaging). The media type comes from the file's content, not its name. SVG images are
parsed without network or entity expansion and refused when they would load anything:
an EPUB's SVG must not reference resources outside itself, and a script or a
``foreignObject`` has no place in a book's picture.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path, PurePosixPath

from lxml import etree

from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.model import REF_IMAGE, Book

SVG_NS = "http://www.w3.org/2000/svg"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
SVG_TYPE = "image/svg+xml"
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    SVG_TYPE: ".svg",
}
# Elements that run code or embed other documents.
SVG_FORBIDDEN = frozenset(
    {"script", "foreignObject", "iframe", "embed", "object", "audio", "video", "handler"}
)
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ATTR = re.compile(r'([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*"([^"]*)"')
SVG_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*")
PX_PER_UNIT = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


@dataclass(frozen=True)
class ImageFile:
    """One image file of the manuscript, read and checked."""

    path: str  # manuscript-relative, as in the model (images/map.png)
    media_type: str
    data: bytes
    # Intrinsic size in CSS px (96 per inch). For an SVG with only a viewBox, ``definite``
    # is False and the size gives the aspect ratio only.
    width: float
    height: float
    definite: bool = True


@dataclass(frozen=True)
class ImageUse:
    """One ``<img>`` of the book's text, with its alt text and where it is written."""

    path: str
    alt: str
    location: SourceLocation


def sniff(data: bytes) -> str | None:
    """The media type of an image file from its first bytes (None: not a supported image)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        return SVG_TYPE
    return None


def warn_missing_alt(book: Book, diags: Diagnostics) -> int:
    """Warn once per image reference without alternative text; return how many there are."""
    missing = [use for use in image_uses(book) if not use.alt.strip()]
    for use in dict.fromkeys(missing):
        diags.warning(
            "image-alt-missing",
            f"image '{use.path}' has no alternative text: screen readers skip it as "
            'decorative; describe it between the brackets of ![…](…) or in alt="…"',
            use.location,
        )
    return len(missing)


def image_uses(book: Book) -> list[ImageUse]:
    """Every image of the articles and glossary definitions, in reading order."""
    out: list[ImageUse] = []
    owners = [
        (art.location, (art.intro_html, *(s.html for s in art.sections))) for art in book.articles
    ] + [(entry.location, (entry.definition_html,)) for entry in book.glossary]
    for location, fragments in owners:
        for fragment in fragments:
            for tag in IMG_TAG.finditer(fragment):
                attrs = {k.lower(): unescape(v) for k, v in ATTR.findall(tag.group(0))}
                src = attrs.get("src", "")
                if src.startswith(REF_IMAGE):
                    path = src.removeprefix(REF_IMAGE)
                    alt = attrs.get("alt", "")
                    out.append(ImageUse(path, alt, locate_use(location, path, book.root, alt)))
    return out


def locate_use(owner: SourceLocation, path: str, root: Path, alt: str = "x") -> SourceLocation:
    """The line of ``owner``'s file that names the image (the owner's own place if none).

    For an image without alt text, a line with ``![](`` or ``alt=""`` is preferred."""
    name = PurePosixPath(path).name
    text = _read_text(owner.path, root)
    if text is None or not name:
        return owner
    lines = text.splitlines()
    start = (owner.line or 1) - 1
    hits = [(n, line.find(name)) for n, line in enumerate(lines[start:], start) if name in line]
    if not hits:
        return owner
    if not alt.strip():
        empty = [h for h in hits if "![](" in lines[h[0]] or 'alt=""' in lines[h[0]]]
        hits = empty or hits
    line, col = hits[0]
    return owner.at(line + 1, col + 1)


def _read_text(path: str, root: Path) -> str | None:
    for candidate in (Path(path), root / path):
        try:
            return candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return None


def load_images(book: Book, diags: Diagnostics) -> dict[str, ImageFile]:
    """Read every image the book uses, once each; problems are located errors."""
    out: dict[str, ImageFile] = {}
    seen: set[str] = set()
    for use in image_uses(book):
        if use.path in seen:
            continue
        seen.add(use.path)
        image = read_image(book.root, use.path, use.location, diags)
        if image is not None:
            out[use.path] = image
    return out


def safe_path(root: Path, rel: str) -> Path | None:
    """The real path of a manuscript-relative file when it is a regular file inside the
    manuscript after resolving every symlink; None otherwise."""
    real_root = root.resolve()
    rel_path = PurePosixPath(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts:
        return None
    real = (root / rel).resolve()
    if not real.is_relative_to(real_root) or not real.is_file():
        return None
    return real


def read_image(root: Path, rel: str, where: SourceLocation, diags: Diagnostics) -> ImageFile | None:
    real = safe_path(root, rel)
    if real is None:
        diags.error(
            "image-outside",
            f"image '{rel}' is not a file inside the manuscript (a link out of it?); not packaged",
            where,
        )
        return None
    try:
        data = real.read_bytes()
    except OSError as exc:
        diags.error("image-missing", f"image '{rel}' cannot be read: {exc.strerror}", where)
        return None
    media_type = sniff(data)
    if media_type is None:
        diags.error("image-type", f"image '{rel}' is not a PNG, JPEG, GIF, WebP or SVG file", where)
        return None
    if media_type == SVG_TYPE:
        svg_loc = SourceLocation(str(root / rel))
        size = check_svg(data, svg_loc, diags)
        if size is None:
            return None
        return ImageFile(rel, media_type, data, *size)
    stream = io.BytesIO(data)
    try:
        width, height = raster_size(stream)  # one pixel per CSS px, as e-readers show it
    except Exception as exc:  # noqa: BLE001 - an unreadable header is a broken file
        reason = str(exc).replace(repr(stream), "the file")  # no object address in the text
        diags.error("image-invalid", f"image '{rel}' cannot be decoded: {reason}", where)
        return None
    return ImageFile(rel, media_type, data, float(width), float(height))


def raster_size(stream: io.BytesIO) -> tuple[int, int]:
    """(width, height) in pixels from the header of a PNG, JPEG, GIF or WebP file.

    Raises for a header Pillow cannot read, and for a decompression bomb: an image over
    Pillow's ``Image.MAX_IMAGE_PIXELS`` is refused, not only warned about, as no reader
    nor the PDF renderer could decode it."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(stream) as img:  # the header only: type and size
            return img.size


def check_images(book: Book, diags: Diagnostics) -> None:
    """Read and check every image of the book as the writers will (:func:`load_images`),
    reporting located errors, when the manuscript loads: ``check``, ``build epub`` and
    ``build pdf`` refuse the same files. Raster images are checked from their header."""
    load_images(book, diags)


def intrinsic_size(root: Path, rel: str) -> tuple[float, float, bool] | None:
    """(width, height, definite) in CSS px of a manuscript image, for layout only: no
    diagnostics, None when the file cannot be read or measured (the writer that reads it
    reports why)."""
    real = safe_path(root, rel)
    if real is None:
        return None
    try:
        data = real.read_bytes()
    except OSError:
        return None
    media_type = sniff(data)
    if media_type == SVG_TYPE:
        try:
            return svg_size(etree.fromstring(data, _svg_parser()))
        except etree.XMLSyntaxError:
            return None
    if media_type is None:
        return None
    try:
        width, height = raster_size(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - unmeasurable: the layout falls back to CSS limits
        return None
    return float(width), float(height), True


# -- SVG ----------------------------------------------------------------------------------


def _svg_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def check_svg(
    data: bytes, where: SourceLocation, diags: Diagnostics
) -> tuple[float, float, bool] | None:
    """Errors for an SVG that is not well-formed or references anything outside itself;
    its intrinsic size (w, h, definite) when it is clean."""
    if b"<!ENTITY" in data:  # before parsing: no expansion (billion laughs) is attempted
        at = data[: data.index(b"<!ENTITY")].count(b"\n") + 1
        diags.error(UNSAFE, "SVG images may not declare entities", where.at(at, 1))
        return None
    try:
        root = etree.fromstring(data, _svg_parser())
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (None, None)
        diags.error(
            "svg-invalid", f"SVG image is not well-formed XML: {exc.msg}", where.at(line, col)
        )
        return None
    problems = list(svg_problems(root, data))
    text = data.decode("utf-8", "replace").splitlines()
    for line, needle, code, message in problems:
        col = None
        if line is None and needle:  # find the first line that holds it
            line = next((n for n, t in enumerate(text, 1) if needle in t), None)
        if line is not None and 0 < line <= len(text) and needle:
            pos = text[line - 1].find(needle)
            col = pos + 1 if pos >= 0 else None
        diags.error(code, message, where.at(line, col))
    if problems:
        return None
    return svg_size(root)


Problem = tuple[int | None, str, str, str]  # line, text to point at, code, message
EXTERNAL = "svg-external"  # loads something from outside the SVG
UNSAFE = "svg-unsafe"  # runs code or embeds another document


def svg_problems(root: etree._Element, data: bytes) -> Iterator[Problem]:
    """Everything an SVG would load from outside itself or run."""
    if etree.QName(root).namespace != SVG_NS or etree.QName(root).localname != "svg":
        yield root.sourceline, "", "svg-invalid", "the file is not an SVG image (no <svg> root)"
        return
    if b"<!ENTITY" in data:
        yield None, "<!ENTITY", UNSAFE, "SVG images may not declare entities"
    for node in root.itersiblings(preceding=True):
        if isinstance(node, etree._ProcessingInstruction):
            yield _pi_problem(node)
    yield from _element_problems(root)


def _pi_problem(node: etree._ProcessingInstruction) -> Problem:
    return (
        node.sourceline,
        "<?",
        EXTERNAL,
        f"SVG processing instruction <?{node.target}?> is not allowed (it may load a file)",
    )


def _element_problems(el: etree._Element) -> Iterator[Problem]:
    qname = etree.QName(el)
    if qname.localname in SVG_FORBIDDEN or qname.namespace == XHTML_NS:
        yield (
            el.sourceline,
            f"<{el.prefix + ':' if el.prefix else ''}{qname.localname}",
            UNSAFE,
            f"SVG element <{qname.localname}> is not allowed in a book's image "
            "(scripts and embedded documents)",
        )
        return  # its content is refused with it
    for name, value in el.attrib.items():
        local = etree.QName(name).localname
        if local.lower().startswith("on"):
            yield el.sourceline, local, UNSAFE, f"SVG event handler {local}= is not allowed"
        elif (name == XLINK_HREF or local == "href") and not value.strip().startswith("#"):
            yield (
                el.sourceline,
                value,
                EXTERNAL,
                f"SVG image references '{value[:120]}': an image in a book may only "
                "point inside itself (#id); embed the picture or remove the reference",
            )
        else:
            yield from _css_problems(el.sourceline, value)
    if qname.localname == "style" and el.text:
        yield from _css_problems(el.sourceline, el.text)
    for child in el:
        if isinstance(child, etree._ProcessingInstruction):
            yield _pi_problem(child)
        elif isinstance(child.tag, str):
            yield from _element_problems(child)


def _css_problems(line: int | None, css: str) -> Iterator[Problem]:
    if CSS_IMPORT.search(css):
        yield line, "@import", EXTERNAL, "SVG style @import is not allowed (it loads a file)"
    for m in CSS_URL.finditer(css):
        target = m.group(2).strip()
        if not target.startswith("#"):
            yield (
                line,
                target,
                EXTERNAL,
                f"SVG style references url({target[:120]}): an image in a book may only "
                "point inside itself (#id)",
            )


def _length(value: str | None) -> float | None:
    if not value:
        return None
    m = SVG_LENGTH.fullmatch(value)
    if not m:
        return None  # percentages, em: no intrinsic size
    return float(m.group(1)) * PX_PER_UNIT[m.group(2) or "px"]


def svg_size(root: etree._Element) -> tuple[float, float, bool]:
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = None
    try:
        parts = [float(p) for p in re.split(r"[\s,]+", (root.get("viewBox") or "").strip())]
        if len(parts) == 4 and parts[2] > 0 and parts[3] > 0:
            box = parts[2], parts[3]
    except ValueError:
        box = None
    if width and height:
        return width, height, True
    if box and width:
        return width, width * box[1] / box[0], True
    if box and height:
        return height * box[0] / box[1], height, True
    if box:
        return box[0], box[1], False
    return 300.0, 150.0, False  # the CSS default size of a replaced element


# -- EPUB file names ----------------------------------------------------------------------

SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def package_names(paths: list[str], media_types: dict[str, str], taken: set[str]) -> dict[str, str]:
    """manuscript path → file name inside the package folder (``images/…``): ASCII names
    without spaces, the extension matching the content, never one of ``taken`` (the
    cover) nor another image's name (compared case-insensitively)."""
    used = {t.casefold() for t in taken}
    out: dict[str, str] = {}
    for path in paths:
        parts = PurePosixPath(path).parts
        if len(parts) > 1 and parts[0] == "images":
            parts = parts[1:]
        folders = [p if SAFE_SEGMENT.fullmatch(p) else "d" for p in parts[:-1]]
        stem = PurePosixPath(parts[-1]).stem
        if not SAFE_SEGMENT.fullmatch(stem):
            stem = "image"
        ext = EXTENSIONS[media_types[path]]
        base = "/".join(["images", *folders, stem])
        name, n = f"{base}{ext}", 1
        while name.casefold() in used:
            n += 1
            name = f"{base}-{n}{ext}"
        used.add(name.casefold())
        out[path] = name
    return out


__all__ = [
    "ImageFile",
    "ImageUse",
    "check_images",
    "check_svg",
    "image_uses",
    "intrinsic_size",
    "load_images",
    "package_names",
    "raster_size",
    "read_image",
    "safe_path",
    "sniff",
]
