"""Trim sizes, crop marks and bleed, and reproducible bytes with SOURCE_DATE_EPOCH."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tougen_pub.pdf.geometry import TRIMS, geometry

MM = 72 / 25.4


@pytest.mark.parametrize("trim", sorted(TRIMS))
@pytest.mark.parametrize("mode", ["horizontal", "vertical"])
def test_geometry_has_whole_characters_per_line(tiny_book, trim: str, mode: str) -> None:
    g = geometry(tiny_book, mode, trim)
    w, h = TRIMS[trim]
    assert (g.page_w, g.page_h) == pytest.approx((w * MM, h * MM))
    across = g.page_w - g.inner - g.outer if mode == "horizontal" else g.page_h - g.top - g.bottom
    assert across == pytest.approx(g.chars * g.font_size)
    assert g.chars >= 15


def test_margins_from_book_toml_override_the_preset(tiny_book) -> None:
    from tougen_pub.config import Margins

    cfg = tiny_book.config
    custom = cfg.model_copy(
        update={
            "print": cfg.print.model_copy(
                update={"margins": {"b6": Margins(top=10, bottom=10, inner=30, outer=10)}}
            )
        }
    )
    book = dataclasses.replace(tiny_book, config=custom)
    g = geometry(book, "horizontal", "b6")
    assert g.top == pytest.approx(10 * MM)
    assert g.inner > g.outer + 19 * MM  # only the spare part of a character is shared


@pytest.mark.slow
def test_bunko_with_marks_is_reproducible(tmp_path: Path, tiny_root: Path, monkeypatch) -> None:
    from pypdf import PdfReader

    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1739059200")  # 2025-02-09T00:00:00Z
    outs = []
    for n in (1, 2):
        opts = BuildOptions(tiny_root, tmp_path / f"o{n}", "horizontal", trim="bunko", marks=True)
        path, _ = build_book("pdf", opts)
        outs.append(path)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    reader = PdfReader(outs[0])
    page = reader.pages[0]
    trim = page.trimbox
    media = page.mediabox
    assert float(trim.width) == pytest.approx(105 * MM, abs=0.1)
    assert float(trim.height) == pytest.approx(148 * MM, abs=0.1)
    bleed = page.bleedbox
    assert float(bleed.width) == pytest.approx((105 + 6) * MM, abs=0.1)  # 3 mm bleed each side
    assert float(media.width) == pytest.approx((105 + 6 + 20) * MM, abs=0.1)  # marks outside
    assert reader.metadata["/CreationDate"].startswith("D:20250209000000")
    assert reader.metadata["/ModDate"] == reader.metadata["/CreationDate"]
    assert len(reader.trailer["/ID"]) == 2
