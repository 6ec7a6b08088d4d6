"""Reading bank statement files (XLSX or CSV) as banks export them.

Title rows above the table, bilingual headers, debit and credit in separate columns, thousands separators
"." or ",", the date and the document number sometimes in one cell. A *profile* per bank says which header
words mark which column; the header row and the profile are found by scanning the first rows. An unknown
layout can be read with an explicit `ColumnMap` (the UI's fallback).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from phocap.core.errors import ValidationFailed
from phocap.core.spreadsheets import read_rows
from phocap.core.text import ascii_fold, clean_line
from phocap.fundraising.services.common import MAX_AMOUNT

FIELDS = ("date", "doc", "debit", "credit", "description")
HEADER_SCAN_ROWS = 40


@dataclasses.dataclass(frozen=True)
class Profile:
    key: str
    bank: str
    # field → header phrases (ASCII-folded, lower case); a header cell matches when it contains one of them
    headers: dict[str, tuple[str, ...]]
    date_and_doc_in_one_cell: bool = False
    # the running balance after each line, when the bank prints it (every profile here does): the bank
    # reconciliation compares the last one with the ledger
    balance: tuple[str, ...] = ("so du/balance", "so du")


PROFILES: tuple[Profile, ...] = (
    Profile(
        "vietcombank",
        "Vietcombank",
        {
            "date": ("ngay/tnx date", "tnx date"),
            "debit": ("so tien ghi no/debit", "ghi no/debit"),
            "credit": ("so tien ghi co/credit", "ghi co/credit"),
            "description": ("noi dung chi tiet/description", "noi dung chi tiet"),
        },
        date_and_doc_in_one_cell=True,
    ),
    Profile(
        "bidv",
        "BIDV",
        {
            "date": ("ngay hieu luc",),
            "doc": ("so giao dich", "so chung tu", "so but toan"),
            "debit": ("ghi no",),
            "credit": ("ghi co",),
            "description": ("mo ta",),
        },
    ),
    Profile(
        "vietinbank",
        "VietinBank",
        {
            "date": ("ngay giao dich/transaction date", "transaction date"),
            "doc": ("so giao dich/transaction no", "transaction no"),
            "debit": ("no/debit",),
            "credit": ("co/credit",),
            "description": ("mo ta giao dich/transaction description", "transaction description"),
        },
    ),
    Profile(
        "agribank",
        "Agribank",
        {
            "date": ("ngay giao dich",),
            "doc": ("so but toan",),
            "debit": ("phat sinh no",),
            "credit": ("phat sinh co",),
            "description": ("dien giai",),
        },
    ),
    Profile(
        "mb",
        "MB",
        {
            "date": ("ngay giao dich/trans date", "trans date"),
            "doc": ("so tham chieu/reference", "reference no"),
            "debit": ("so tien ghi no/debit amount", "debit amount"),
            "credit": ("so tien ghi co/credit amount", "credit amount"),
            "description": ("noi dung/description", "noi dung"),
        },
    ),
)


@dataclasses.dataclass(frozen=True)
class ColumnMap:
    """An explicit layout: the header row (0-based) and the 0-based column of each field (doc optional)."""

    header_row: int
    date: int
    credit: int
    debit: int
    description: int
    doc: int | None = None
    date_and_doc_in_one_cell: bool = False
    balance: int | None = None


@dataclasses.dataclass(frozen=True)
class ParsedLine:
    row: int  # 1-based row in the file
    booked_on: dt.date
    doc_number: str
    amount: int  # credit > 0, debit < 0
    description: str
    balance: int | None = None  # the account's balance after this line, as the bank printed it


@dataclasses.dataclass
class ParsedStatement:
    profile: str
    account_number: str
    lines: list[ParsedLine]
    errors: list[dict[str, Any]]  # [{row, column, message}], sorted


def _norm(value: Any) -> str:
    return " ".join(ascii_fold(str(value or "")).lower().replace("\n", " ").split())


def detect(rows: Sequence[Sequence[Any]]) -> tuple[Profile, int, dict[str, int]]:
    """The bank profile, the header row and the column of each field."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [_norm(c) for c in row]
        for profile in PROFILES:
            columns: dict[str, int] = {}
            for field, phrases in profile.headers.items():
                for col, cell in enumerate(cells):
                    if col not in columns.values() and any(p in cell for p in phrases):
                        columns[field] = col
                        break
            if len(columns) == len(profile.headers):
                for col, cell in enumerate(cells):
                    if col not in columns.values() and any(p in cell for p in profile.balance):
                        columns["balance"] = col
                        break
                return profile, index, columns
    raise ValidationFailed(
        "Không nhận ra mẫu sao kê (Vietcombank, VietinBank, BIDV, Agribank, MB). Hãy chọn cột bằng tay.",
        code="unknown_statement_layout",
    )


ACCOUNT_RE = re.compile(r"(?:so tai khoan|account(?: number| no)?|tai khoan)\D{0,20}(\d[\d .-]{5,22}\d)")


