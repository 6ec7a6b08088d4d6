"""Reads of residents, limited by `accounts.scope.residents_q`."""

from __future__ import annotations

from django.db.models import QuerySet

from phocap.accounts import scope
from phocap.core.errors import NotFound, PermissionDenied
from phocap.programmes.models import Programme
from phocap.registry.models import Resident


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
