"""Vertical pages end to end at small scale: derived font in WeasyPrint, pages turned."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import weasyprint
from pypdf import PdfReader

from machine import font_path
from tougen_pub.assets.fonts import FontRef
from tougen_pub.pdf.fetch import RestrictedFetcher
from tougen_pub.pdf.vertical.finish import rotate_pages
from tougen_pub.pdf.vertical.font import derive_vertical_font

IPAEX = font_path("IPAexMincho")
NOTO = font_path("Noto Serif CJK JP")
# a known sentence of the seed article, with a tcy number and sideways Latin
SENTENCE = "1994年の「ブダペスト覚書」では、ウクライナが核兵器を放棄する見返りとして、ロシア、米国、英国から安全保障の保証を受けた。"
SECOND = "NATOは12月に「サイバー防衛誓約」を採択した。"


def _render(source: FontRef, *, r2l: bool = False) -> bytes:
    font = derive_vertical_font(source, SENTENCE + SECOND, ["12"], family="TougenVertPDF")
    second = SECOND.replace("12", '<span class="tcy">12</span>')
    fetcher = RestrictedFetcher([])  # the build's fetcher: the derived font from memory only
    url = fetcher.add("mincho", font.data, font.mime_type)
    html = f"""<!DOCTYPE html><html lang="ja"><head><style>
    @font-face {{ font-family: "{font.family}"; src: url("{url}"); }}
    @page {{ size: 210mm 148mm; margin: 15mm 20mm; }}
    body {{ margin: 0; font-family: "{font.family}"; font-size: 10pt; line-height: 17.5pt; }}
    .tcy {{ font-feature-settings: "{font.tcy_feature}"; }}
    </style></head><body><p>{SENTENCE}</p><p>{second}</p></body></html>"""
    doc = weasyprint.HTML(string=html, url_fetcher=fetcher)
    pdf = doc.write_pdf(finisher=rotate_pages(r2l=r2l))
    assert not fetcher.refused
    return pdf


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory) -> Path:
    if not IPAEX.is_file():
        pytest.skip("IPAex Mincho not installed")
    path = tmp_path_factory.mktemp("vertical") / "ipaex.pdf"
    path.write_bytes(_render(FontRef(IPAEX)))
    return path


def test_every_page_is_turned_90_degrees(pdf_path: Path) -> None:
    reader = PdfReader(pdf_path)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert page.get("/Rotate") == 90
    # the layout page is landscape A5, shown as portrait A5
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert width == pytest.approx(595.28, abs=0.5) and height == pytest.approx(419.53, abs=0.5)
    assert "/ViewerPreferences" not in reader.trailer["/Root"]


def test_r2l_viewer_preference() -> None:
    if not IPAEX.is_file():
        pytest.skip("IPAex Mincho not installed")
    reader = PdfReader(io.BytesIO(_render(FontRef(IPAEX), r2l=True)))
    root = reader.trailer["/Root"]
    assert root["/ViewerPreferences"]["/Direction"] == "/R2L"
    assert reader.pages[0].get("/Rotate") == 90


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_text_extracts_in_reading_order(pdf_path: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the tcy ligature extracts as "12", in place; no vertical-form code points
    assert _squash(text) == _squash(SENTENCE + SECOND)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("which", ["ipaex", "noto"])
def test_fonts_are_embedded_and_not_type3(pdf_path: Path, tmp_path: Path, which: str) -> None:
    if which == "noto":
        if not NOTO.is_file():
            pytest.skip("Noto Serif CJK not installed")
        path = tmp_path / "noto.pdf"
        path.write_bytes(_render(FontRef(NOTO, 0)))
    else:
        path = pdf_path
    rows = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(rows) == 1, rows
    assert "TougenVertPDF" in rows[0]
    assert "Type 3" not in rows[0]
    fields = rows[0].split()
    assert fields[-5:-2] == ["yes", "yes", "yes"]  # emb sub uni
    if which == "noto":
        assert "CID Type 0C" in rows[0]  # CFF outlines stay CFF
    else:
        assert "CID TrueType" in rows[0]


def test_tcy_is_one_glyph_in_the_pdf(pdf_path: Path) -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(pdf_path) as pdf:
        chars = [c["text"] for c in pdf.pages[0].chars]
    assert "12" in chars  # one glyph whose ToUnicode is "12"
    assert "".join(chars).count("1") == 2  # 1994 and the tcy; no stray separate digits
