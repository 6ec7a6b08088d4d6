"""Writing statement files the way each supported bank lays them out (title rows, bilingual headers, separate
debit and credit columns, their own number and date formats). Used for `docs/samples/`, the demo, the tests
and `bench/statements.py`; the reader (`statement_files.py`) knows nothing of this module."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

from phocap.core.spreadsheets import xlsx_bytes


@dataclasses.dataclass(frozen=True)
class Row:
    day: dt.date
    doc: str
    amount: int  # credit > 0, debit < 0
    description: str


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _commas(n: int) -> str:
    return f"{n:,}"


def _balances(rows: list[Row], opening: int = 0) -> list[tuple[int, Row, int]]:
    """(1-based number, row, balance after it) — every layout shows the running balance, from the opening one."""
    after = itertools.accumulate((r.amount for r in rows), initial=opening)
    next(after)
    return list(zip(range(1, len(rows) + 1), rows, after, strict=True))


def _debit(r: Row, fmt: Callable[[int], object], none: object = "") -> object:
    return fmt(-r.amount) if r.amount < 0 else none


def _credit(r: Row, fmt: Callable[[int], object], none: object = "") -> object:
    return fmt(r.amount) if r.amount > 0 else none


def _vietcombank(account: str, rows: list[Row], opening: int = 0) -> list[list[object]]:
    out: list[list[object]] = [
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        [f"Số tài khoản/Account number: {account}"],
        ["Loại tiền/Currency: VND"],
        [],
        [
            "STT/No",
            "Ngày/TNX Date\nSố CT/ Doc No",
            "Số tiền ghi nợ/Debit",
            "Số tiền ghi có/Credit",
            "Số dư/Balance",
            "Nội dung chi tiết/Description",
        ],
    ]
    out += [
        [i, f"{r.day:%d/%m/%Y}\n{r.doc}", _debit(r, _dots), _credit(r, _dots), _dots(b), r.description]
        for i, r, b in _balances(rows, opening)
    ]
    return [*out, [], ["", "Tổng cộng/Total", "", "", _dots(sum(r.amount for r in rows)), ""]]


def _vietinbank(account: str, rows: list[Row], opening: int = 0) -> list[list[object]]:
    out: list[list[object]] = [
        ["VietinBank"],
        ["LỊCH SỬ GIAO DỊCH / TRANSACTION HISTORY"],
        [f"Số tài khoản: {account}"],
        [],
        [
            "STT",
            "Ngày giao dịch/Transaction date",
            "Số giao dịch/Transaction No",
            "Mô tả giao dịch/Transaction description",
            "Nợ/Debit",
            "Có/Credit",
            "Số dư/Balance",
        ],
    ]
    plain = int
    return out + [
        [i, f"{r.day:%d/%m/%Y} 09:{i % 60:02d}:00", r.doc, r.description, _debit(r, plain, 0), _credit(r, plain, 0), b]
        for i, r, b in _balances(rows, opening)
    ]


def _bidv(account: str, rows: list[Row], opening: int = 0) -> list[list[object]]:
    out: list[list[object]] = [
        ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN"],
        [f"Tài khoản: {account}"],
        [],
        ["STT", "NGÀY HIỆU LỰC", "SỐ GIAO DỊCH", "GHI NỢ", "GHI CÓ", "SỐ DƯ", "MÔ TẢ"],
    ]
    return out + [
        [i, f"{r.day:%d/%m/%Y}", r.doc, _debit(r, _commas), _credit(r, _commas), _commas(b), r.description]
        for i, r, b in _balances(rows, opening)
    ]


def _agribank(account: str, rows: list[Row], opening: int = 0) -> list[list[object]]:
    out: list[list[object]] = [
        ["NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM"],
        ["SỔ PHỤ TÀI KHOẢN"],
        [f"Số tài khoản: {account}"],
        [],
        ["Ngày giao dịch", "Số bút toán", "Phát sinh nợ", "Phát sinh có", "Số dư", "Diễn giải"],
    ]
    return out + [
        [f"{r.day:%d-%m-%Y}", r.doc, _debit(r, _dots, "0"), _credit(r, _dots, "0"), _dots(b), r.description]
        for _i, r, b in _balances(rows, opening)
    ]


def _mb(account: str, rows: list[Row], opening: int = 0) -> list[list[object]]:
    out: list[list[object]] = [
        ["MB BANK"],
        ["SAO KÊ TÀI KHOẢN THANH TOÁN"],
        [f"Account No/Số tài khoản: {account}"],
        [],
        [
            "Ngày giao dịch/Trans Date",
            "Số tham chiếu/Reference No",
            "Số tiền ghi nợ/Debit Amount",
            "Số tiền ghi có/Credit Amount",
            "Số dư/Balance",
            "Nội dung/Description",
        ],
    ]
    return out + [
        [f"{r.day:%d/%m/%Y}", r.doc, _debit(r, _commas), _credit(r, _commas), _commas(b), r.description]
        for _i, r, b in _balances(rows, opening)
    ]


# title rows, header row and data rows as cells (strings, numbers), per bank
TABLES: dict[str, Callable[[str, list[Row], int], list[list[object]]]] = {
    "vietcombank": _vietcombank,
    "vietinbank": _vietinbank,
    "bidv": _bidv,
    "agribank": _agribank,
    "mb": _mb,
}
LAYOUTS = tuple(TABLES)


def _table(layout: str, account: str, rows: list[Row], opening: int = 0) -> list[list[object]]:
    if layout not in TABLES:
        raise ValueError(layout)
    return TABLES[layout](account, rows, opening)


def render(layout: str, account: str, rows: Iterable[Row], *, fmt: str = "xlsx", opening: int = 0) -> bytes:
    """The statement file; `opening`: the account's balance before its first line (the running balance's start)."""
    table = _table(layout, account, list(rows), opening)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        return buffer.getvalue().encode("utf-8-sig")
    return xlsx_bytes(table, sheet="Sao ke")


def write(path: Path, layout: str, account: str, rows: Iterable[Row]) -> Path:
    path.write_bytes(render(layout, account, rows, fmt=path.suffix.lstrip(".")))
    return path
