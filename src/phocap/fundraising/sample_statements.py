"""Writing statement files the way each supported bank lays them out (title rows, bilingual headers, separate
debit and credit columns, their own number and date formats). Used for `docs/samples/`, the demo, the tests
and `bench/statements.py`; the reader (`statement_files.py`) knows nothing of this module."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path


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


LAYOUTS = ("vietcombank", "vietinbank", "bidv", "agribank", "mb")


def _table(layout: str, account: str, rows: list[Row]) -> list[list[object]]:
    """Title rows, header row and data rows as cells (strings, numbers), per bank."""
    balance = 0
    out: list[list[object]] = []
    if layout == "vietcombank":
        out += [
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
        for i, r in enumerate(rows, 1):
            balance += r.amount
            out.append(
                [
                    i,
                    f"{r.day:%d/%m/%Y}\n{r.doc}",
                    _dots(-r.amount) if r.amount < 0 else "",
                    _dots(r.amount) if r.amount > 0 else "",
                    _dots(balance),
                    r.description,
                ]
            )
        out += [[], ["", "Tổng cộng/Total", "", "", _dots(balance), ""]]
    elif layout == "vietinbank":
        out += [
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
        for i, r in enumerate(rows, 1):
            balance += r.amount
            out.append(
                [
                    i,
                    f"{r.day:%d/%m/%Y} 09:{i % 60:02d}:00",
                    r.doc,
                    r.description,
                    -r.amount if r.amount < 0 else 0,
                    r.amount if r.amount > 0 else 0,
                    balance,
                ]
            )
    elif layout == "bidv":
        out += [
            ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"],
            ["SAO KÊ TÀI KHOẢN"],
            [f"Tài khoản: {account}"],
            [],
            ["STT", "NGÀY HIỆU LỰC", "SỐ GIAO DỊCH", "GHI NỢ", "GHI CÓ", "SỐ DƯ", "MÔ TẢ"],
        ]
        for i, r in enumerate(rows, 1):
            balance += r.amount
            out.append(
                [
                    i,
                    f"{r.day:%d/%m/%Y}",
                    r.doc,
                    _commas(-r.amount) if r.amount < 0 else "",
                    _commas(r.amount) if r.amount > 0 else "",
                    _commas(balance),
                    r.description,
                ]
            )
    elif layout == "agribank":
        out += [
            ["NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM"],
            ["SỔ PHỤ TÀI KHOẢN"],
            [f"Số tài khoản: {account}"],
            [],
            ["Ngày giao dịch", "Số bút toán", "Phát sinh nợ", "Phát sinh có", "Số dư", "Diễn giải"],
        ]
        for r in rows:
            balance += r.amount
            out.append(
                [
                    f"{r.day:%d-%m-%Y}",
                    r.doc,
                    _dots(-r.amount) if r.amount < 0 else "0",
                    _dots(r.amount) if r.amount > 0 else "0",
                    _dots(balance),
                    r.description,
                ]
            )
    elif layout == "mb":
        out += [
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
        for r in rows:
            balance += r.amount
            out.append(
                [
                    f"{r.day:%d/%m/%Y}",
                    r.doc,
                    _commas(-r.amount) if r.amount < 0 else "",
                    _commas(r.amount) if r.amount > 0 else "",
                    _commas(balance),
                    r.description,
                ]
            )
    else:
        raise ValueError(layout)
    return out


def render(layout: str, account: str, rows: Iterable[Row], *, fmt: str = "xlsx") -> bytes:
    table = _table(layout, account, list(rows))
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sao ke")
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(path: Path, layout: str, account: str, rows: Iterable[Row]) -> Path:
    path.write_bytes(render(layout, account, rows, fmt=path.suffix.lstrip(".")))
    return path
