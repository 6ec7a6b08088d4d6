"""A commune's list as officers really type it — for `docs/samples/`, the demo and the tests."""

from __future__ import annotations

import io

ROWS: list[list[object]] = [
    ["UBND XÃ GIÁO HIỆU"],
    ["DANH SÁCH NGƯỜI TRƯỞNG THÀNH CHƯA CÓ ĐIỆN THOẠI THÔNG MINH (ví dụ)"],
    [],
    ["STT", "Họ và tên", "Năm sinh", None, "Số CCCD/CMND", "Dân tộc", "Diện hộ", "SĐT", "Ghi chú"],
    [None, None, "Nam", "Nữ", None, None, None, None, None],
    ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
    ["Thôn Nà Coóc"],
    [1, "NÔNG VĂN AN", 1970, None, 6070012345, "Tày", "Hộ nghèo", 912345678, None],
    [2, "Triệu  Thị Bích", None, "15/03/1982", "006 182 012 346", "Dao", None, "+84 366 123 456", None],
    [3, None, 1990, None, None, "Tày", None, None, "thiếu tên"],
    [4, "Lý Văn Cường", "31/02/1980", None, None, "Nùng", None, None, None],
    [5, "Hoàng Thị Dung", None, 2010, None, "Tày", None, None, None],
    [6, "Ma Văn Én", 1965, None, "00616501234X", "Tày", None, None, None],
    ["Bản Khuổi Bốc"],
    [7, "NONG THI HOA", None, 1975, "006175012357", "H'Mông", "Hộ cận nghèo", "0212345678", None],
    [8, "Nông Văn An", 1970, None, "006070012345", "Tày", None, None, "ghi trùng"],
    [9, "Lục Văn Phúc", 1958, None, "095123456", "Tày", None, None, None],
    [],
    ["Tổng cộng: 9 người"],
    [None, "Người lập biểu", None, None, None, "Chủ tịch UBND xã"],
]


def messy_list_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("A1:I1")
    sheet.merge_cells("C4:D4")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
