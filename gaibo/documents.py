"""Word documents (.docx) the bureaus edit, sign and send: one page set-up and the few
building blocks the letters and bulletins are made of (python-docx)."""

from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from gaibo.exports import clean_text

# Song typeface for Chinese text, as official documents use; Word falls back when missing.
EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def new_document():
    """An A4 document with the fonts of an official letter."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.2)
    for style_name in ("Normal", "Heading 2", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = LATIN_FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(11)
    return document


def as_bytes(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def heading(document, text: str) -> None:
    document.add_heading(text, level=2)


def fact(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(clean_text(value))


def text(document, text: str, blank_lines: int = 1) -> None:
    lines = [line for line in clean_text(text or "").splitlines() if line.strip()]
    for line in lines or [""] * blank_lines:
        document.add_paragraph(line)


def table(document, header: list[str], rows: list[list[str]]) -> None:
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, value in zip(grid.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(clean_text(value)).bold = True
    for row in rows:
        for cell, value in zip(grid.add_row().cells, row, strict=True):
            cell.text = clean_text(value or "")
