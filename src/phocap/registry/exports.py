"""The registry export: one row per resident the reader may see and the filter keeps — full identity numbers for
the programme's managers, masked for commune officers — and every export is audited (who, what filter, how many
rows, whether numbers were whole)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from django.db import transaction

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.core.spreadsheets import csv_bytes, xlsx_bytes
from phocap.programmes.models import Programme
from phocap.registry import search, selectors
from phocap.registry.dedup import undecided_pairs
from phocap.registry.normalize import mask_id

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


def _rows(qs: Any, programme: Programme, actor: scope.Actor, full: bool) -> Iterator[list[Any]]:
    others: dict[int, list[int]] = {}
    for a, b in undecided_pairs(programme).values_list("a_id", "b_id"):
        others.setdefault(a, []).append(b)
        others.setdefault(b, []).append(a)
    sensitive: dict[int, bool] = {}
    for r in qs.iterator(chunk_size=2000):
        if r.commune_id not in sensitive:
            sensitive[r.commune_id] = scope.can_see_sensitive(actor, r.commune)
        yield [
            r.pk,
            r.full_name,
            r.birth_date.isoformat() if r.birth_date else "",
            r.birth_year,
            r.sex,
            r.id_number if full else mask_id(r.id_number) if r.id_number else "",
            r.ethnicity_code if sensitive[r.commune_id] else "",
            r.commune.unit.code,
            r.village,
            r.household.code if r.household else "",
            r.household.poverty_status if r.household else "none",
            r.phone,
            r.smartphone_status,
            " ".join(str(o) for o in sorted(others.get(r.pk, []))),
        ]


@service(audits=[Action.REGISTRY_EXPORT], atomic=False)
def export_residents(
    *,
    actor: scope.Actor,
    programme: Programme,
    commune_code: str = "",
    fmt: str = "csv",
    filters: search.ResidentFilter | None = None,
) -> bytes:
    """The residents the actor may see that match `filters`: full identity numbers for the programme's managers,
    masked for everyone else; ethnicity only for those who may see it."""
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed("Định dạng: csv hoặc xlsx.", field="format")
    try:
        selectors.require_full_numbers(actor, programme)
        full = True
    except PermissionDenied:
        full = False
    filters = filters or search.ResidentFilter()
    if commune_code:
        filters = dataclasses.replace(filters, commune=commune_code)
    qs = search.residents(actor=actor, programme=programme, filters=filters).select_related(
        "commune__unit", "household"
    )
    if not full and scope.residents_q(actor) == scope.NOTHING:
        raise PermissionDenied("Bạn không được xuất danh sách người dân.")
    rows = list(_rows(qs, programme, actor, full))
    count = len(rows)
    data = csv_bytes([HEADER, *rows], bom=False) if fmt == "csv" else xlsx_bytes([HEADER, *rows], sheet="residents")
    with transaction.atomic(durable=True):  # the file is built outside; the audit row before it is handed out
        audit.record(
            actor=actor,
            action=Action.REGISTRY_EXPORT,
            obj=programme,
            programme_code=programme.code,
            extra={
                "commune": filters.commune or "all",
                "format": fmt,
                "rows": count,
                "full_identity_numbers": full,
                "filter": filters.audited(),
            },
        )
    return data
