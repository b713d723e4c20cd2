"""The generated cover image: title, series and authors set in the book's Gothic face.

Vertical editions set the title top to bottom in columns from the right (OpenType
``vert`` alternates for brackets and the long-vowel mark); horizontal editions set it in
centred lines. The image is a PNG of fixed size, identical for identical input.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tougen_pub.assets.fonts import FontRef
from tougen_pub.ja import ROLE_LABELS

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

    from tougen_pub.config import BookConfig

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
    from PIL import ImageFont

    return ImageFont.truetype(str(ref.path), size, index=ref.index)


NO_LINE_START = set(
    "、。，．・：；？！!?)）」』】〕〉》ー―…‥ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ々"
)
NO_LINE_END = set("(（「『【〔〈《")
GOOD_BREAK_AFTER = set(" 　、。」』】）―:：")


def _wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy line breaking with kinsoku: a line never starts with closing punctuation or
    a long-vowel mark and never ends with an opening bracket; a break after a space,
    a dash or closing punctuation is preferred when it keeps the line at least half full."""
    lines: list[str] = []
    rest = text.strip()
    while rest:
        if fits(rest):
            lines.append(rest)
            break
        end = 1
        while end < len(rest) and fits(rest[: end + 1]):
            end += 1
        good = [i for i in range(end // 2, end + 1) if rest[i - 1] in GOOD_BREAK_AFTER]
        if good and rest[good[-1] : good[-1] + 1] not in NO_LINE_START:
            end = good[-1]
        else:
            while end > 1 and (rest[end] in NO_LINE_START or rest[end - 1] in NO_LINE_END):
                end -= 1
        lines.append(rest[:end].strip())
        rest = rest[end:].strip()
    return lines or [""]


def _fit(text: str, fits_at: Callable[[int], Callable[[str], bool]]) -> tuple[int, list[str]]:
    """The largest title size at which the title wraps into at most MAX_TITLE_LINES."""
    for size in TITLE_SIZES:
        lines = _wrap(text, fits_at(size))
        if len(lines) <= MAX_TITLE_LINES:
            return size, lines
    size = TITLE_SIZES[-1]
    return size, _wrap(text, fits_at(size))


def cover_text(config: BookConfig) -> CoverText:
    """What the cover of a book says, from its book.toml."""
    return CoverText(
        title=config.title,
        subtitle=config.subtitle,
        series=config.series_label(),
        # an editor is named with 編 (as on the title page); an author plainly
        authors=tuple(
            c.name if c.role == "aut" else f"{c.name} {ROLE_LABELS[c.role]}"
            for c in config.creators
            if c.role in ("aut", "edt")
        ),
    )


# -- the cover cache ------------------------------------------------------------------------
# Drawing the cover (Pillow, FreeType, PNG compression) costs more than the rest of a small
# book's EPUB. The PNG is kept in ``<out>/.cache/covers/`` under a hash of everything that
# decides its bytes: what it says, the writing mode, the font file (path, face, size and
# modification time), the Pillow build and the drawing code itself. A hit gives the very
# bytes a fresh drawing would, so builds stay byte-identical and reproducible.
COVER_CACHE = "covers"
COVER_CACHE_KEEP = 8  # newest entries kept (editions × recent titles); older ones are removed


def _file_stamp(path: str | Path | None) -> str:
    if not path:
        return ""
    try:
        st = Path(path).stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def _pillow_stamp() -> str:
    """The Pillow release and its FreeType module, without importing Pillow's imaging core."""
    import importlib.util

    import PIL

    try:
        spec = importlib.util.find_spec("PIL._imagingft")
    except (ImportError, ValueError):
        spec = None
    return f"{PIL.__version__}|{_file_stamp(spec.origin if spec else None)}"


def cover_key(text: CoverText, vertical: bool, font: FontRef) -> str:
    """Hash of everything the cover's bytes depend on (the cache file name)."""
    h = hashlib.sha256()
    for part in (
        repr((text.title, text.subtitle, text.series, text.authors, vertical, font.index)),
        _file_stamp(font.path),
        _pillow_stamp(),
    ):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:32]


def cache_path(cache_dir: Path, text: CoverText, vertical: bool, font: FontRef) -> Path:
    return cache_dir / COVER_CACHE / f"{cover_key(text, vertical, font)}.png"


def _cached(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None


def _store(path: Path | None, png: bytes) -> None:
    """Keep ``png`` at ``path``; a cache that cannot be written is simply not used."""
    if path is None:
        return
    from tougen_pub.diagnostics import TougenError
    from tougen_pub.output import atomic_write

    with contextlib.suppress(OSError, TougenError):
        atomic_write(path, png)
        entries = sorted(path.parent.glob("*.png"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-COVER_CACHE_KEEP]:
            old.unlink()


# -- drawing the cover while the manuscript loads ----------------------------------------
# Pillow releases the interpreter lock while it draws and compresses, so on a machine with
# a second core the cover costs no wall time when it is started before the articles load.
_early: dict[str, object] = {}  # "key": (text, vertical, font), "png": bytes, "done": Event


def prefetch_cover(
    root: Path,
    writing_mode: str | None,
    cache_dir: Path | None,
    read_config: Callable[[Path], BookConfig | None],
) -> None:
    """Start drawing the cover of the manuscript at ``root`` on a background thread; the
    :func:`render_cover` call with the same text, mode and font then takes its result.
    A cover found in ``cache_dir`` (``<out>/.cache``) is read instead of drawn;
    ``read_config`` reads book.toml (None when it cannot).
    Anything that goes wrong here is left to the build itself to report."""
    import threading

    done = threading.Event()
    _early.clear()
    _early["done"] = done

    def work() -> None:
        try:
            from tougen_pub.assets.fonts import resolve, warm_book_fonts

            config = read_config(root)
            if config is None:
                return
            vertical = (writing_mode or config.writing_mode) == "vertical"
            warm_book_fonts(config, root)  # the build's book_fonts() then finds both faces
            font = resolve("gothic", config.fonts.gothic, root)
            text = cover_text(config)
            path = cache_path(cache_dir, text, vertical, font) if cache_dir is not None else None
            png = _cached(path)
            if png is None:
                png = _draw(text, vertical, font)
            if _early.get("done") is done:  # not given up on by render_cover meanwhile
                _early.update(key=(text, vertical, font), png=png)
        except Exception:  # noqa: BLE001 - the build reports its own errors
            pass
        finally:
            done.set()

    threading.Thread(target=work, name="cover", daemon=True).start()


_to_keep: dict[Path, bytes] = {}  # covers drawn for the cache, kept once the book is written


def keep_rendered_covers() -> None:
    """Store the covers :func:`render_cover` drew for its cache (called once the book has
    been written: a build that fails leaves its output folder as it was)."""
    while _to_keep:
        path, png = _to_keep.popitem()
        _store(path, png)


def render_cover(
    text: CoverText, vertical: bool, font: FontRef, cache_dir: Path | None = None
) -> bytes:
    """The cover as PNG bytes; with ``cache_dir`` (``<out>/.cache``) read from its cover
    cache, and kept there by :func:`keep_rendered_covers` when drawn."""
    path = cache_path(cache_dir, text, vertical, font) if cache_dir is not None else None
    png = _cached(path)
    if png is not None:
        _early.clear()  # a drawing still under way is not waited for
        return png
    done = _early.get("done")
    if done is not None:
        done.wait()  # type: ignore[attr-defined]
        early = _early.get("png") if _early.get("key") == (text, vertical, font) else None
        _early.clear()
        if isinstance(early, bytes):
            png = early
    if png is None:
        png = _draw(text, vertical, font)
    if path is not None:
        _to_keep[path] = png
    return png


def _draw(text: CoverText, vertical: bool, font: FontRef) -> bytes:
    from PIL import Image, ImageDraw

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
    # zlib's run-length strategy suits a drawing of flat colours: smaller than optimize=True
    # (level 9 and a second pass) in a quarter of its time; the same bytes for the same input
    image.save(out, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return out.getvalue()


def _vertical_title(
    draw: ImageDraw.ImageDraw, text: CoverText, font: FontRef, box: tuple[int, int, int, int]
) -> None:
    left, top, right, bottom = box
    size, lines = _fit(text.title, lambda size: lambda line: len(line) * size <= bottom - top)
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
        room = bottom - top - size
        for line in _wrap(text.subtitle, lambda line: len(line) * sub_size <= room):
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

    def fits_at(size: int) -> Callable[[str], bool]:
        face = _font(font, size)
        return lambda line: face.getlength(line) <= right - left

    size, lines = _fit(text.title, fits_at)
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
        for line in _wrap(text.subtitle, lambda line: sub_font.getlength(line) <= right - left):
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
