"""The machine the build runs on: `tougen-pub doctor`, WeasyPrint's native libraries, and
environment warnings reported once, apart from manuscript problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tougen_pub import doctor
from tougen_pub.cli import main
from tougen_pub.diagnostics import BuildFailed, Diagnostics, fail_if
from tougen_pub.pdf import report as pdf_report
from tougen_pub.pdf.weasy import load_weasyprint

HARFBUZZ_FALLBACK = (
    'Using fontTools instead of HarfBuzz-Subset for font "TougenMincho". This will be '
    "unsupported in future versions of WeasyPrint. Please install HarfBuzz-Subset >= 4.1.0 "
    "with your package manager."
)


def test_weasyprint_subsets_fonts_with_harfbuzz() -> None:
    """A machine without libharfbuzz-subset makes WeasyPrint fall back to fontTools (slower,
    one warning per font and part): the suite fails there instead of the books silently."""
    load_weasyprint()
    from weasyprint.text import ffi

    assert ffi.harfbuzz_subset is not None, (
        "WeasyPrint cannot open libharfbuzz-subset.so.0: apt-get install libharfbuzz-subset0 "
        "(scripts/system-deps.sh does)"
    )


def test_doctor_passes_on_a_set_up_machine(tiny_root: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["doctor", "-m", str(tiny_root), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "HarfBuzz subsetting" in result.output
    assert "libharfbuzz-subset.so.0" in result.output
    assert "Mincho face" in result.output and "Gothic face" in result.output
    assert "MISSING" not in result.output


def test_doctor_names_the_package_of_a_missing_library(tiny_root: Path, tmp_path: Path) -> None:
    def loads(soname: str) -> bool:
        return soname != "libharfbuzz-subset.so.0"

    text, status = doctor.report(doctor.findings(tiny_root, tmp_path, loads=loads))
    assert status == 1
    assert "apt-get install libharfbuzz-subset0" in text
    quiet, status = doctor.report(doctor.findings(tiny_root, tmp_path, loads=loads), quiet=True)
    assert status == 1
    assert quiet.splitlines()[0].startswith("MISSING  HarfBuzz subsetting")
    assert "Mincho" not in quiet  # only what is missing


def test_doctor_quiet_says_nothing_when_all_is_there(tiny_root: Path, tmp_path: Path) -> None:
    text, status = doctor.report(doctor.findings(tiny_root, tmp_path), quiet=True)
    assert (text, status) == ("", 0)


def test_a_test_tool_missing_does_not_stop_the_build() -> None:
    items = [
        doctor.Finding("fontconfig", True, "libfontconfig.so.1"),
        doctor.Finding("Java (EPUBCheck)", False, "not found", "apt-get install x", False),
    ]
    text, status = doctor.report(items)
    assert status == 0
    assert "the tests need 1 more" in text


def test_environment_warnings_are_reported_once_without_a_location(tiny_book) -> None:
    diags = Diagnostics()
    layout = "Anchor defined twice: x"
    # three parts logged the same two messages
    pdf_report.report([], [HARFBUZZ_FALLBACK, layout] * 3, tiny_book, diags)
    assert [(d.code, d.location is None) for d in diags] == [
        ("pdf-environment", True),
        ("pdf-layout", False),
    ]
    assert str(diags.items[1].location).endswith("book.toml")


@pytest.mark.parametrize(
    ("message", "environment"),
    [
        (HARFBUZZ_FALLBACK, True),
        ("Fontconfig error: Cannot load default config file", True),
        ("Failed to load image at 'x.png'", False),
        ("Ignored `foo: bar` at 3:4, unknown property.", False),
    ],
)
def test_which_messages_are_about_the_machine(message: str, environment: bool) -> None:
    assert pdf_report.is_environment_message(message) is environment


def test_a_strict_build_says_which_warnings_stopped_it() -> None:
    diags = Diagnostics()
    diags.warning("pdf-environment", HARFBUZZ_FALLBACK)
    with pytest.raises(BuildFailed) as failed:
        fail_if(diags, True, "while laying out the PDF")
    message = str(failed.value)
    assert "0 error(s)" not in message
    assert "1 warning(s) with --strict (pdf-environment)" in message
