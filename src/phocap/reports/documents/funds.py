"""Báo cáo thu, chi (`thu-chi`): funds needed, received and spent on phones per commune (earmarked) and in all,
from `indicators.compute`; gifts by channel; the purchase orders paid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from phocap.accounts import scope
from phocap.devices import selectors as devices
from phocap.fundraising import selectors as fundraising
from phocap.programmes.models import Programme
from phocap.reports import indicators
from phocap.reports.documents.model import DATE, INT, MONEY, PCT, Column, Document, Table, cell_text, frame, money
from phocap.reports.selectors import kpi


def _money_row(name: str, i: dict[str, indicators.Indicator]) -> list[Any]:
    r, s = i["funds_received"], i["funds_spent"]
    return [name, r.denominator, r.numerator, r.percent, s.numerator, s.percent]


def _by_commune(report: indicators.Report) -> Table:
    t = report.totals.indicators
    rows = [[n, *_money_row(c.name, c.indicators)] for n, c in enumerate(report.communes, 1)]

    def general(key: str) -> int:  # gifts and orders not earmarked for a commune
        return t[key].numerator - sum(c.indicators[key].numerator for c in report.communes)

    rows.append(
        ["", "Chưa chỉ định xã (quỹ chung)", None, general("funds_received"), None, general("funds_spent"), None]
    )
    return Table(
        "1. Kinh phí cần, đã nhận và đã chi mua máy, theo xã (số tiền ủng hộ chỉ định cho xã)",
        [
            Column("TT", 9, INT),
            Column("Xã, phường", 60),
            Column("Kinh phí cần (₫)", 40, MONEY),
            Column("Đã nhận (₫)", 40, MONEY),
            Column("Đã nhận / cần (%)", 28, PCT),
            Column("Đã chi mua máy (₫)", 40, MONEY),
            Column("Đã chi / đã nhận (%)", 28, PCT),
        ],
        rows,
        ["", *_money_row("Toàn chương trình", t)],
    )


def _by_channel(programme: Programme, on: dt.date) -> Table:
    rows = fundraising.gifts_by_channel(programme, on)
    return Table(
        "2. Tiền và hiện vật đã nhận, theo hình thức (hiện vật tính theo giá trị)",
        [Column("TT", 9, INT), Column("Hình thức", 120), Column("Số lượt", 40, INT), Column("Số tiền (₫)", 60, MONEY)],
        [[n, label, count, amount] for n, (label, count, amount) in enumerate(rows, 1)],
        ["", "Tổng cộng", sum(r[1] for r in rows), sum(r[2] for r in rows)],
    )


def _orders(programme: Programme, on: dt.date) -> Table:
    orders = list(devices.purchase_orders_until(programme, on))
    return Table(
        "3. Chi mua điện thoại (đơn mua đã thanh toán)",
        [
            Column("TT", 9, INT),
            Column("Ngày", 24, DATE),
            Column("Nhà cung cấp", 62),
            Column("Loại máy", 50),
            Column("Số máy", 20, INT),
            Column("Đơn giá (₫)", 30, MONEY),
            Column("Thành tiền (₫)", 36, MONEY),
            Column("Cho xã", 40),
        ],
        [
            [
                n,
                o.ordered_on,
                o.supplier_name,
                str(o.phone_model),
                o.quantity,
                o.unit_price,
                o.total,
                o.earmark.unit.name if o.earmark else "Quỹ chung",
            ]
            for n, o in enumerate(orders, 1)
        ],
        ["", "", "Tổng cộng", "", sum(o.quantity for o in orders), None, sum(o.total for o in orders), ""],
    )


def _balances(programme: Programme, on: dt.date) -> Table:
    rows = fundraising.account_balances(programme, on)
    return Table(
        "4. Số dư các tài khoản (ngân hàng, tiền mặt tại điểm cầu, phí ngân hàng …; "
        "tài sản và chi ghi dương, quỹ ghi âm)",
        [Column("TT", 9, INT), Column("Tài khoản", 150), Column("Số dư (₫)", 60, MONEY)],
        [[n, label, amount] for n, (label, amount) in enumerate(rows, 1)],
        ["", "Tổng (sổ kép: bằng 0)", sum(a for _, a in rows)],
    )


def funds(*, actor: scope.Actor, programme: Programme, on: dt.date | None = None, number: str = "") -> Document:
    report = kpi(actor=actor, programme=programme, on=on)
    t = report.totals.indicators
    return frame(
        programme,
        "thu-chi",
        report.date,
        number,
        actor,
        title="BÁO CÁO",
        subtitle=f"Tình hình tiếp nhận và sử dụng kinh phí {programme.name} đến ngày {report.date:%d/%m/%Y}",
        intro=[
            f"Tổng kinh phí cần: {money(t['funds_received'].denominator)} ₫ "
            f"({money(programme.phone_package_price)} ₫ cho một gói điện thoại). Đã nhận "
            f"{money(t['funds_received'].numerator)} ₫ ({cell_text(t['funds_received'].percent, PCT)}%); "
            f"đã chi mua máy {money(t['funds_spent'].numerator)} ₫ ({cell_text(t['funds_spent'].percent, PCT)}% "
            "số đã nhận).",
        ],
        tables=[
            _by_commune(report),
            _by_channel(programme, report.date),
            _orders(programme, report.date),
            _balances(programme, report.date),
        ],
        notes=["Danh sách từng nhà tài trợ được công khai tại trang công khai của chương trình."],
    )
