"""EPUB 3 packaging: rendered pages, stylesheets and cover into a reproducible zip.

ebooklib writes the OPF (metadata, manifest, spine) and the NCX; the XHTML documents,
the navigation document included, are our own templates. The OPF is then finished
(``xml:lang``) and the zip rewritten in a fixed order with fixed timestamps, so that two
builds with the same ``SOURCE_DATE_EPOCH`` are byte-identical.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ebooklib import epub
from lxml import etree

from tougen_pub.assets.builddate import source_date_epoch
from tougen_pub.assets.cover import cover_alt, cover_text, render_cover
from tougen_pub.assets.fonts import book_fonts, missing_chars
from tougen_pub.assets.images import image_uses, load_images, package_names, warn_missing_alt
from tougen_pub.diagnostics import Diagnostics, SourceLocation, TougenError, fail_if
from tougen_pub.model import Book
from tougen_pub.options import BuildNotes, BuildOptions
from tougen_pub.paths import styles_dir
from tougen_pub.render.epub import COVER_IMAGE, STYLE_DIR, RenderedBook, TocEntry, render_pages
from tougen_pub.transforms.edition import EditionBook, edition_book

PACKAGE_DIR = "EPUB"
MIMETYPE = b"application/epub+zip"
XHTML = "application/xhtml+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EBPAJ = ("ebpaj", "http://www.ebpaj.jp/")
GUIDE_VERSION = "1.1.3"  # 電書協 EPUB 3 制作ガイド
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
WRITING_MODE_META = {"vertical": "vertical-rl", "horizontal": "horizontal-lr"}
DIRECTION = {"vertical": "rtl", "horizontal": "ltr"}
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry


def output_path(book: Book, mode: str, out: Path) -> Path:
    """``NAME.epub`` for the vertical edition, ``NAME-horizontal.epub`` for the horizontal."""
    suffix = "" if mode == "vertical" else f"-{mode}"
    return out / f"{book.config.name}{suffix}.epub"


def build_time() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; in UTC."""
    return source_date_epoch() or datetime.now(UTC).replace(microsecond=0)


class EpubBuilder:
    """The EPUB builder of the pipeline (see :class:`tougen_pub.pipeline.Builder`)."""

    doing = "packaging the EPUB"
    cover = True

    def output_path(self, book: Book, mode: str, out: Path) -> Path:
        return output_path(book, mode, out)

    def write(
        self, job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path
    ) -> BuildNotes:
        tmp.write_bytes(render_epub(job, diags, cache_dir=options.cache_dir))
        return BuildNotes()


def epub_bytes(
    book: Book,
    mode: str,
    diags: Diagnostics,
    numerals: str | None = None,
    when: datetime | None = None,
    cache_dir: Path | None = None,
) -> bytes:
    """The finished EPUB of one edition of ``book``, as bytes (the edition passes run here;
    the pipeline runs them once and calls :func:`render_epub`)."""
    return render_epub(edition_book(book, mode, numerals), diags, when, cache_dir)


def render_epub(
    job: EditionBook,
    diags: Diagnostics,
    when: datetime | None = None,
    cache_dir: Path | None = None,
) -> bytes:
    """The finished EPUB of one edition, as bytes; ``cache_dir`` (``<out>/.cache``) keeps
    work that does not change from build to build (the cover image)."""
    when = when or build_time()
    book, ed_book, edition, mode = job.book, job.edited, job.edition, job.mode
    cfg = book.config

    text = cover_text(cfg)
    gothic = book_fonts(cfg, book.root).gothic
    missing = missing_chars(
        gothic,
        frozenset("".join(filter(None, (*text.authors, text.title, text.subtitle, text.series)))),
    )
    if missing:
        diags.warning(
            "cover-glyph-missing",
            f"the cover font {gothic.path.name} has no glyph for {''.join(sorted(missing))!r}",
            SourceLocation(str(book.root / "book.toml")),
        )
    images = package_images(book, diags)
    cover_png = render_cover(text, mode == "vertical", gothic, cache_dir)
    rendered = render_pages(
        ed_book, edition, cover_alt(text), {img.source: img.href for img in images.files}
    )
    for page in rendered.pages:
        _check_well_formed(page.href, page.content)

    raw = io.BytesIO()
    package = _package(book, mode, rendered, cover_png, when, images)
    epub.write_epub(raw, package, _writer_options(when))
    return _normalize(raw.getvalue(), when, cfg.language)


@dataclass(frozen=True)
class PackagedImage:
    source: str  # manuscript-relative path
    href: str  # file inside the package folder, e.g. images/map.png
    media_type: str
    data: bytes


