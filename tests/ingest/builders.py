"""Builders for document test inputs: real PDFs (fpdf2) and DOCX (python-docx), made in memory.

Nothing is downloaded; tests write the bytes into tmp_path.
"""

from __future__ import annotations

import io
import zipfile

MAX_BYTES = 50 * 1024 * 1024


def count_words(text: str) -> int:
    """Stand-in tokenizer: one token per whitespace-separated word."""
    return len(text.split())


def build_pdf(
    pages: list[str],
    *,
    header: str | None = None,
    footer: str | None = "Seite {n} von {total}",
    first_number: int = 1,
    user_password: str | None = None,
    aes: bool = False,
) -> bytes:
    """A real text PDF; ``footer``/``header`` may use {n} (printed page number) and {total}."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    total = first_number + len(pages) - 1

    class _Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("Helvetica", size=9)
                self.cell(0, 6, header.format(n=self.page_no() + first_number - 1, total=total),
                          new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if footer:
                self.set_y(-15)
                self.set_font("Helvetica", size=9)
                self.cell(0, 6, footer.format(n=self.page_no() + first_number - 1, total=total), align="C")

    pdf = _Pdf()
    pdf.set_auto_page_break(True, 20)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    if user_password is not None:
        method = EncryptionMethod.AES_256 if aes else EncryptionMethod.RC4
        pdf.set_encryption(owner_password="eigentuemer", user_password=user_password, encryption_method=method)
    return bytes(pdf.output())


def build_image_pdf(pages: int = 2) -> bytes:
    """Pages with only drawn shapes: what a scan looks like to a text extractor."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 120, 80, style="F")
        pdf.ellipse(40, 120, 60, 40, style="D")
    return bytes(pdf.output())


def build_zero_page_pdf() -> bytes:
    from pypdf import PdfWriter

    buf = io.BytesIO()
    PdfWriter().write(buf)
    return buf.getvalue()


def build_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = ""
    document.add_heading("Förderaufruf Revier", level=0)
    document.add_paragraph("Einleitung ohne Überschrift. Der Aufruf richtet sich an Kommunen.")
    document.add_heading("Gegenstand der Förderung", level=1)
    document.add_paragraph("Gefördert werden Investitionen in die wirtschaftsnahe Infrastruktur.")
    document.add_heading("Förderquote", level=2)
    document.add_paragraph("Die Förderquote beträgt bis zu 90 Prozent.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Antragsteller"
    table.cell(0, 1).text = "Quote"
    table.cell(1, 0).text = "Gemeinde Großräschen"
    table.cell(1, 1).text = "90 %"
    document.add_heading("Ansprechpartner", level=1)
    document.add_paragraph("Sächsische Aufbaubank, Dresden.")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def docx_with_paragraphs(paragraphs: int, text: str = "Förderabsatz über Radwege im Revier.") -> bytes:
    """A valid DOCX whose body is ``paragraphs`` copies of one paragraph (compresses to almost nothing).

    1,000,000 paragraphs is the red team's zip bomb of issue #19: about 75 MB of
    document.xml in a file of a few hundred KB.
    """
    with zipfile.ZipFile(io.BytesIO(build_docx())) as src:
        members = {name: src.read(name) for name in src.namelist()}
    xml = members["word/document.xml"]
    start = xml.index(b"<w:body>") + len(b"<w:body>")
    end = xml.index(b"<w:sectPr")
    paragraph = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    members["word/document.xml"] = xml[:start] + paragraph * paragraphs + xml[end:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return out.getvalue()
