"""A report laid out as an XLSX sheet: merged heading cells, number formats, fit to one page wide (openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from phocap.core.pdf import MOTTO, nfc, place_and_date
from phocap.core.spreadsheets import as_text
from phocap.reports.documents.model import DATE, DAY, INT, MONEY, PCT, TEXT, YEAR, Document, Table

FONT = "Times New Roman"
FORMATS = {INT: "#,##0", MONEY: "#,##0", PCT: "0.0", DATE: "dd/mm/yyyy", DAY: "dd/mm/yyyy", YEAR: "0"}
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


class _Sheet:
    """The sheet written top to bottom: `row` is the next free row."""

    def __init__(self, sheet: Any, doc: Document) -> None:
        self.sheet, self.doc = sheet, doc
        self.ncols = max(len(t.columns) for t in doc.tables) if doc.tables else 6
        self.half = max(1, self.ncols // 2 - 1)
        self.row = 1

    def cell(self, *, row: int, column: int, value: Any = None) -> Any:
        """Every cell of the report is written here: text stays text (`core.spreadsheets.as_text`)."""
        return as_text(self.sheet.cell(row=row, column=column, value=value))

    def put(
        self, row: int, first: int, last: int, text: str, *, bold: bool = False, italic: bool = False, size: float = 12
    ) -> None:
        cell = self.cell(row=row, column=first, value=nfc(text))
        cell.font = Font(name=FONT, bold=bold, italic=italic, size=size)
        cell.alignment = CENTRE
        if last > first:
            self.sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    def heading(self) -> None:
        doc, half, ncols = self.doc, self.half, self.ncols
        self.put(1, 1, half, doc.parent_body, size=11)
        self.put(2, 1, half, doc.body, bold=True, size=11)
        self.put(3, 1, half, doc.number, size=11)
        self.put(1, half + 1, ncols, MOTTO[0], bold=True, size=11)
        self.put(2, half + 1, ncols, MOTTO[1], bold=True, size=11)
        self.put(3, half + 1, ncols, place_and_date(doc.place, doc.date), italic=True, size=11)
        self.put(5, 1, ncols, doc.title, bold=True, size=14)
        self.put(6, 1, ncols, doc.subtitle, bold=True)
        self.row = 8
        for paragraph in doc.intro:
            self.put(self.row, 1, ncols, paragraph, size=11)
            self.cell(row=self.row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            self.sheet.row_dimensions[self.row].height = 32
            self.row += 1

    def table(self, table: Table) -> None:
        self.row += 1
        self.cell(row=self.row, column=1, value=nfc(table.title)).font = Font(name=FONT, bold=True, size=11)
        self.row += 1
        for col, c in enumerate(table.columns, 1):
            cell = self.cell(row=self.row, column=col, value=nfc(c.title))
            cell.font = Font(name=FONT, bold=True, size=10)
            cell.alignment, cell.border = CENTRE, BOX
            cell.fill = PatternFill("solid", fgColor="EBEBEB")
        self.sheet.row_dimensions[self.row].height = 42
        body = [*table.rows, *([table.total] if table.total is not None else [])]
        for n, values in enumerate(body):
            self.row += 1
            bold = table.total is not None and n == len(body) - 1
            for col, (c, v) in enumerate(zip(table.columns, values, strict=True), 1):
                value = v if v is None or isinstance(v, int | float | dt.date) else nfc(v)
                cell = self.cell(row=self.row, column=col, value=value)
                cell.font, cell.border = Font(name=FONT, bold=bold, size=10), BOX
                if c.kind in FORMATS and not isinstance(v, str):
                    cell.number_format = FORMATS[c.kind]
                if c.kind == TEXT:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.row += 1

    def closing(self) -> None:
        """Notes, the signature block, column widths and the page set-up."""
        doc, half, ncols = self.doc, self.half, self.ncols
        for note in doc.notes:
            self.cell(row=self.row, column=1, value=nfc(f"Ghi chú: {note}")).font = Font(
                name=FONT, italic=True, size=10
            )
            self.row += 1
        row = self.row + 1
        self.put(row, 1, half, "NGƯỜI LẬP BIỂU", bold=True, size=11)
        self.put(row, half + 1, ncols, f"TM. {doc.body}", bold=True, size=11)
        self.put(row + 1, 1, half, "(Ký, ghi rõ họ tên)", italic=True, size=10)
        self.put(row + 1, half + 1, ncols, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=10)
        self.put(row + 5, 1, half, doc.prepared_by, size=11)
        widths: dict[int, float] = {}
        for table in doc.tables:
            for col, c in enumerate(table.columns, 1):
                widths[col] = max(widths.get(col, 0), c.width / 2.2)
        for col, w in widths.items():
            self.sheet.column_dimensions[get_column_letter(col)].width = max(6.0, w)
        setup = self.sheet.page_setup
        setup.orientation = "landscape" if doc.landscape else "portrait"
        setup.paperSize = self.sheet.PAPERSIZE_A4
        setup.fitToWidth, setup.fitToHeight = 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_options.horizontalCentered = True


def to_xlsx(doc: Document) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = doc.slug
    out = _Sheet(sheet, doc)
    out.heading()
    for table in doc.tables:
        out.table(table)
    out.closing()
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
