"""Ruby on vertical pages: the reading sits right of the base (above it on the layout page)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import weasyprint

from tougen_pub.assets.fonts import FontRef
from tougen_pub.pdf.vertical.font import derive_vertical_font
from tougen_pub.pdf.vertical.ruby import ruby_css, ruby_html
from tougen_pub.pdf.vertical.weasy import MemoryFontFetcher, font_face_css

IPAEX = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")


@pytest.mark.parametrize(("size", "line_height"), [(10, 1.75), (14, 2.0)])
def test_reading_is_centred_above_the_base_on_the_layout_page(
    size: int, line_height: float
) -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    if not IPAEX.is_file():
        pytest.skip("IPAex Mincho not installed")
    text = "これは漢字の例です。"
    font = derive_vertical_font(FontRef(IPAEX), text + "かんじ", [], family="TougenVertRuby")
    body = "これは" + ruby_html("漢字", "かんじ") + "の例です。"
    html = f"""<html><head><style>{font_face_css(font)} {ruby_css(line_height)}
      @page {{ size: 210mm 148mm; margin: 20mm; }}
      body {{ margin: 0; font-family: "{font.family}"; font-size: {size}pt; line-height: {line_height}; }}
      </style></head><body><p>{body}</p></body></html>"""
    pdf = weasyprint.HTML(string=html, url_fetcher=MemoryFontFetcher([font])).write_pdf()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = doc.pages[0].chars  # unturned layout page
        lines = doc.pages[0].extract_text().splitlines()
    base = [c for c in chars if c["text"] in "漢字"]
    reading = [c for c in chars if c["text"] in "かんじ" and c["size"] < size * 0.6]
    assert len(base) == 2 and len(reading) == 3
    base_top = min(c["top"] for c in base)
    # above the base (= right of the column once turned), touching its em box
    for c in reading:
        assert c["bottom"] == pytest.approx(base_top, abs=0.05)
    # centred on the base along the line (= the column)
    centre = (min(c["x0"] for c in base) + max(c["x1"] for c in base)) / 2
    r_centre = (min(c["x0"] for c in reading) + max(c["x1"] for c in reading)) / 2
    assert r_centre == pytest.approx(centre, abs=0.5)
    # the base text stays contiguous for extraction and search
    assert text in lines and "かんじ" in lines
