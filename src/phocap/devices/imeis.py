"""IMEIs as people give them: scanned, pasted one per line, or in a spreadsheet's first column — each read once
and checked (15 digits, the Luhn check digit), with the reason for every line refused."""

from __future__ import annotations

from collections.abc import Iterable

from stdnum import imei as stdnum_imei

from phocap.core.spreadsheets import read_rows


def imeis_from_file(data: bytes, filename: str) -> list[str]:
    """IMEIs from a text file (one per line) or a spreadsheet (XLSX, XLS, ODS, CSV: the first column; a header
    row and blank cells are skipped; numeric cells are whole numbers — 15 digits fit a spreadsheet number)."""
    if not filename.lower().endswith((".xlsx", ".xls", ".ods", ".csv")):
        return data.decode("utf-8-sig").splitlines()
    out = []
    for row in read_rows(data, filename):
        cell = row[0] if row else None
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        text = str(cell).strip() if cell not in (None, "") else ""
        if text and any(ch.isdigit() for ch in text):
            out.append(text)
    return out


def read_imei(text: str) -> tuple[str | None, str]:
    """A 15-digit IMEI with a good check digit, or the reason it is not."""
    compact = "".join(ch for ch in str(text) if not ch.isspace() and ch not in "-./")
    if not compact.isdigit():
        return None, "IMEI chỉ gồm chữ số."
    if len(compact) != 15:
        return None, f"IMEI phải có 15 chữ số (đang có {len(compact)})."
    if not stdnum_imei.is_valid(compact):
        return None, "Sai chữ số kiểm tra (Luhn): gõ nhầm một số?"
    return compact, ""


def read_imeis(lines: Iterable[str]) -> tuple[list[str], list[dict[str, str]]]:
    """The well-formed IMEIs of a scanned or pasted list, once each, and the lines refused with their reason."""
    rejected: list[dict[str, str]] = []
    wanted: list[str] = []
    seen: set[str] = set()
    for raw in lines:
        if not str(raw).strip():
            continue
        number, reason = read_imei(raw)
        if number is None:
            rejected.append({"imei": str(raw).strip(), "reason": reason})
        elif number in seen:
            rejected.append({"imei": number, "reason": "Trùng trong danh sách nhập."})
        else:
            seen.add(number)
            wanted.append(number)
    return wanted, rejected