def find_account_number(rows: Sequence[Sequence[Any]], header_row: int) -> str:
    for row in rows[:header_row]:
        for cell in row:
            match = ACCOUNT_RE.search(_norm(cell))
            if match:
                return re.sub(r"\D", "", match.group(1))
    return ""


DOC_MAX = 60  # StatementLine.doc_number


def parse_amount(value: Any) -> int:
    """`1.000.000`, `1,000,000`, `1 000 000 VND`, `1.000.000,00`, 1000000.0 → 1000000; blank → 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > MAX_AMOUNT:
            raise ValueError(f"not an amount: {value!r}")
        return round(value)
    text = re.sub(r"[^\d.,-]", "", str(value))
    if not text or text in "-.,":
        return 0
    negative = text.startswith("-")
    text = text.lstrip("-")
    # a decimal part of one or two digits after the last separator, when another separator style precedes it
    decimal = re.search(r"[.,](\d{1,2})$", text)
    if decimal and re.search(r"[.,]", text[: decimal.start()]) and text[decimal.start()] not in text[: decimal.start()]:
        text = text[: decimal.start()]
    digits = re.sub(r"[.,]", "", text)
    if not digits.isdigit() or len(digits) > len(str(MAX_AMOUNT)) or int(digits) > MAX_AMOUNT:
        raise ValueError(f"not an amount: {value!r}")
    return -int(digits) if negative else int(digits)


DATE_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})")


def parse_date_and_doc(value: Any) -> tuple[dt.date, str]:
    """A date cell, possibly with the document number after it (`12/08/2023\\n5078 - 97256`)."""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    text = str(value or "").strip()
    match = DATE_RE.search(text)
    if not match:
        raise ValueError(f"no date in {text!r}")
    day, month, year = (int(g) for g in match.groups())
    if year < 100:
        year += 2000
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    rest = re.sub(r"^\d{1,2}:\d{2}(:\d{2})?\s*", "", rest).strip()  # a time after the date is not a document
    return dt.date(year, month, day), " ".join(rest.split())


def parse(data: bytes, filename: str, mapping: ColumnMap | None = None) -> ParsedStatement:
    rows = read_rows(data, filename)
    if mapping is None:
        profile, header_row, columns = detect(rows)
        key, one_cell = profile.key, profile.date_and_doc_in_one_cell
    else:
        header_row = mapping.header_row
        columns = {
            "date": mapping.date,
            "credit": mapping.credit,
            "debit": mapping.debit,
            "description": mapping.description,
        }
        if mapping.doc is not None:
            columns["doc"] = mapping.doc
        if mapping.balance is not None:
            columns["balance"] = mapping.balance
        key, one_cell = "custom", mapping.date_and_doc_in_one_cell
    lines: list[ParsedLine] = []
    errors: list[dict[str, Any]] = []
    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        lines_or_error = _parse_row(row, index + 1, columns, one_cell)
        if isinstance(lines_or_error, ParsedLine):
            lines.append(lines_or_error)
        elif lines_or_error is not None:
            errors.append(lines_or_error)
    return ParsedStatement(key, find_account_number(rows, header_row), lines, errors)


def _cell(row: Sequence[Any], col: int | None) -> Any:
    return row[col] if col is not None and col < len(row) else None


def _parse_row(
    row: Sequence[Any], number: int, columns: dict[str, int], one_cell: bool
) -> ParsedLine | dict[str, Any] | None:
    date_cell = _cell(row, columns["date"])
    credit_cell, debit_cell = _cell(row, columns["credit"]), _cell(row, columns["debit"])
    if all(c in (None, "") for c in (date_cell, credit_cell, debit_cell)):
        return None  # blank line, or a footer's empty columns
    try:
        credit, debit = parse_amount(credit_cell), parse_amount(debit_cell)
    except ValueError:
        return {"row": number, "column": "amount", "message": "Số tiền không đọc được."}
    if credit == 0 and debit == 0:
        return None  # totals, opening balance and other footer rows carry no movement
    try:
        booked_on, doc_in_date = parse_date_and_doc(date_cell)
    except (ValueError, TypeError):
        if _norm(date_cell).startswith(("tong", "total", "so du", "balance")):
            return None
        return {"row": number, "column": "date", "message": f"Ngày không đọc được: {date_cell!r}."}
    doc = clean_line(_cell(row, columns.get("doc"))) or (doc_in_date if one_cell else "")
    if credit and debit:
        return {"row": number, "column": "amount", "message": "Một dòng có cả ghi nợ và ghi có."}
    if len(doc) > DOC_MAX:
        return {"row": number, "column": "doc", "message": f"Số chứng từ dài quá {DOC_MAX} ký tự."}
    description = clean_line(_cell(row, columns["description"]))
    try:
        balance = parse_amount(_cell(row, columns["balance"])) if "balance" in columns else None
    except ValueError:
        balance = None  # a balance cell is a help for the reconciliation, never a reason to refuse the line
    return ParsedLine(number, booked_on, doc, credit if credit else -abs(debit), description, balance)


def iter_profiles() -> Iterator[Profile]:
    return iter(PROFILES)
