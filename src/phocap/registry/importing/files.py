"""Files an import hands back: the canonical template for a new list, and the file's own rows with a column
saying what is wrong with each, to fix and upload again."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from phocap.core.spreadsheets import as_text, read_rows, xlsx_bytes

if TYPE_CHECKING:
    from phocap.registry.importing import ImportReport

TEMPLATE_HEADER = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Dân tộc",
    "Thôn/Bản",
    "Xã/Phường",
    "Mã hộ",
    "Chủ hộ",
    "Diện hộ",
    "Đối tượng ưu tiên",
    "Số điện thoại",
    "Điện thoại thông minh",
    "Ghi chú",
]


def template_xlsx() -> bytes:
    """The canonical layout, for communes starting a new list."""
    title = ["DANH SÁCH NGƯỜI TRƯỞNG THÀNH CHƯA CÓ ĐIỆN THOẠI THÔNG MINH"]
    return xlsx_bytes([title, TEMPLATE_HEADER], sheet="Danh sach")


def error_workbook(data: bytes, filename: str, report: ImportReport) -> bytes:
    """The original rows with one more column, headed "Cần sửa / lưu ý", saying what is wrong (errors) or worth
    checking (warnings, repeats); the cells at fault are filled red (errors) or yellow (warnings), so the officer
    finds them in the file they know, fixes them and uploads it again."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    red, yellow = PatternFill("solid", fgColor="F8B4B4"), PatternFill("solid", fgColor="FDE68A")
    messages: dict[int, list[str]] = {}
    marks: dict[tuple[int, int], PatternFill] = {}
    for kind, fill, problems in (("LỖI", red, report.errors), ("Lưu ý", yellow, [*report.notes, *report.repeats])):
        for e in problems:
            messages.setdefault(e.row, []).append(f"{kind}: {e.message}")
            col = report.column_index.get(e.column)
            if col is not None and (e.row, col) not in marks:
                marks[(e.row, col)] = fill
    rows = read_rows(data, filename)
    width = max((len(r) for r in rows), default=0)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kiem tra")
    for number, row in enumerate(rows, 1):
        cells = []
        for col, value in enumerate([*row, *[None] * (width - len(row))]):
            cell = as_text(WriteOnlyCell(sheet, value=value))  # a formula typed in a name stays text
            if (fill := marks.get((number, col))) is not None:
                cell.fill = fill
            cells.append(cell)
        last = WriteOnlyCell(sheet, value=" · ".join(messages.get(number, [])))
        if number == report.header_row + 1:
            last = WriteOnlyCell(sheet, value="Cần sửa / lưu ý")
            last.font = Font(bold=True)
        elif number in messages:
            last.fill = red if any(m.startswith("LỖI") for m in messages[number]) else yellow
        sheet.append([*cells, last])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_name(filename: str) -> str:
    """ "DS Giáo Hiệu.xlsx" → "DS Giáo Hiệu - kiem tra.xlsx": the problems workbook named after the officer's file."""
    stem = Path(filename).stem.strip() or "danh-sach"
    return f"{stem[:80]} - kiem tra.xlsx"
