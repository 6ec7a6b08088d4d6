"""The registry export: one row per resident, full identity numbers — so it needs the permission to see them,
and every export is audited (who, what programme/commune, how many rows)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.services import service
from phocap.core.spreadsheets import csv_bytes, xlsx_bytes
from phocap.programmes.models import Programme
from phocap.registry import selectors
from phocap.registry.dedup import undecided_pairs

HEADER = [
    "resident_id",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "id_number",
    "ethnicity",
    "commune_code",
    "village",
    "household_code",
    "poverty_status",
    "phone",
    "smartphone_status",
    "possible_duplicate_of",
]


def _rows(qs: Any, programme: Programme) -> Iterator[list[Any]]:
    others: dict[int, list[int]] = {}
    for a, b in undecided_pairs(programme).values_list("a_id", "b_id"):
        others.setdefault(a, []).append(b)
        others.setdefault(b, []).append(a)
    for r in qs.iterator(chunk_size=2000):
        yield [
            r.pk,
            r.full_name,
            r.birth_date.isoformat() if r.birth_date else "",
            r.birth_year,
            r.sex,
            r.id_number,
            r.ethnicity_code,
            r.commune.unit.code,
            r.village,
            r.household.code if r.household else "",
            r.household.poverty_status if r.household else "none",
            r.phone,
            r.smartphone_status,
            " ".join(str(o) for o in sorted(others.get(r.pk, []))),
        ]


@service(audits=[Action.REGISTRY_EXPORT], atomic=False)
def export_residents(*, actor: scope.Actor, programme: Programme, commune_code: str = "", fmt: str = "csv") -> bytes:
    selectors.require_full_numbers(actor, programme)
    qs = selectors.resident_list(actor=actor, programme=programme, commune_code=commune_code)
    rows = list(_rows(qs, programme))
    count = len(rows)
    data = csv_bytes([HEADER, *rows], bom=False) if fmt == "csv" else xlsx_bytes([HEADER, *rows], sheet="residents")
    with transaction.atomic(durable=True):  # the file is built outside; the audit row before it is handed out
        audit.record(
            actor=actor,
            action=Action.REGISTRY_EXPORT,
            obj=programme,
            programme_code=programme.code,
            extra={"commune": commune_code or "all", "format": fmt, "rows": count, "full_identity_numbers": True},
        )
    return data
