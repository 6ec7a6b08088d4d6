"""Báo cáo tiến độ (`tien-do`): coverage toward the target, phones handed over, onboarding and follow-up, per
commune; every indicator for the programme; per responsible department and enterprise — all from
`indicators.compute`, so the report cannot disagree with the dashboard, the API or `phocap kpi`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from phocap.accounts import scope
from phocap.programmes.models import Programme
from phocap.reports import indicators
from phocap.reports.documents.model import INT, PCT, Column, Document, Table, cell_text, frame, money
from phocap.reports.selectors import kpi

COMMUNE_COLUMNS = [
    Column("TT", 9, INT),
    Column("Xã, phường", 42),
    Column("Người trưởng thành", 24, INT),
    Column("Chưa có ĐTTM (ban đầu)", 24, INT),
    Column("Đã trao máy", 20, INT),
    Column("Tỷ lệ có ĐTTM (%)", 21, PCT),
    Column("Mục tiêu (%)", 18, PCT),
    Column("Định danh mức 2 (%)", 21, PCT),
    Column("Dùng DVC trực tuyến (%)", 23, PCT),
    Column("Thanh toán không tiền mặt (%)", 25, PCT),
    Column("Theo dõi đúng hạn (%)", 21, PCT),
    Column("Lần theo dõi quá hạn", 20, INT),
]
ROLES = {"department": "Sở, ngành phụ trách", "enterprise": "Doanh nghiệp hỗ trợ"}


def _unit_row(unit: indicators.Unit) -> list[Any]:
    i = unit.indicators
    return [
        unit.name,
        i["smartphone_coverage"].denominator,
        i["handover_progress"].denominator,
        i["handover_progress"].numerator,
        i["smartphone_coverage"].percent,
        i["smartphone_coverage"].target,
        i["eid_level2"].percent,
        i["online_service_used"].percent,
        i["cashless_payment"].percent,
        i["followup_on_time"].percent,
        unit.overdue_followups,
    ]


def _by_commune(report: indicators.Report) -> Table:
    return Table(
        "1. Tiến độ theo xã, phường",
        COMMUNE_COLUMNS,
        [[n, *_unit_row(c)] for n, c in enumerate(report.communes, 1)],
        ["", "Toàn chương trình", *_unit_row(report.totals)[1:]],
    )


def _every_indicator(report: indicators.Report) -> Table:
    return Table(
        "2. Các chỉ số của chương trình (tử số / mẫu số × 100)",
        [
            Column("TT", 9, INT),
            Column("Chỉ số", 120),
            Column("Tử số", 34, INT),
            Column("Mẫu số", 34, INT),
            Column("Tỷ lệ (%)", 25, PCT),
            Column("Mục tiêu (%)", 25, PCT),
        ],
        [
            [n, indicators.LABELS[k], v.numerator, v.denominator, v.percent, v.target]
            for n, (k, v) in enumerate(report.totals.indicators.items(), 1)
        ],
    )


def _by_organisation(report: indicators.Report) -> Table:
    return Table(
        "3. Theo sở, ngành phụ trách và doanh nghiệp hỗ trợ (các xã được phân công cộng lại)",
        [
            Column("TT", 9, INT),
            Column("Đơn vị", 80),
            Column("Vai trò", 40),
            Column("Số xã", 16, INT),
            Column("Đã trao máy", 24, INT),
            Column("Tỷ lệ có ĐTTM (%)", 24, PCT),
            Column("Định danh mức 2 (%)", 24, PCT),
            Column("Lần theo dõi quá hạn", 24, INT),
        ],
        [
            [
                n,
                o["name"],
                ROLES.get(o["role"], o["role"]),
                len(o["communes"]),
                o["indicators"]["handover_progress"]["numerator"],
                o["indicators"]["smartphone_coverage"]["percent"],
                o["indicators"]["eid_level2"]["percent"],
                o["overdue_followups"],
            ]
            for n, o in enumerate(report.organisations, 1)
        ],
    )


def progress(*, actor: scope.Actor, programme: Programme, on: dt.date | None = None, number: str = "") -> Document:
    report = kpi(actor=actor, programme=programme, on=on)
    t = report.totals.indicators
    return frame(
        programme,
        "tien-do",
        report.date,
        number,
        actor,
        title="BÁO CÁO",
        subtitle=f"Tiến độ {programme.name} đến ngày {report.date:%d/%m/%Y}",
        intro=[
            f"Tính đến ngày {report.date:%d/%m/%Y}, {len(report.communes)} xã, phường của chương trình có "
            f"{money(t['handover_progress'].denominator)} người trưởng thành chưa có điện "
            f"thoại thông minh; đã trao {money(report.totals.holders)} máy "
            f"({cell_text(t['handover_progress'].percent, PCT)}%). Tỷ lệ người trưởng thành "
            f"có điện thoại thông minh đạt {cell_text(t['smartphone_coverage'].percent, PCT)}%"
            f" (mục tiêu {cell_text(t['smartphone_coverage'].target, PCT)}%).",
        ],
        tables=[_by_commune(report), _every_indicator(report), _by_organisation(report)],
        notes=["ĐTTM: điện thoại thông minh; DVC: dịch vụ công. Số liệu tính theo hướng dẫn tại docs/ARCHITECTURE.md."],
    )
