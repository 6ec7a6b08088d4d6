"""Reads of administrative units. Geography is public data: no actor scope applies."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from phocap.core.errors import NotFound
from phocap.geo.models import AdminUnit, UnitSuccession


def valid_on(day: dt.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def unit_list(
    *,
    level: str | None = None,
    code: str | None = None,
    on: dt.date | None = None,
    parent_id: int | None = None,
    name: str | None = None,
) -> QuerySet[AdminUnit]:
    qs = AdminUnit.objects.select_related("parent").order_by("level", "code", "valid_from")
    if level:
        qs = qs.filter(level=level)
    if code:
        qs = qs.filter(code=code)
    if on:
        qs = qs.filter(valid_on(on))
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if name:
        qs = qs.filter(name__icontains=name)
    return qs


def unit_get(unit_id: int) -> AdminUnit:
    try:
        return AdminUnit.objects.select_related("parent").get(pk=unit_id)
    except AdminUnit.DoesNotExist:
        raise NotFound("Không tìm thấy đơn vị hành chính.") from None


def unit_on(*, level: str, code: str, day: dt.date) -> AdminUnit:
    """The unit that had this code at this level on this day: the only safe way to resolve a code."""
    units = list(AdminUnit.objects.filter(valid_on(day), level=level, code=code).select_related("parent")[:2])
    if not units:
        raise NotFound(
            f"Không có đơn vị cấp {level} mã {code} có hiệu lực ngày {day:%d/%m/%Y}. "
            "Hãy tải danh mục bằng `phocap geo load`."
        )
    return units[0]


def successors(unit: AdminUnit) -> QuerySet[UnitSuccession]:
    return UnitSuccession.objects.filter(predecessor=unit).select_related("successor", "successor__parent")


def successor_map(unit_ids: list[int]) -> dict[int, list[UnitSuccession]]:
    """ "Now part of …" for many units at once (one query)."""
    out: dict[int, list[UnitSuccession]] = {i: [] for i in unit_ids}
    for s in UnitSuccession.objects.filter(predecessor_id__in=unit_ids).select_related("successor__parent"):
        out[s.predecessor_id].append(s)
    return out


def linked_units(unit_ids: set[int]) -> dict[int, set[int]]:
    """Each unit with the units it became or came from in a reorganisation (one step either way, one query):
    where the same people may be listed under another name."""
    out: dict[int, set[int]] = {i: {i} for i in unit_ids}
    for a, b in UnitSuccession.objects.filter(
        Q(predecessor_id__in=unit_ids) | Q(successor_id__in=unit_ids)
    ).values_list("predecessor_id", "successor_id"):
        out.setdefault(a, {a}).add(b)
        out.setdefault(b, {b}).add(a)
    return out
