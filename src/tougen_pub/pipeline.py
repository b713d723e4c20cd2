"""The build, top to bottom: load → check → edition passes → builder → atomic write.

Every build goes through :func:`build_book`; it fails in one place (:func:`fail_if`), and
nothing is written before the model is complete and valid: the builder writes into a
temporary file in the output folder, renamed into place only when the build succeeded.
The builders (``BUILDERS``) know their format and nothing of the command line.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from tougen_pub import __version__
from tougen_pub.assets.cover import keep_rendered_covers, prefetch_cover
from tougen_pub.check import check_book
from tougen_pub.diagnostics import (
    Diagnostic,
    Diagnostics,
    Level,
    SourceLocation,
    TougenError,
    fail_if,
)
from tougen_pub.epub.builder import EpubBuilder
from tougen_pub.ingest.articles import ARTICLES_DIR, PARALLEL_MIN_ARTICLES
from tougen_pub.ingest.loader import BOOK_FILE, load_book, read_config
from tougen_pub.model import Book
from tougen_pub.options import BuildNotes, BuildOptions
from tougen_pub.output import atomic_path, atomic_write
from tougen_pub.parallel import JOBS_ENV, cpus, fork_pool, jobs_for
from tougen_pub.paths import styles_dir
from tougen_pub.pdf.builder import PdfBuilder
from tougen_pub.pdf.cache import page_cache_path, read_page_map
from tougen_pub.progress import progress
from tougen_pub.render.links import article_anchor
from tougen_pub.transforms.edition import EditionBook, edition_book
from tougen_pub.transforms.volumes import (
    VolumePlan,
    needs_pages,
    plan_volumes,
    volume_book,
    volumes_of_files,
)


class Builder(Protocol):
    """One output format: where its file goes, and how it is written."""

    #: what the builder is doing, for "N error(s) while … ; nothing written"
    doing: str
    #: whether its book has a cover image (drawn while the manuscript loads)
    cover: bool

    def output_path(self, book: Book, mode: str, out: Path) -> Path: ...

    def write(
        self, job: EditionBook, options: BuildOptions, diags: Diagnostics, tmp: Path
    ) -> BuildNotes:
        """Write the output into ``tmp``; problems go into ``diags``."""


BUILDERS: dict[str, Builder] = {"epub": EpubBuilder(), "pdf": PdfBuilder()}


def check_manuscript(root: Path, out: Path = Path("build")) -> tuple[Book | None, Diagnostics]:
    """Load and check (alt text of images); the caller prints the diagnostics. A series in
    volumes is checked once, as a whole: every article in exactly one volume, and each
    diagnostic in an article names its volume."""
    book, diags = load_book(root)
    if book is not None:
        check_book(book, diags)
        if book.config.volumes:
            options = BuildOptions(root, out)  # where the builds keep their page caches
            known = None
            if needs_pages(book.config):  # without laying the book out: as far as known
                known = fresh_pages(book, book.config.writing_mode, options)
            plans = plan_volumes(book, diags, known)
            if known is not None or not needs_pages(book.config):
                diags.items[:] = name_volumes(diags.items, volume_by_path(book, plans))
    else:
        config = read_config(root)
        if config is not None and config.volumes:  # named from the files alone
            diags.items[:] = name_volumes(diags.items, volumes_of_files(root, config))
    return book, diags


def volume_by_path(book: Book, plans: tuple[VolumePlan, ...]) -> dict[str, int]:
    """Article path (as diagnostics show it) → its volume."""
    number = {slug: plan.number for plan in plans for slug in plan.slugs}
    return {art.location.path: number[art.slug] for art in book.articles if art.slug in number}


def name_volumes(items: list[Diagnostic], volume_of: dict[str, int]) -> list[Diagnostic]:
    """Diagnostics located in an article, with the article's volume named: "… (volume 2)"."""
    out = []
    for diag in items:
        number = volume_of.get(diag.location.path) if diag.location else None
        if number is not None:
            diag = Diagnostic(
                diag.level, diag.code, f"{diag.message} (volume {number})", diag.location
            )
        out.append(diag)
    return out


def load_or_fail(root: Path, strict: bool) -> tuple[Book, Diagnostics]:
    """The loaded book, or :class:`BuildFailed` with every problem found."""
    book, diags = load_book(root)
    fail_if(diags, strict, f"in {root}")
    assert book is not None  # load_book gives None only with errors
    return book, diags


