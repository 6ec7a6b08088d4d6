"""Writes for the registry (issue #4). This first step registers one resident from values already read by
`normalize`; the spreadsheet import builds on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.programmes.models import ProgrammeCommune
from phocap.registry import normalize
from phocap.registry.models import Resident


def resident_register(
    *,
    actor: scope.Actor,
    commune: ProgrammeCommune,
    full_name: str,
    birth: normalize.BirthDate,
    sex: str = "",
    id_number: normalize.IdentityNumber | None = None,
    village: str = "",
    ethnicity: normalize.EthnicGroup | None = None,
    phone: normalize.Phone | None = None,
    smartphone_status: str = Resident.Smartphone.UNKNOWN,
    surveyed_on: dt.date | None = None,
    notes: str = "",
) -> Resident:
    """One adult of a programme commune. The identity number is encrypted, its keyed hash kept for lookups;
    the same number twice in a programme is refused by the database. The audit row never holds the number."""
    if not scope.can_write_residents(actor, commune):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền ghi).")
    programme = commune.programme
    if not normalize.is_adult(birth, programme.reference_date):
        raise ValidationFailed(
            f"Chưa đủ 18 tuổi vào ngày {programme.reference_date:%d/%m/%Y}.", field="birth", code="under_18"
        )
    values: dict[str, Any] = {
        "full_name": full_name,
        "birth_date": birth.date,
        "birth_year": birth.year,
        "sex": sex,
        "village": village,
        "ethnicity_code": ethnicity.code if ethnicity else "",
        "phone": phone.number if phone else "",
        "phone_carrier": (phone.carrier or "") if phone else "",
        "smartphone_status": smartphone_status,
        "smartphone_surveyed_on": surveyed_on,
        "notes": notes,
    }
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                programme=programme,
                commune=commune,
                id_number=id_number.number if id_number else "",
                id_hash=blind_index(id_number.number) if id_number else "",
                id_kind=id_number.kind if id_number else "",
                **values,
            )
            audit.record(
                actor=actor,
                action="resident.register",
                obj=resident,
                programme_code=programme.code,
                changes=audit.diff({}, values),
                extra={"id_number_recorded": id_number is not None},
            )
    except IntegrityError:
        raise Conflict("Số định danh này đã có trong danh sách của chương trình.", code="duplicate_id") from None
    return resident


def resident_find_by_id_number(*, actor: scope.Actor, commune: ProgrammeCommune, number: str) -> Resident | None:
    """Exact lookup by the keyed hash, within what the actor may see."""
    return Resident.objects.filter(
        scope.residents_q(actor), programme=commune.programme, id_hash=blind_index(number)
    ).first()


def resident_erase(*, actor: scope.Actor, resident: Resident, reason: str) -> Resident:
    """Erase a person's data on request, keeping the row (so the programme's counts and ledger stay whole)."""
    if not scope.can_write_residents(actor, resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    if not reason.strip():
        raise ValidationFailed("Cần ghi căn cứ yêu cầu xóa dữ liệu.", field="reason")
    with transaction.atomic():
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        if locked.erased_at is not None:
            raise Conflict("Dữ liệu của người này đã được xóa.")
        locked.full_name, locked.id_number, locked.id_hash, locked.id_kind = "(đã xóa)", "", "", ""
        locked.phone, locked.phone_carrier, locked.notes, locked.ethnicity_code = "", "", "", ""
        locked.birth_date, locked.erased_at, locked.updated_at = None, timezone.now(), timezone.now()
        locked.save()
        audit.record(
            actor=actor,
            action="resident.erase",
            obj=locked,
            programme_code=locked.programme.code,
            extra={"reason": reason},
        )
    return locked