@dataclass(frozen=True)
class BookImages:
    """The images of the text as packaged, and how many of their uses lack alt text."""

    files: tuple[PackagedImage, ...] = ()
    uses: int = 0
    without_alt: int = 0


def package_images(book: Book, diags: Diagnostics) -> BookImages:
    """Read, type-check and name every image of the text; warn where alt text is missing.

    Errors (a file that is not an image, an SVG that references anything outside itself,
    a file that turned into a link out of the manuscript) stop the build: nothing written.
    An image without alt text is a warning: screen readers pass over it as decorative.
    """
    uses = image_uses(book)
    files = load_images(book, diags)
    fail_if(diags, False, "in the images of the book")
    names = package_names(
        list(files), {p: f.media_type for p, f in files.items()}, taken={COVER_IMAGE}
    )
    without_alt = warn_missing_alt(book, diags)
    packaged = tuple(
        PackagedImage(path, names[path], f.media_type, f.data) for path, f in files.items()
    )
    return BookImages(packaged, len(uses), without_alt)


def _check_well_formed(name: str, content: bytes) -> None:
    try:
        etree.fromstring(content)
    except etree.XMLSyntaxError as exc:  # a template or fragment bug, not a user error
        raise AssertionError(f"{name} is not well-formed XHTML: {exc}") from exc


def _writer_options(when: datetime) -> dict[str, object]:
    return {
        "mtime": when,
        "epub3_landmark": False,
        "epub3_pages": False,
        "compresslevel": 0,  # only an intermediate zip: _normalize compresses
    }


def _stylesheet(name: str) -> bytes:
    path = styles_dir() / name
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TougenError(f"stylesheet {path} cannot be read: {exc.strerror}") from None


