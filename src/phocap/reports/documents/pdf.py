"""A report laid out as a PDF: landscape A4, Be Vietnam Pro, page numbers (fpdf2)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from phocap.core.pdf import FONT, MOTTO, add_fonts, nfc, place_and_date
from phocap.reports.documents.model import DATE, DAY, TEXT, YEAR, Document, Table, cell_text

if TYPE_CHECKING:
    from fpdf import FPDF


@functools.cache
def _paged() -> type[FPDF]:
    """A4 with the report's subtitle and the page number at the foot of every page (fpdf2 is imported when a
    report is laid out, not by every command that imports the reports)."""
    from fpdf import FPDF

    class Paged(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(-10)
            self.set_font(FONT, "I", 8)
            self.cell(0, 5, nfc(f"{self.footer_text} — trang {self.page_no()}/{{nb}}"), align="C")

    return Paged


def _heading(pdf: FPDF, doc: Document) -> None:
    """The issuing body on the left, the national motto and the place and date on the right; the title."""
    width = pdf.epw
    left_w, right_w = width * 0.42, width * 0.58
    top = pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(left_w, 5, nfc(doc.parent_body), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(left_w, 5, nfc(doc.body), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(left_w, 6, nfc(doc.number), align="C")
    pdf.set_xy(pdf.l_margin + left_w, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(right_w, 5, nfc(MOTTO[0]), align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(right_w, 5, nfc(MOTTO[1]), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 10)
    pdf.multi_cell(right_w, 6, nfc(place_and_date(doc.place, doc.date)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, nfc(doc.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, nfc(doc.subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "", 10.5)
    for paragraph in doc.intro:
        pdf.multi_cell(0, 5.5, nfc(paragraph), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, table: Table) -> None:
    """A table: its title, a grey heading row, the rows, the bold total row."""
    from fpdf.fonts import FontFace

    width = pdf.epw
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(0, 6, nfc(table.title), new_x="LMARGIN", new_y="NEXT")
    widths = [c.width for c in table.columns]
    scale = min(1.0, width / sum(widths))
    pdf.set_font(FONT, "", 8)
    align = tuple("L" if c.kind == TEXT else ("C" if c.kind in (DATE, DAY, YEAR) else "R") for c in table.columns)
    with pdf.table(
        col_widths=tuple(w * scale for w in widths),
        width=sum(widths) * scale,
        align="LEFT",
        text_align=align,
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=4.6,
        padding=1,
    ) as out:
        head = out.row()
        for c in table.columns:
            head.cell(nfc(c.title), align="C")
        for values in table.rows:
            line = out.row()
            for c, v in zip(table.columns, values, strict=True):
                line.cell(cell_text(v, c.kind))
        if table.total is not None:
            line = out.row(style=FontFace(emphasis="BOLD"))
            for c, v in zip(table.columns, table.total, strict=True):
                line.cell(cell_text(v, c.kind))
    if not table.rows:
        pdf.set_font(FONT, "I", 9)
        pdf.multi_cell(0, 5, nfc("(Không có số liệu)"), new_x="LMARGIN", new_y="NEXT")


def to_pdf(doc: Document) -> bytes:
    pdf = _paged()(orientation="L" if doc.landscape else "P", format="A4", unit="mm")
    pdf.footer_text = doc.subtitle  # type: ignore[attr-defined]  # the class made by _paged() has it
    add_fonts(pdf)
    pdf.set_title(nfc(f"{doc.title} — {doc.subtitle}"))
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, 16)
    pdf.add_page()
    _heading(pdf, doc)
    for table in doc.tables:
        _table(pdf, table)
    pdf.ln(2)
    pdf.set_font(FONT, "I", 9)
    for note in doc.notes:
        pdf.multi_cell(0, 4.6, nfc(f"Ghi chú: {note}"), new_x="LMARGIN", new_y="NEXT")
    _signatures(pdf, doc)
    return bytes(pdf.output())


def _signatures(pdf: Any, doc: Document) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(6)
    half = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(half, 5, nfc("NGƯỜI LẬP BIỂU"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 9)
    pdf.multi_cell(half, 5, nfc("(Ký, ghi rõ họ tên)"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(16)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(half, 5, nfc(doc.prepared_by), align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(half, 5, nfc(f"TM. {doc.body}"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 9)
    pdf.multi_cell(half, 5, nfc("(Ký, ghi rõ họ tên, đóng dấu)"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(0, 4.6, nfc("Nơi nhận:"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        0,
        4.6,
        nfc("\n".join(f"- {line}" for line in doc.copies_to)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
