"""What a report is, apart from how it is laid out: a `Document` (issuing body, number, place and date, title,
tables with a bold total row, notes, "Nơi nhận" and the signature block), its `Table`s and `Column`s, and how a
cell's value is written (`cell_text`). `pdf.to_pdf` and `xlsx.to_xlsx` lay the same description out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from phocap.accounts import scope
from phocap.core.pdf import nfc
from phocap.programmes.models import Programme

# cell kinds: how a value is written (PDF text, XLSX number format)
TEXT, INT, MONEY, PCT, DATE, DAY, YEAR = "text", "int", "money", "pct", "date", "day", "year"


@dataclasses.dataclass
class Column:
    title: str
    width: float  # millimetres on the PDF page; XLSX column width follows
    kind: str = TEXT


@dataclasses.dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None  # the bold "Tổng cộng" row


@dataclasses.dataclass
class Document:
    slug: str
    parent_body: str  # cơ quan chủ quản, e.g. ỦY BAN NHÂN DÂN TỈNH BẮC KẠN
    body: str  # the issuing body, bold
    number: str  # "Số: 12/BC-UBND" or blank for the clerk
    place: str
    date: dt.date
    title: str
    subtitle: str
    intro: list[str]
    tables: list[Table]
    prepared_by: str
    landscape: bool = True
    personal_data: bool = False
    notes: list[str] = dataclasses.field(default_factory=list)
    copies_to: list[str] = dataclasses.field(default_factory=list)  # nơi nhận

    @property
    def filename_stem(self) -> str:
        return f"bao-cao-{self.slug}-{self.date.isoformat()}"


def money(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def cell_text(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—" if kind == PCT else ""
    if kind in (INT, MONEY):
        return money(int(value))
    if kind == PCT:
        return f"{value:.1f}".replace(".", ",")
    if kind == DATE and isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if kind == DAY and isinstance(value, dt.date):
        return value.strftime("%d/%m/%y")
    return nfc(value)


def frame(programme: Programme, slug: str, on: dt.date, number: str, actor: scope.Actor, **kw: Any) -> Document:
    province = programme.province.name
    place = province.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    user_name = getattr(actor, "full_name", "") or getattr(actor, "username", "") or ""
    return Document(
        slug=slug,
        parent_body=f"ỦY BAN NHÂN DÂN {province.upper()}",
        body="BAN CHỈ ĐẠO CHƯƠNG TRÌNH",
        number=f"Số: {number or '        '}/BC-BCĐ",
        place=place,
        date=on,
        prepared_by=user_name,
        copies_to=[
            f"UBND {province[:1].lower()}{province[1:]};",
            "Các sở, ngành, UBND các xã, phường thực hiện;",
            "Lưu: VT.",
        ],
        **kw,
    )
