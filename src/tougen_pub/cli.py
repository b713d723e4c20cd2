"""Command line: ``tougen-pub check | import | build epub | build pdf``.

User errors are printed as located diagnostics without a traceback; the exit status is 1
when anything failed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

# The book.toml schema and front matter are pydantic models; no pydantic plugin takes part,
# and looking them up scans the metadata of every installed distribution (tens of ms per
# run). Set PYDANTIC_DISABLE_PLUGINS yourself to choose otherwise.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from tougen_pub import __version__
from tougen_pub.diagnostics import TougenError
from tougen_pub.options import NUMERALS, PRESS_PROFILES, TRIM_SIZES, WRITING_MODES

MANUSCRIPT_HELP = "Manuscript folder (book.toml, articles/, glossary.toml, sources.toml)."
WRITING_MODE = click.Choice(WRITING_MODES)


def manuscript_option(text: str = MANUSCRIPT_HELP):  # type: ignore[no-untyped-def]
    return click.option(
        "--manuscript",
        "-m",
        type=click.Path(path_type=Path),
        default=Path("manuscript"),
        show_default=True,
        help=text,
    )


def out_option(text: str = "Output folder."):  # type: ignore[no-untyped-def]
    return click.option(
        "--out",
        "-o",
        type=click.Path(path_type=Path),
        default=Path("build"),
        show_default=True,
        help=text,
    )


def _fail(exc: TougenError) -> None:
    for diag in exc.diagnostics:
        click.echo(diag.format(), err=True)
    click.echo(f"tougen-pub: {exc}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tougen-pub")
def main() -> None:
    """Turn a series of Japanese web articles into books: EPUB 3 and print PDF,
    vertical (縦組) or horizontal (横組).

    \b
    Typical use:
      tougen-pub import export.txt --into manuscript   # blog export -> manuscript
      tougen-pub check                                 # validate manuscript/
      tougen-pub build epub                            # build/NAME.epub
      tougen-pub build pdf                             # build/NAME-vertical.pdf
    """


@main.command()
@manuscript_option()
@out_option("Build folder whose page caches name the volumes of a pages:N split.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print info diagnostics.")
@click.option("--no-fonts", is_flag=True, help="Skip checking that the fonts have every character.")
def check(manuscript: Path, out: Path, strict: bool, quiet: bool, no_fonts: bool) -> None:
    """Validate the manuscript and print every problem as path:line:col: level: message [code]."""
    from tougen_pub.pipeline import check_manuscript

    try:
        book, diags = check_manuscript(manuscript, out)
        if book is not None and not no_fonts:
            from tougen_pub.check import check_glyphs

            check_glyphs(book, diags)
    except TougenError as exc:
        _fail(exc)
        return
    diags.print(show_info=not quiet)
    if diags.failed(strict):
        n_err, n_warn = len(diags.errors), len(diags.warnings)
        click.echo(f"tougen-pub: {n_err} error(s), {n_warn} warning(s)", err=True)
        sys.exit(1)
    assert book is not None
    click.echo(
        f"{manuscript}: ok — {len(book.articles)} articles, {len(book.glossary)} glossary entries, "
        f"{len(book.sources)} sources",
        err=True,
    )


@main.command("import")
@click.argument("export", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--into",
    "into",
    type=click.Path(path_type=Path),
    required=True,
    help="Manuscript folder to write (created; refused if it holds a manuscript, unless "
    "--update or --force).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the articles, glossary and sources of an existing manuscript in --into "
    "(book.toml is kept; hand edits are lost).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Merge a newer export into the manuscript in --into: add new posts as new "
    "articles, update articles the importer wrote and nobody edited, keep edited ones as "
    "they are, report posts gone from the export; glossary and sources are merged, "
    "book.toml is not rewritten. A folder without a manuscript gets a first import.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --update: print the report of what would change, write nothing.",
)
def import_(export: Path, into: Path, force: bool, update: bool, dry_run: bool) -> None:
    """Import a blog export (【SERIES】TITLE… posts) into a manuscript folder.

    Writes articles/NN-slug.md, glossary.toml (from the 【参考】 ☞ blocks), sources.toml
    (from 【引用・参照・底本】), .tougen-import.toml (what the importer wrote, for --update)
    and, when absent, a book.toml with fields to fill in.

    With --update, prints a line per post that changed, PATH[:LINE]: ACTION: TITLE (ACTION:
    added, updated, kept (edited) or vanished), and a summary.
    """
    if update and force:
        raise click.UsageError(
            "--update and --force exclude each other: --update keeps hand "
            "edits, --force replaces them"
        )
    if dry_run and not update:
        raise click.UsageError("--dry-run goes with --update")
    if update:
        from tougen_pub.importers.update import run_update

        try:
            result = run_update(export, into, dry_run=dry_run)
        except TougenError as exc:
            _fail(exc)
            return
        for diag in result.diagnostics:
            click.echo(diag.format(), err=True)
        for line in result.lines():
            click.echo(line)
        click.echo(result.summary())
        return
    from tougen_pub.importers.blog import run_import

    try:
        report = run_import(export, into, force=force)
    except TougenError as exc:
        _fail(exc)
        return
    for diag in report.diagnostics:
        click.echo(diag.format(), err=True)
    click.echo(
        f"{into}: {report.articles} articles, {report.glossary_entries} glossary entries, "
        f"{report.sources} sources ({report.citations} citations), "
        f"{report.internal_links} internal and {report.external_links} external see-also links",
        err=True,
    )


@main.command()
@manuscript_option("Manuscript whose book.toml names the fonts (fontconfig's choice when absent).")
@out_option("Output folder whose free disk is reported.")
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print only what the build lacks (nothing when all is well).",
)
def doctor(manuscript: Path, out: Path, quiet: bool) -> None:
    """Say what this machine has for tougen-pub and what is missing, with the command that
    fixes each: Python packages, the native libraries WeasyPrint loads (HarfBuzz subsetting
    among them), the Mincho and Gothic faces, Java and EPUBCheck for the tests, free disk.

    Exits 1 when something the build needs is missing.
    """
    from tougen_pub.doctor import findings, report

    text, status = report(findings(manuscript, out), quiet=quiet)
    if text:
        click.echo(text, err=quiet)
    sys.exit(status)


@main.command()
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--press",
    type=click.Choice(PRESS_PROFILES),
    default=None,
    help="What the file is for: x1a (PDF/X-1a:2003), x4 (PDF/X-4), kdp (KDP paperback); "
    "default: any press (CMYK or gray, bleed, ノンブル, fonts).",
)
@click.option(
    "--pages-multiple",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="The page count must be a multiple of this (1: any count).",
)
@click.option("--quiet", "-q", is_flag=True, help="Only the findings, no table.")
def preflight(pdf: Path, press: str | None, pages_multiple: int, quiet: bool) -> None:
    """Check a PDF as a print shop's preflight would: boxes and bleed, page count, a page
    number (ノンブル) on every page, fonts embedded once each and not Type 3, colour
    spaces (RGB is an error), transparency and annotations (PDF/X-1a), the PDF/X output
    intent, text in the safe zone, image resolution. Works on any PDF.

    Findings are printed as FILE.pdf#page=N: level: message [code]; the exit status is 1
    when any is an error.
    """
    from tougen_pub.pdf.preflight import preflight as run_preflight

    try:
        report = run_preflight(pdf, press, pages_multiple)
    except TougenError as exc:
        _fail(exc)
        return
    for diag in report.ordered():
        if not (quiet and diag.level.value == "info"):
            click.echo(diag.format(), err=True)
    if not quiet:
        click.echo(report.table(), err=True)
    sys.exit(1 if report.failed else 0)


@main.group()
def build() -> None:
    """Build the EPUB or the print PDF."""


class VolumeChoice(click.ParamType):
    """``--volume N`` (a positive number) or ``all`` (None)."""

    name = "volume"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if value is None or isinstance(value, int) or value == "all":
            return None if value == "all" else value
        text = str(value).strip()
        if text.isdigit() and int(text) > 0:
            return int(text)
        self.fail(f"{value!r} is not a volume number (1, 2, …) or 'all'", param, ctx)


def _common(f):  # type: ignore[no-untyped-def]
    f = click.option(
        "--volume",
        type=VolumeChoice(),
        default=None,
        metavar="N|all",
        help="A series in volumes (book.toml [volumes]): build volume N only, or all "
        "(the default) into NAME-vol01…; a PDF prints links to other volumes as 第N巻 p.M.",
    )(f)
    f = click.option("--strict", is_flag=True, help="Treat warnings as errors.")(f)
    f = out_option()(f)
    f = manuscript_option()(f)
    f = click.option(
        "--writing-mode",
        "-w",
        type=WRITING_MODE,
        default=None,
        help="vertical (縦組) or horizontal (横組); default from book.toml.",
    )(f)
    return f


@build.command("epub")
@_common
def build_epub(
    writing_mode: str | None, manuscript: Path, out: Path, strict: bool, volume: int | None
) -> None:
    """EPUB 3: build/NAME.epub (vertical) or build/NAME-horizontal.epub; a series in volumes:
    build/NAME-vol01.epub, … (one per volume, built in parallel)."""
    from tougen_pub.options import BuildOptions

    _run("epub", BuildOptions(manuscript, out, writing_mode, strict=strict, volume=volume))


@build.command("pdf")
@_common
@click.option(
    "--trim",
    type=click.Choice(TRIM_SIZES),
    default=None,
    help="Trim size; default from book.toml (a5).",
)
@click.option("--marks", is_flag=True, help="Japanese crop marks (トンボ) outside a 3 mm bleed.")
@click.option(
    "--numerals",
    type=click.Choice(NUMERALS),
    default=None,
    help="Vertical books: arabic (tate-chu-yoko) or kanji numerals (二〇二五年).",
)
@click.option("--r2l-viewer", is_flag=True, help="Ask viewers for right-bound spreads.")
@click.option(
    "--press",
    type=click.Choice(PRESS_PROFILES),
    default=None,
    help="Press-ready PDF: x1a (PDF/X-1a:2003), x4 (PDF/X-4) or kdp (KDP paperback): "
    "bleed, portrait pages, PDF/X keys; checked by preflight. Default from book.toml.",
)
def build_pdf(
    writing_mode: str | None,
    manuscript: Path,
    out: Path,
    strict: bool,
    volume: int | None,
    trim: str | None,
    marks: bool,
    numerals: str | None,
    r2l_viewer: bool,
    press: str | None,
) -> None:
    """Print PDF: build/NAME-vertical.pdf or build/NAME-horizontal.pdf, with its page plan
    (台割) beside it (NAME-MODE.plan.txt); a series in volumes: NAME-vol01-MODE.pdf, …"""
    from tougen_pub.options import BuildOptions

    options = BuildOptions(
        manuscript,
        out,
        writing_mode,
        strict=strict,
        trim=trim,
        marks=marks,
        numerals=numerals,
        r2l_viewer=r2l_viewer,
        press=press,
        volume=volume,
    )
    _run("pdf", options)


def _run(kind: str, options) -> None:  # type: ignore[no-untyped-def]
    from tougen_pub.pipeline import build_all

    try:
        for built in build_all(kind, options):
            built.diagnostics.print(show_info=False)
            for line in built.notes.lines:
                click.echo(line, err=True)
            volume = f"volume {built.volume}: " if built.volume is not None else ""
            click.echo(f"{volume}wrote {built.path}", err=True)
    except TougenError as exc:
        _fail(exc)
