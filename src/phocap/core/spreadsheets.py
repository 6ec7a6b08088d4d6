"""Reading spreadsheets as people send them: XLSX/XLS/ODS through python-calamine (the fastest reader measured,
see ARCHITECTURE.md), CSV through the csv module (encoding and delimiter guessed). Shared by the statement and
the registry importers. And writing one: `xlsx_bytes` (openpyxl's write-only workbook, row by row)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from phocap.core.errors import ValidationFailed


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """All rows of the first sheet (XLSX/XLS/ODS through python-calamine) or of a CSV file."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".xls", ".xlsm", ".ods", ".csv", ".txt"):  # no usable name: look at the bytes
        suffix = ".xlsx" if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0") else ".csv"
    if suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises its own error types for damaged files
            raise ValidationFailed(f"Không đọc được tệp {filename}: {exc}") from None
        return [list(r) for r in book.get_sheet_by_index(0).to_python(skip_empty_area=False)]
    text = _decode(data)
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=_delimiter(text))]


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


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, sheet: str = "Sheet1") -> bytes:
    """An XLSX file of one sheet holding the rows, written row by row (memory stays flat for long lists)."""
    from openpyxl import Workbook  # only when a workbook is written, as calamine only when one is read

    book = Workbook(write_only=True)
    out_sheet = book.create_sheet(sheet)
    for row in rows:
        out_sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
