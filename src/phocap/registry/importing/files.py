"""Files an import hands back: the canonical template for a new list, and the file's own rows with a column
saying what is wrong with each, to fix and upload again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phocap.core.spreadsheets import read_rows, xlsx_bytes

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
    """The original rows with one more column saying what is wrong (errors) or worth checking (warnings), to
    fix and upload again."""
    messages: dict[int, list[str]] = {}
    for e in report.errors:
        messages.setdefault(e.row, []).append(f"LỖI: {e.message}")
    for w in report.notes:
        messages.setdefault(w.row, []).append(f"Lưu ý: {w.message}")
    rows = read_rows(data, filename)
    return xlsx_bytes(
        ([*row, " · ".join(messages.get(number, []))] for number, row in enumerate(rows, 1)), sheet="Kiem tra"
    )