@dataclass(frozen=True)
class Built:
    """A finished build: the output file, every diagnostic, the builder's notes."""

    path: Path
    diagnostics: Diagnostics
    notes: BuildNotes
    volume: int | None = None  # its number, when the book is a volume of a series


def build(kind: str, options: BuildOptions, builder: Builder | None = None) -> Built:
    """Build one output ("epub" or "pdf"): load, check, run the edition passes, let the
    builder write a temporary file, fail on errors, then rename it into place and write
    the files the builder puts beside it. A series in volumes: the volume
    ``options.volume`` (see :func:`build_all` for every volume)."""
    builder = builder or BUILDERS[kind]
    if builder.cover and options.volume is None:
        start_cover(options)
    book, diags = load_or_fail(options.manuscript, options.strict)
    if book.config.volumes or options.volume is not None:
        built = list(build_volumes(kind, options, builder, book, diags, only=True))
        return built[0]
    return write_book(book, diags, kind, options, builder)


def write_book(
    book: Book, diags: Diagnostics, kind: str, options: BuildOptions, builder: Builder
) -> Built:
    """The edition passes, the builder, the atomic rename (the book loaded and checked)."""
    mode = options.writing_mode or book.config.writing_mode
    job = edition_book(book, mode, options.numerals)
    target = builder.output_path(book, mode, options.out)
    doing = f"while {builder.doing}" + (f" (volume {book.volume})" if book.volume else "")
    with atomic_path(target) as tmp:
        notes = builder.write(job, options, diags, tmp)
        fail_if(diags, options.strict, doing)
    for suffix, data in notes.beside.items():
        atomic_write(target.with_name(target.stem + suffix), data)
    keep_rendered_covers()  # the cover cache is written only once the book is
    return Built(target, diags, notes, book.volume)


def build_all(kind: str, options: BuildOptions, builder: Builder | None = None) -> Iterator[Built]:
    """Every book the options ask for: the book, or the volumes of a series (every volume,
    or ``options.volume``), each given as soon as it is written."""
    builder = builder or BUILDERS[kind]
    config = read_config(options.manuscript)
    if config is None or (not config.volumes and options.volume is None):
        yield build(kind, options, builder)
        return
    book, diags = load_or_fail(options.manuscript, options.strict)
    yield from build_volumes(kind, options, builder, book, diags)


def build_book(
    kind: str, options: BuildOptions, builder: Builder | None = None
) -> tuple[Path, Diagnostics]:
    """:func:`build`, returning the output's path and the diagnostics."""
    built = build(kind, options, builder)
    return built.path, built.diagnostics


def start_cover(options: BuildOptions) -> None:
    """Draw the cover on another core while the articles load. Large books load in worker
    processes instead (forked, so no thread may be running then)."""
    folder = options.manuscript / ARTICLES_DIR
    if not folder.is_dir():
        return
    articles = sum(1 for _ in folder.glob("*.md"))
    if jobs_for(articles, minimum_tasks=PARALLEL_MIN_ARTICLES) == 1:
        prefetch_cover(options.manuscript, options.writing_mode, options.cache_dir, read_config)


# -- a series in volumes ---------------------------------------------------------------

#: rounds of laying out volumes again when page numbers of other volumes they print moved
MAX_VOLUME_ROUNDS = 3


def build_volumes(
    kind: str,
    options: BuildOptions,
    builder: Builder,
    book: Book,
    diags: Diagnostics,
    *,
    only: bool = False,
) -> Iterator[Built]:
    """The volumes of a series (``options.volume``, or every volume unless ``only``), each
    a complete book; given as each is written. Volumes are built in forked processes when
    there are enough of them for the CPUs; PDFs print links to other volumes as 「第2巻 p.34」
    with page numbers from those volumes' page caches, laid out (again) when stale."""
    where = SourceLocation(str(options.manuscript / BOOK_FILE))
    if not book.config.volumes:
        raise TougenError(
            "the book has no volumes: build it without --volume",
            [Diagnostic(Level.ERROR, "volume-none", "book.toml defines no [volumes]", where)],
        )
    pages = article_pages(book, options) if needs_pages(book.config) else None
    plans = plan_volumes(book, diags, pages)
    fail_if(diags, options.strict, "while dividing the series into volumes")
    if options.volume is not None and not 1 <= options.volume <= len(plans):
        message = f"there is no volume {options.volume}: the series has {len(plans)} volume(s)"
        raise TougenError(message, [Diagnostic(Level.ERROR, "volume-none", message, where)])
    if only and options.volume is None:
        message = f"the series has {len(plans)} volumes: build one (--volume N) or all"
        raise TougenError(message)
    numbers = [options.volume] if options.volume is not None else [p.number for p in plans]
    series = _Series(
        kind, options, builder, {p.number: volume_book(book, plans, p.number) for p in plans}
    )
    for index, built in enumerate(series.run(numbers)):
        if index == 0 and diags.items:  # what loading found is said once, with the first
            built.diagnostics.items[:0] = diags.items
        yield built