def _package(
    book: Book,
    mode: str,
    rendered: RenderedBook,
    cover_png: bytes,
    when: datetime,
    images: BookImages | None = None,
) -> epub.EpubBook:
    images = images or BookImages()
    cfg = book.config
    eb = epub.EpubBook()
    eb.FOLDER_NAME = PACKAGE_DIR
    eb.set_identifier(cfg.identifier)
    eb.title = cfg.title
    eb.add_metadata("DC", "title", cfg.title, {"id": "title"})
    eb.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if cfg.title_reading:
        eb.add_metadata(
            None, "meta", cfg.title_reading, {"refines": "#title", "property": "file-as"}
        )
    if cfg.subtitle:
        eb.add_metadata("DC", "title", cfg.subtitle, {"id": "subtitle"})
        eb.add_metadata(
            None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"}
        )
    eb.set_language(cfg.language)
    for i, creator in enumerate(cfg.creators, 1):
        uid = f"creator{i:02d}"
        kind = "creator" if creator.role in ("aut", "edt") else "contributor"
        eb.add_metadata("DC", kind, creator.name, {"id": uid})
        eb.add_metadata(
            None,
            "meta",
            creator.role,
            {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"},
        )
        if creator.file_as:
            eb.add_metadata(
                None, "meta", creator.file_as, {"refines": f"#{uid}", "property": "file-as"}
            )
    if cfg.publisher:
        eb.add_metadata("DC", "publisher", cfg.publisher)
    if cfg.date:
        eb.add_metadata("DC", "date", cfg.date.isoformat())
    if cfg.rights:
        eb.add_metadata("DC", "rights", cfg.rights)
    if cfg.description:
        eb.add_metadata("DC", "description", cfg.description)
    if cfg.series:
        eb.add_metadata(
            None, "meta", cfg.series.name, {"property": "belongs-to-collection", "id": "series"}
        )
        eb.add_metadata(
            None, "meta", "series", {"refines": "#series", "property": "collection-type"}
        )
        if cfg.series.position:
            eb.add_metadata(
                None,
                "meta",
                str(cfg.series.position),
                {"refines": "#series", "property": "group-position"},
            )

    eb.add_metadata(None, "meta", "reflowable", {"property": "rendition:layout"})
    eb.add_metadata(None, "meta", "auto", {"property": "rendition:orientation"})
    eb.add_metadata(None, "meta", "auto", {"property": "rendition:spread"})
    eb.add_prefix(*EBPAJ)
    eb.add_metadata(None, "meta", GUIDE_VERSION, {"property": "ebpaj:guide-version"})
    eb.add_metadata(
        None, "meta", "", {"name": "primary-writing-mode", "content": WRITING_MODE_META[mode]}
    )
    for prop, value in accessibility_metadata(book, rendered, images):
        eb.add_metadata(None, "meta", value, {"property": prop})
    eb.set_direction(DIRECTION[mode])

    eb.set_cover(COVER_IMAGE, cover_png, create_page=False)
    for n, image in enumerate(images.files, 1):
        eb.add_item(
            epub.EpubImage(
                uid=f"img{n:03d}",
                file_name=image.href,
                media_type=image.media_type,
                content=image.data,
            )
        )
    for css in rendered.stylesheets:
        eb.add_item(
            epub.EpubItem(
                uid=f"css-{css.removesuffix('.css')}",
                file_name=f"{STYLE_DIR}/{css}",
                media_type="text/css",
                content=_stylesheet(css),
            )
        )
    spine = []
    for page in rendered.pages:
        item = epub.EpubItem(
            uid=page.uid, file_name=page.href, media_type=XHTML, content=page.content
        )
        if page.kind == "nav":
            item.properties = ["nav"]
        eb.add_item(item)
        spine.append(item)
    eb.add_item(epub.EpubNcx())
    eb.spine = spine
    eb.toc = [_ncx_entry(entry, f"toc-{i}") for i, entry in enumerate(rendered.toc, 1)]
    hrefs = {page.kind: page.href for page in reversed(rendered.pages)}
    eb.guide = [
        {"type": "cover", "title": "表紙", "href": hrefs["cover"]},
        {"type": "toc", "title": "目次", "href": hrefs["nav"]},
        {"type": "text", "title": "本文", "href": hrefs.get("chapter", hrefs["nav"])},
    ]
    return eb


def _ncx_entry(entry: TocEntry, uid: str) -> object:
    link = epub.Link(f"text/{entry.href}", entry.label, uid)
    if not entry.children:
        return link
    return (link, [_ncx_entry(child, f"{uid}-{i}") for i, child in enumerate(entry.children, 1)])


def accessibility_metadata(
    book: Book, rendered: RenderedBook, images: BookImages | None = None
) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 metadata, derived from what the book contains.

    The cover always has alt text. When every image of the text has alt text too, the
    text alone is sufficient (``accessModeSufficient`` textual) and ``alternativeText`` is
    claimed; an image without it makes the visual mode necessary and drops the claim."""
    cfg = book.config
    images = images or BookImages()
    all_alt = images.without_alt == 0
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if all_alt:
        features.append("alternativeText")
    if rendered.has_ruby:
        features.append("rubyAnnotations")
    summary = [
        "本書はEPUB Accessibility 1.1（WCAG 2.1 AA）に沿って制作されています。",
        "目次とランドマーク、見出しによる章・節の構造を備え、読み上げ順序は表示順と同じです。",
    ]
    if book.glossary:
        summary.append("本文の用語は用語集へ、用語集の各項目は使用箇所へリンクしています。")
    if book.sources:
        summary.append("出典は参考文献へ、参考文献の各項目は引用箇所へリンクしています。")
    if rendered.has_ruby:
        summary.append("難読語にはルビ（ruby要素）を付けています。")
    if not images.uses:
        summary.append("画像は表紙のみで、代替テキストを付けています。")
    elif all_alt:
        summary.append("表紙と本文のすべての画像に代替テキストを付けています。")
    else:
        summary.append(
            f"本文の画像{images.uses}点のうち{images.without_alt}点には代替テキストがなく、"
            "読み上げでは省略されます。"
        )
    meta = [
        ("schema:accessMode", "textual"),
        ("schema:accessMode", "visual"),
        ("schema:accessModeSufficient", "textual" if all_alt else "textual,visual"),
        *(("schema:accessibilityFeature", f) for f in features),
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary", "".join(summary)),
        ("dcterms:conformsTo", CONFORMS_TO),
    ]
    certifier = cfg.publisher or next((c.name for c in cfg.creators), None)
    if certifier:  # the party that answers for the conformance claim
        meta.append(("a11y:certifiedBy", certifier))
    return meta


def _finish_opf(opf: bytes, language: str) -> bytes:
    """What ebooklib cannot write: ``xml:lang`` on the package, the cover page centred
    in a spread (電書協 ``rendition:page-spread-center``)."""
    root = etree.fromstring(opf)
    root.set(XML_LANG, language)
    for itemref in root.iterfind("{http://www.idpf.org/2007/opf}spine/{*}itemref"):
        if itemref.get("idref") == "cover":
            itemref.set("properties", "rendition:page-spread-center")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _normalize(raw: bytes, when: datetime, language: str) -> bytes:
    """Rewrite the zip: mimetype first and stored, fixed order, fixed timestamps."""
    opf_name = f"{PACKAGE_DIR}/content.opf"
    stamp = max(when, ZIP_EPOCH).astimezone(UTC).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        first = ["mimetype", "META-INF/container.xml", opf_name]
        for name in first + [n for n in names if n not in first]:
            data = src.read(name)
            if name == opf_name:
                data = _finish_opf(data, language)
            info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                data = MIMETYPE
                dst.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, data, compresslevel=9)
    return out.getvalue()
