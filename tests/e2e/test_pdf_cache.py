"""The derived vertical fonts are cached in the build folder: a build that takes them
from the cache writes the very same PDF bytes as the build that derived them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_pdf_horizontal import Built
from test_pdf_vertical import vbuilt  # noqa: F401 - the shared vertical build

pytestmark = pytest.mark.slow


def test_cached_fonts_give_a_byte_identical_pdf(
    vbuilt: Built,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tougen_pub.ingest.loader import load_book
    from tougen_pub.package import pdf
    from tougen_pub.package.vertical import font
    from tougen_pub.pipeline import BuildOptions

    cache = vbuilt.pdf.parent / ".cache" / "fonts"
    entries = sorted(p.suffix for p in cache.iterdir())
    assert entries == [".ttf", ".ttf"] or entries == [".otf", ".otf"], entries
    out = tmp_path / "out"
    shutil.copytree(cache, out / ".cache" / "fonts")

    def no_derivation(*_args, **_kwargs):
        raise AssertionError("the derived fonts should come from the cache")

    monkeypatch.setattr(font, "_derive", no_derivation)
    book, diags = load_book(vbuilt.root)
    assert book is not None
    target, _ = pdf.build(book, "vertical", BuildOptions(vbuilt.root, out, "vertical"), diags)
    assert target.read_bytes() == vbuilt.pdf.read_bytes()
    # the cache stays in the build folder: nothing next to the book but the book
    assert sorted(p.name for p in out.iterdir()) == [".cache", target.name]