def book_stamp(book: Book, mode: str, options: BuildOptions) -> str:
    """What the page numbers of a book's print edition depend on: its text (articles, the
    glossary entries and sources it holds, book.toml), its images, the styles, the options
    that change the layout. A page cache with another stamp is stale. A volume's stamp does
    not change when other volumes do (new posts, new glossary entries elsewhere)."""
    digest = hashlib.sha256()
    trim = options.trim or book.config.trim
    numerals = options.numerals or book.config.numerals
    # reprs of frozen records: deterministic, but the article's set of characters is not
    articles = [replace(art, text_chars=frozenset()) for art in book.articles]
    text = (__version__, mode, trim, numerals, book.config, articles, book.glossary)
    digest.update(repr((*text, book.sources, book.glossary_note)).encode())
    images = sorted({path for art in book.articles for path in art.images})
    files = [book.root / path for path in images] + sorted(styles_dir().glob("*.css"))
    for path in files:
        digest.update(str(path.name).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stamp_path(book: Book, mode: str, out: Path) -> Path:
    path = page_cache_path(book, mode, out)
    assert path is not None
    return path.with_suffix(".stamp")


def fresh_pages(book: Book, mode: str, options: BuildOptions) -> dict[str, int] | None:
    """The page numbers of the last layout of ``book`` (its page cache) if it is not stale."""
    try:
        stamp = _stamp_path(book, mode, options.out).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if stamp != book_stamp(book, mode, options):
        return None
    return read_page_map(page_cache_path(book, mode, options.out))


def _write_stamp(book: Book, mode: str, options: BuildOptions) -> None:
    with contextlib.suppress(OSError, TougenError):  # only saves a layout next time
        atomic_write(_stamp_path(book, mode, options.out), book_stamp(book, mode, options).encode())


def lay_out_only(book: Book, mode: str, options: BuildOptions) -> None:
    """Lay out the print edition of ``book`` for its page numbers (page cache and stamp);
    the PDF is not kept."""
    cache = options.cache_dir / "layout"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as folder:
        job = edition_book(book, mode, options.numerals)
        diags = Diagnostics()
        BUILDERS["pdf"].write(job, options, diags, Path(folder) / "layout.pdf")
        fail_if(diags, False, f"while counting the pages of {book.config.name}")
    _write_stamp(book, mode, options)


def article_pages(book: Book, options: BuildOptions) -> dict[str, int]:
    """Printed pages of each article (slug → pages) in the book's default print edition
    (book.toml's writing mode and trim), from its page cache; the whole book is laid out
    once when the cache is missing or stale. For ``[volumes] split = "pages:N"``."""
    mode = book.config.writing_mode
    base = replace(options, writing_mode=None, trim=None, numerals=None, press=None, marks=False)
    starts = fresh_pages(book, mode, base) or {}
    if not all(article_anchor(a.slug) in starts for a in book.articles):
        with progress(1, f"counting pages ({len(book.articles)} articles, once)") as step:
            lay_out_only(book, mode, base)
            step()
        starts = fresh_pages(book, mode, base) or {}
    begin = [starts.get(article_anchor(a.slug), 0) for a in book.articles]
    after = [p for key, p in starts.items() if not key.startswith("a")]
    out = {}
    for i, art in enumerate(book.articles):
        if i + 1 < len(begin):
            end = begin[i + 1]
        else:
            end = min((p for p in after if p > begin[i]), default=begin[i] + 1)
        out[art.slug] = max(1, end - begin[i])
    return out


def _linked(book: Book) -> dict[str, int]:
    """Places in other volumes whose pages ``book`` (a volume) prints: the anchors of the
    articles its see-also lists name and of the uses its glossary and bibliography list
    → their volume."""
    out = {
        article_anchor(s.article_slug): book.elsewhere[s.article_slug].volume
        for art in book.articles
        for s in art.see_also
        if s.article_slug in book.elsewhere
    }
    for refs in (*book.elsewhere_uses.values(), *book.elsewhere_citations.values()):
        for ref in refs:
            out[ref.anchor] = book.elsewhere[ref.article_slug].volume
    return out


_SERIES: _Series | None = None  # what forked workers inherit


def _series_job(job: tuple[int, dict[str, int], bool]) -> tuple[int, dict[str, int], object]:
    assert _SERIES is not None
    return _SERIES.one(job)


def _one_process_each() -> None:
    os.environ[JOBS_ENV] = "1"  # a volume per worker: no workers of its own
    os.environ["TOUGEN_PROGRESS"] = "0"  # the parent says when each volume is done


class _Series:
    """Building the volumes of one series."""

    def __init__(
        self, kind: str, options: BuildOptions, builder: Builder, books: dict[int, Book]
    ) -> None:
        self.kind, self.options, self.builder, self.books = kind, options, builder, books
        any_book = next(iter(books.values()))
        self.mode = options.writing_mode or any_book.config.writing_mode

    def pages_for(self, number: int) -> dict[str, int]:
        """Pages (in their own volumes) of the places in other volumes that ``number``
        prints (anchor → page), as far as fresh page caches know them."""
        out: dict[str, int] = {}
        known: dict[int, dict[str, int]] = {}
        for anchor, volume in sorted(_linked(self.books[number]).items()):
            if volume not in known:
                known[volume] = fresh_pages(self.books[volume], self.mode, self.options) or {}
            page = known[volume].get(anchor)
            if page is not None:
                out[anchor] = page
        return out

    def one(self, job: tuple[int, dict[str, int], bool]) -> tuple[int, dict[str, int], object]:
        """Build volume ``number`` (``layout_only``: only for its page numbers)."""
        number, pages, layout_only = job
        book = self.books[number]
        options = replace(self.options, volume=number, elsewhere_pages=pages)
        try:
            if layout_only:
                lay_out_only(book, self.mode, options)
                return number, pages, None
            built = write_book(book, Diagnostics(), self.kind, options, self.builder)
            if self.kind == "pdf":
                _write_stamp(book, self.mode, options)
            return number, pages, built
        except TougenError as exc:
            return number, pages, (str(exc), exc.diagnostics)

    def run_jobs(
        self, jobs: list[tuple[int, dict[str, int], bool]]
    ) -> Iterator[tuple[int, dict[str, int], object]]:
        global _SERIES
        workers = jobs_for(len(jobs))
        if self.kind == "pdf" and len(jobs) * 2 < cpus() and not os.environ.get(JOBS_ENV):
            workers = 1  # few volumes: one after another, each laid out in parts on every CPU
        if workers == 1:
            for job in jobs:
                yield self.one(job)
            return
        _SERIES = self
        try:
            with fork_pool(workers, _one_process_each, maxtasksperchild=1) as pool:
                yield from pool.imap_unordered(_series_job, jobs)
        finally:
            _SERIES = None

    def run(self, numbers: list[int]) -> Iterator[Built]:
        failed: list[tuple[str, list[Diagnostic]]] = []
        wanted = set(numbers)
        if self.kind == "pdf":
            # the volumes linked to whose page numbers are unknown, laid out first
            others = sorted({v for n in numbers for v in _linked(self.books[n]).values()} - wanted)
            stale = [
                v for v in others if fresh_pages(self.books[v], self.mode, self.options) is None
            ]
            for _n, _pages, result in self.run_jobs([(v, {}, True) for v in stale]):
                if isinstance(result, tuple):
                    failed.append(result)
        todo = sorted(wanted)
        for again in range(MAX_VOLUME_ROUNDS if self.kind == "pdf" else 1):
            if failed or not todo:
                break
            used: dict[int, dict[str, int]] = {}
            jobs = [(n, self.pages_for(n), False) for n in todo]
            for n, pages, result in self.run_jobs(jobs):
                if isinstance(result, Built):
                    used[n] = pages
                    if again:
                        result.notes.lines.insert(
                            0, "laid out again: the pages it names in other volumes have moved"
                        )
                    yield result
                elif isinstance(result, tuple):
                    failed.append(result)
            # a volume printed a page number of another volume that has moved since
            todo = [n for n in sorted(used) if self.pages_for(n) != used[n]]
        if failed:
            diagnostics = [d for _message, diags in failed for d in diags]
            reasons = "; ".join(message for message, _diags in failed)
            raise TougenError(reasons, diagnostics)


__all__ = [
    "BUILDERS",
    "build_all",
    "build_volumes",
    "BuildOptions",
    "Builder",
    "Built",
    "build",
    "build_book",
    "check_manuscript",
]
