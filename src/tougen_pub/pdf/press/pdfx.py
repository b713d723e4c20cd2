"""PDF/X declarations of a finished book: the output intent (the printing condition), the
GTS version keys in the document information and in XMP, ``/Trapped``.

The output intent names Japan Color 2001 Coated by its registered characterization
(``JC200103`` in the ICC registry), which PDF/X readers resolve without a profile in the
file: no ICC profile is shipped, fetched or embedded.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from xml.sax.saxutils import escape

# press → (GTS_PDFXVersion, GTS_PDFXConformance or None)
VERSIONS = {"x1a": ("PDF/X-1a:2003", "PDF/X-1a:2003"), "x4": ("PDF/X-4", None)}
CONDITION = "JC200103"
CONDITION_NAME = "Japan Color 2001 Coated"
REGISTRY = "http://www.color.org"


def declare(pdf: Any, press: str, title: str, date: str | None) -> None:
    """Make ``pdf`` declare itself PDF/X for ``press`` (kdp: nothing to declare)."""
    import pikepdf

    if press not in VERSIONS:
        return
    version, conformance = VERSIONS[press]
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFX,
                OutputConditionIdentifier=pikepdf.String(CONDITION),
                OutputCondition=pikepdf.String(CONDITION_NAME),
                RegistryName=pikepdf.String(REGISTRY),
                Info=pikepdf.String(CONDITION_NAME),
            )
        ]
    )
    info = pdf.trailer.get("/Info")
    if info is None:
        info = pdf.make_indirect(pikepdf.Dictionary())
        pdf.trailer.Info = info
    info.GTS_PDFXVersion = pikepdf.String(version)
    if conformance:
        info.GTS_PDFXConformance = pikepdf.String(conformance)
    elif "/GTS_PDFXConformance" in info:
        del info["/GTS_PDFXConformance"]
    info.Trapped = pikepdf.Name("/False")
    info.Title = pikepdf.String(title)
    stamp = pdf_date(date)
    if stamp:
        info.CreationDate = pikepdf.String(stamp)
        info.ModDate = pikepdf.String(stamp)
    pdf.Root.Metadata = pdf.make_stream(
        xmp(title, version, date, str(info.get("/Producer", ""))).encode()
    )
    pdf.Root.Metadata.Type = pikepdf.Name.Metadata
    pdf.Root.Metadata.Subtype = pikepdf.Name.XML


def pdf_date(date: str | None) -> str | None:
    """``2025-02-09T06:13:00+00:00`` → ``D:20250209061300Z``."""
    if not date:
        return None
    digits = "".join(c for c in date[:19] if c.isdigit()).ljust(14, "0")  # a date alone: 0:00
    return f"D:{digits}Z"


def xmp(title: str, version: str, date: str | None, producer: str) -> str:
    """The XMP packet: title, dates, producer, PDF/X version, document and version ids
    (derived from the title, version and date: the same book gives the same packet)."""
    when = (date or "1970-01-01")[:19]
    if "T" not in when:  # a date alone: its first moment
        when += "T00:00:00"
    when += "Z"
    seed = hashlib.sha256(f"{title}|{version}|{when}".encode()).digest()
    doc_id = uuid.UUID(bytes=seed[:16])
    x1a = version.startswith("PDF/X-1a")
    pdfx = (
        f"<pdfx:GTS_PDFXVersion>{version}</pdfx:GTS_PDFXVersion>"
        f"<pdfx:GTS_PDFXConformance>{version}</pdfx:GTS_PDFXConformance>"
        if x1a
        else f"<pdfxid:GTS_PDFXVersion>{version}</pdfxid:GTS_PDFXVersion>"
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"'
        ' xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/"'
        ' xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
        "</rdf:Alt></dc:title>\n"
        "<dc:format>application/pdf</dc:format>\n"
        f"<xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{when}</xmp:MetadataDate>\n"
        "<xmp:CreatorTool>tougen-pub</xmp:CreatorTool>\n"
        f"<pdf:Producer>{escape(producer)}</pdf:Producer><pdf:Trapped>False</pdf:Trapped>\n"
        f"<xmpMM:DocumentID>uuid:{doc_id}</xmpMM:DocumentID>"
        f"<xmpMM:InstanceID>uuid:{doc_id}</xmpMM:InstanceID>"
        "<xmpMM:VersionID>1</xmpMM:VersionID>"
        "<xmpMM:RenditionClass>default</xmpMM:RenditionClass>\n"
        f"{pdfx}\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
