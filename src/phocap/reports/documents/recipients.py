"""Danh sách người nhận (`nguoi-nhan`): everyone holding a phone on the date (the handover's standing rule), in
the communes the actor may see, with the date of handover, the onboarding steps done by then and the last
follow-up. Names, birth years and masked identity numbers only for those allowed to see the residents
(`scope.residents_q`); others get the rows without them. `export` audits a report that holds personal data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from phocap.accounts import scope
from phocap.handover import selectors as handover
from phocap.handover.models import Handover
from phocap.onboarding import selectors as onboarding
from phocap.onboarding.models import FollowUpVisit
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.normalize import mask_id
from phocap.reports.documents.model import DATE, DAY, INT, YEAR, Column, Document, Table, frame
from phocap.reports.selectors import kpi

STEP_COLUMNS = [
    ("eid_level2", "Định danh mức 2"),
    ("portal_account", "Tài khoản DVC"),
    ("online_service", "Đã dùng DVC"),
    ("payment_account", "Tài khoản thanh toán"),
    ("cashless_payment", "Thanh toán không tiền mặt"),
]


def _columns(personal: bool) -> list[Column]:
    columns = [Column("TT", 9, INT)]
    if personal:
        columns += [Column("Họ và tên", 36), Column("Năm sinh", 12, YEAR), Column("Số định danh (che)", 26)]
    columns += [Column("Thôn, bản", 24), Column("Ngày nhận máy", 19, DATE)]
    columns += [Column(label, 17 if personal else 24, DAY) for _key, label in STEP_COLUMNS]
    columns.append(Column("Theo dõi gần nhất", 56 if personal else 95))
    return columns


class _People:
    """The people standing on the date and what the report says of each."""

    def __init__(self, actor: scope.Actor, programme: Programme, on: dt.date, communes: Any) -> None:
        standing = (
            handover.holders(programme, on)
            .filter(event__commune__in=communes)
            .select_related("resident", "event__commune")
            .order_by(
                "event__commune__unit__code", "resident__village", "resident__household_id", "resident__full_name"
            )
        )
        self.seen = set(
            programme.residents.filter(scope.residents_q(actor), pk__in=standing.values("resident_id")).values_list(
                "pk", flat=True
            )
        )
        people = list(standing)
        ids = [h.resident_id for h in people]
        self.started = handover.first_handover_dates(programme, ids)
        self.steps = onboarding.step_dates(ids, on)
        self.last = onboarding.last_visits(ids, on)
        self.by_commune: dict[int, list[Handover]] = defaultdict(list)
        for h in people:
            self.by_commune[h.event.commune_id].append(h)

    @property
    def personal(self) -> bool:
        return bool(self.seen)

    def row(self, n: int, h: Handover, outcomes: dict[str, str]) -> list[Any]:
        r = h.resident
        shown = r.pk in self.seen
        visit = self.last.get(r.pk)
        row: list[Any] = [n]
        if self.personal:
            row += [
                r.full_name if shown else "(không hiển thị)",
                r.birth_year if shown else None,
                mask_id(r.id_number) if shown and r.id_number else "",
            ]
        row += [r.village, self.started.get(r.pk)]
        row += [self.steps[r.pk].get(key) for key, _label in STEP_COLUMNS]
        row.append(f"+{visit[0]} ngày ({visit[1]:%d/%m/%y}): {outcomes[visit[2]]}" if visit else "Chưa theo dõi")
        return row


def _commune_table(people: _People, commune: ProgrammeCommune) -> Table:
    outcomes = {value: str(label) for value, label in FollowUpVisit.Outcome.choices}
    rows = [people.row(n, h, outcomes) for n, h in enumerate(people.by_commune.get(commune.pk, []), 1)]
    columns = _columns(people.personal)
    counts = [str(sum(1 for row in rows if row[len(columns) - 6 + i] is not None)) for i in range(5)]
    total = ["", "Cộng", *([""] * (3 if people.personal else 0)), f"{len(rows)} người", *counts, ""]
    return Table(f"{commune.unit.name} — {len(rows)} người đang giữ máy", columns, rows, total)


def recipients(
    *,
    actor: scope.Actor,
    programme: Programme,
    on: dt.date | None = None,
    number: str = "",
    commune: ProgrammeCommune | None = None,
) -> Document:
    on = kpi(actor=actor, programme=programme, on=on, commune=commune).date
    communes = programme.communes.filter(scope.communes_q(actor)).select_related("unit").order_by("unit__code")
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    people = _People(actor, programme, on, communes)
    tables = [_commune_table(people, c) for c in communes]
    notes = ["Các cột bước hướng dẫn ghi ngày hoàn thành; để trống là chưa hoàn thành."]
    if not people.personal:
        notes.append("Không có họ tên, năm sinh, số định danh: vai trò của người lập không được xem thông tin cá nhân.")
    else:
        notes.append("Tài liệu có thông tin cá nhân: chỉ dùng cho công việc của chương trình, không công bố.")
    return frame(
        programme,
        "nguoi-nhan",
        on,
        number,
        actor,
        title="DANH SÁCH",
        subtitle=f"Người nhận điện thoại và tình hình hướng dẫn sử dụng, đến ngày {on:%d/%m/%Y}",
        intro=[f"{programme.name}: {sum(len(t.rows) for t in tables)} người đang giữ máy tại {len(tables)} xã, phường"],
        tables=tables,
        personal_data=people.personal,
        notes=notes,
    )
