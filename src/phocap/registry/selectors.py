"""Reads of residents, limited by `accounts.scope.residents_q`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from phocap.accounts import scope
from phocap.core.crypto import blind_index
from phocap.core.errors import NotFound, PermissionDenied
from phocap.core.masking import mask_name
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import Resident
from phocap.registry.normalize import latest_adult_birth


def adults_q(on: dt.date) -> Q:
    """Over Resident: 18 or older on the day — `normalize.is_adult` as a query (a year alone counts as 31/12)."""
    latest = latest_adult_birth(on)
    year_only = latest.year if (latest.month, latest.day) == (12, 31) else latest.year - 1
    return Q(birth_date__lte=latest) | Q(birth_date__isnull=True, birth_year__lte=year_only)


def resident_list(*, actor: scope.Actor, programme: Programme, commune_code: str = "") -> QuerySet[Resident]:
    qs = Resident.objects.filter(
        scope.residents_q(actor), programme=programme, erased_at__isnull=True, merged_into__isnull=True
    )
    if commune_code:
        qs = qs.filter(commune__unit__code=commune_code)
    return qs.select_related("commune__unit", "household").order_by("commune__unit__code", "village", "full_name")


def resident_get(*, actor: scope.Actor, programme: Programme, resident_id: int) -> Resident:
    found = resident_list(actor=actor, programme=programme).filter(pk=resident_id).first()
    if found is None:
        raise NotFound("Không tìm thấy người dân.")
    return found


def require_full_numbers(actor: scope.Actor, programme: Programme) -> None:
    """Full identity numbers are for the provincial manager and the administrator only."""
    if not (scope.is_system_admin(actor) or scope.can_manage_programme(actor, programme)):
        raise PermissionDenied("Chỉ quản lý chương trình được xuất số định danh đầy đủ.")


def resident_find_by_id_number(*, actor: scope.Actor, commune: ProgrammeCommune, number: str) -> Resident | None:
    """Exact lookup by the keyed hash, within what the actor may see."""
    return Resident.objects.filter(
        scope.residents_q(actor), programme=commune.programme, id_hash=blind_index(number)
    ).first()


def masked_names(ids: list[str]) -> dict[str, str]:
    """{resident id: masked name} — for the audit page of a reader allowed to see people (the caller decides)."""
    numbers = [int(i) for i in ids if i.isdigit()]
    rows = Resident.objects.filter(pk__in=numbers).values_list("pk", "full_name", "erased_at")
    return {str(pk): ("(đã xóa)" if erased else mask_name(name)) for pk, name, erased in rows}
