"""Files an import hands back: the canonical template for a new list, and the file's own rows with a column
saying what is wrong with each, to fix and upload again."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from openpyxl import Workbook

from phocap.core.spreadsheets import read_rows

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
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sach")
    sheet.append(["DANH SÁCH NGƯỜI TRƯỞNG THÀNH CHƯA CÓ ĐIỆN THOẠI THÔNG MINH"])
    sheet.append(TEMPLATE_HEADER)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_workbook(data: bytes, filename: str, report: ImportReport) -> bytes:
    """The original rows with one more column saying what is wrong (errors) or worth checking (warnings), to
    fix and upload again."""
    messages: dict[int, list[str]] = {}
    for e in report.errors:
        messages.setdefault(e.row, []).append(f"LỖI: {e.message}")
    for w in report.notes:
        messages.setdefault(w.row, []).append(f"Lưu ý: {w.message}")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kiem tra")
    for number, row in enumerate(read_rows(data, filename), 1):
        sheet.append([*row, " · ".join(messages.get(number, []))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
