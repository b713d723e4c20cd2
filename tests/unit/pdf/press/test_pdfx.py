"""PDF/X declarations (pdf/press/pdfx.py): the Japan Color output intent, the GTS keys in the
document information and in XMP, /Trapped, dates; the same input gives the same file."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import pytest

from tougen_pub.pdf.press.pdfx import declare, pdf_date, xmp

DATE = "2025-02-09T06:13:00Z"
NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdfx": "http://ns.adobe.com/pdfx/1.3/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}


def small_pdf(producer: str | None = "WeasyPrint 70.0") -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(419.53, 595.28))
    if producer:
        pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(Producer=pikepdf.String(producer)))
    return pdf


def declared(press: str, title: str = "桃源の本", date: str | None = DATE, **kw) -> pikepdf.Pdf:
    pdf = small_pdf(**kw)
    declare(pdf, press, title, date)
    return pdf


def metadata(pdf: pikepdf.Pdf) -> ET.Element:
    stream = pdf.Root.Metadata
    assert stream.Type == pikepdf.Name.Metadata and stream.Subtype == pikepdf.Name.XML
    return ET.fromstring(bytes(stream.read_bytes()))  # well-formed XML, or this raises


def description(pdf: pikepdf.Pdf) -> ET.Element:
    found = metadata(pdf).find("rdf:RDF/rdf:Description", NS)
    assert found is not None
    return found


def text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, NS)
    return found.text if found is not None else None


@pytest.mark.parametrize("press", ["x1a", "x4"])
def test_output_intent_is_japan_color_by_name(press: str) -> None:
    pdf = declared(press)  # kept: its objects live as long as the Pdf
    intents = pdf.Root.OutputIntents
    assert len(intents) == 1
    intent = intents[0]
    assert intent.Type == pikepdf.Name.OutputIntent
    assert intent.S == pikepdf.Name.GTS_PDFX
    assert str(intent.OutputConditionIdentifier) == "JC200103"
    assert str(intent.OutputCondition) == "Japan Color 2001 Coated"
    assert str(intent.RegistryName) == "http://www.color.org"
    assert "/DestOutputProfile" not in intent  # a registered condition: no profile embedded


def test_x1a_info() -> None:
    pdf = declared("x1a")
    info = pdf.docinfo
    assert str(info.GTS_PDFXVersion) == "PDF/X-1a:2003"
    assert str(info.GTS_PDFXConformance) == "PDF/X-1a:2003"
    assert info.Trapped == pikepdf.Name("/False")
    assert str(info.Title) == "桃源の本"
    assert str(info.CreationDate) == "D:20250209061300Z"
    assert str(info.ModDate) == "D:20250209061300Z"
    assert str(info.Producer) == "WeasyPrint 70.0"  # kept


def test_x4_info_has_no_conformance() -> None:
    pdf = declared("x4")
    info = pdf.docinfo
    assert str(info.GTS_PDFXVersion) == "PDF/X-4"
    assert "/GTS_PDFXConformance" not in info
    assert info.Trapped == pikepdf.Name("/False")


def test_x4_after_x1a_drops_the_conformance() -> None:
    pdf = declared("x1a")
    declare(pdf, "x4", "桃源の本", DATE)
    assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-4"
    assert "/GTS_PDFXConformance" not in pdf.docinfo
    assert len(pdf.Root.OutputIntents) == 1


def test_info_is_made_when_missing() -> None:
    pdf = declared("x4", producer=None)
    assert str(pdf.trailer.Info.GTS_PDFXVersion) == "PDF/X-4"
    assert pdf.trailer.Info.is_indirect
    assert text(description(pdf), "pdf:Producer") is None  # empty element: no producer known


def test_x1a_xmp() -> None:
    desc = description(declared("x1a"))
    assert text(desc, "pdfx:GTS_PDFXVersion") == "PDF/X-1a:2003"
    assert text(desc, "pdfx:GTS_PDFXConformance") == "PDF/X-1a:2003"
    assert desc.find("pdfxid:GTS_PDFXVersion", NS) is None
    assert text(desc, "dc:title/rdf:Alt/rdf:li") == "桃源の本"
    assert text(desc, "dc:format") == "application/pdf"
    for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
        assert text(desc, key) == "2025-02-09T06:13:00Z", key
    assert text(desc, "pdf:Trapped") == "False"
    assert text(desc, "pdf:Producer") == "WeasyPrint 70.0"
    doc_id = text(desc, "xmpMM:DocumentID")
    assert doc_id and re.fullmatch(r"uuid:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", doc_id)


def test_x4_xmp() -> None:
    desc = description(declared("x4"))
    assert text(desc, "pdfxid:GTS_PDFXVersion") == "PDF/X-4"
    assert desc.find("pdfx:GTS_PDFXVersion", NS) is None
    assert desc.find("pdfx:GTS_PDFXConformance", NS) is None


def test_xmp_escapes_the_title() -> None:
    desc = description(declared("x4", title="A & B <桃源>"))
    assert text(desc, "dc:title/rdf:Alt/rdf:li") == "A & B <桃源>"


def test_xmp_is_a_packet() -> None:
    packet = xmp("本", "PDF/X-4", DATE, "p")
    assert packet.startswith('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>')
    assert packet.endswith('<?xpacket end="w"?>')


def test_the_same_book_gives_the_same_declaration() -> None:
    def saved(title: str, date: str | None) -> bytes:
        pdf = declared("x1a", title=title, date=date)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()

    assert saved("桃源の本", DATE) == saved("桃源の本", DATE)
    assert saved("桃源の本", DATE) != saved("別の本", DATE)
    ids = {
        text(description(declared("x1a", title=t, date=d)), "xmpMM:DocumentID")
        for t, d in [("桃源の本", DATE), ("別の本", DATE), ("桃源の本", "2025-03-01T00:00:00Z")]
    }
    assert len(ids) == 3  # the id follows the title and the date


def test_no_date() -> None:
    pdf = declared("x4", date=None)
    assert "/CreationDate" not in pdf.docinfo and "/ModDate" not in pdf.docinfo
    assert text(description(pdf), "xmp:CreateDate") == "1970-01-01T00:00:00Z"


def test_kdp_declares_nothing() -> None:
    pdf = declared("kdp")
    assert "/OutputIntents" not in pdf.Root
    assert "/Metadata" not in pdf.Root
    assert set(pdf.docinfo.keys()) == {"/Producer"}


@pytest.mark.parametrize(
    "date, stamp",
    [
        ("2025-02-09T06:13:00Z", "D:20250209061300Z"),
        ("2025-02-09T06:13:00+00:00", "D:20250209061300Z"),
        ("1999-12-31T23:59:59Z", "D:19991231235959Z"),
        (None, None),
        ("", None),
    ],
)
def test_pdf_date(date: str | None, stamp: str | None) -> None:
    assert pdf_date(date) == stamp


# ISO 32000-1 7.9.4: each field only after all the fields before it (Z after the seconds).
PDF_DATE = re.compile(r"D:\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(Z|[+-]\d{2}'\d{2}'?)?)?)?)?)?)?")
# XMP dates (W3C-DTF): a time zone only after a time.
XMP_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2}))?)?)?")


def test_a_date_without_a_time_is_valid() -> None:
    pdf = declared("x4", date="2025-02-09")  # builder.build_date: book.config.date.isoformat()
    assert PDF_DATE.fullmatch(str(pdf.docinfo.CreationDate)), str(pdf.docinfo.CreationDate)
    created = text(description(pdf), "xmp:CreateDate") or ""
    assert XMP_DATE.fullmatch(created), created


@pytest.mark.parametrize("press", ["x1a", "x4"])
def test_the_preflight_accepts_the_declaration(tmp_path: Path, press: str) -> None:
    """The keys are the ones the preflight asks for (the page itself is not checked here)."""
    from tougen_pub.pdf.preflight import preflight

    pdf = declared(press)
    path = tmp_path / "x.pdf"
    pdf.save(path, force_version="1.4" if press == "x1a" else None)
    codes = {d.code for d in preflight(path, press, 1).diagnostics}
    assert not codes & {"preflight-output-intent", "preflight-pdfx-version"}, codes
    undeclared = tmp_path / "plain.pdf"
    small_pdf().save(undeclared, force_version="1.4")
    codes = {d.code for d in preflight(undeclared, press, 1).diagnostics}
    assert {"preflight-output-intent", "preflight-pdfx-version"} <= codes
