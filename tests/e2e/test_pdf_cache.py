"""The build folder's cache (derived vertical fonts, page numbers of link targets): a build
that uses it writes the very same PDF bytes as the build that filled it, and a stale
cache only costs time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_pdf_horizontal import Built, build_book_pdf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vbuilt(tmp_path_factory: pytest.TempPathFactory, tiny_root: Path) -> Built:
    """The vertical book laid out as one document (the layout whose page-number cache these
    tests are about; books laid out in parts are tested in test_pdf_parts.py)."""
    return build_book_pdf(tmp_path_factory.mktemp("pdfcache"), tiny_root, "vertical", parts=False)


def _rebuild(built: Built, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """Build the vertical book again into ``out``; which layouts ran (literal page numbers
    or target-counter)."""
    from tougen_pub.ingest.loader import load_book
    from tougen_pub.options import BuildOptions
    from tougen_pub.pdf import builder as pdf

    layouts: list[str] = []
    original = pdf.html_document

    def spy(prepared, html=None):
        layouts.append("counter" if html is None else "literal")
        return original(prepared, html)

    monkeypatch.setattr(pdf, "html_document", spy)
    book, diags = load_book(built.root)
    assert book is not None
    target, _ = pdf.build(
        book, "vertical", BuildOptions(built.root, out, "vertical", parts=False), diags
    )
    return target, layouts


def test_cached_fonts_and_pages_give_a_byte_identical_pdf(
    vbuilt: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tougen_pub.pdf.vertical import font

    cache = vbuilt.pdf.parent / ".cache"
    entries = sorted((cache / "fonts").iterdir())
    assert [p.suffix for p in entries] == [".bin", ".bin"], entries
    for entry in entries:  # the derived font is a font only inside the PDF
        data = entry.read_bytes()
        assert data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf", b"wOFF", b"wOF2")
        assert b"glyf" not in data and b"CFF " not in data and b"TougenMincho" not in data
    pages = json.loads((cache / "pages" / "tiny-vertical.json").read_text(encoding="utf-8"))
    assert pages and all(type(n) is int and n > 0 for n in pages.values())
    out = tmp_path / "out"
    shutil.copytree(cache, out / ".cache")

    def no_derivation(*_args, **_kwargs):
        raise AssertionError("the derived fonts should come from the cache")

    monkeypatch.setattr(font, "_derive", no_derivation)
    target, layouts = _rebuild(vbuilt, out, monkeypatch)
    assert layouts == ["literal"]  # laid out once, with the page numbers written out
    assert target.read_bytes() == vbuilt.pdf.read_bytes()
    # the cache stays in the build folder: nothing next to the book but the book
    assert sorted(p.name for p in out.iterdir()) == [".cache", target.name]


def test_stale_page_numbers_are_laid_out_again(
    vbuilt: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    shutil.copytree(vbuilt.pdf.parent / ".cache", out / ".cache")
    page_map = out / ".cache" / "pages" / "tiny-vertical.json"
    pages = json.loads(page_map.read_text(encoding="utf-8"))
    first = sorted(pages)[0]
    pages[first] += 2  # as if an article had grown by a spread since the last build
    page_map.write_text(json.dumps(pages), encoding="utf-8")
    target, layouts = _rebuild(vbuilt, out, monkeypatch)
    assert layouts == ["literal", "counter"]
    assert target.read_bytes() == vbuilt.pdf.read_bytes()
    assert json.loads(page_map.read_text(encoding="utf-8"))[first] == pages[first] - 2
