"""Writes for the registry (issue #4): one resident registered, corrected, erased; consent; a person's data
given to them. The spreadsheet import is `registry.importing`, duplicates `registry.dedup`.

Other apps change a resident only through the helpers here: `smartphone_mark` (the handover), and an erasure
reaches the data other apps hold about the person through `erasers` (each app registers its own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit, uploads
from phocap.core.actions import Action
from phocap.core.actors import actor_label
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.programmes.models import ProgrammeCommune
from phocap.registry import normalize
from phocap.registry.models import Consent, Resident

# What other apps hold about a person and erase with them (a handover's photo shows the person's face). The
# registry cannot know those apps (they build on it), so each registers its eraser in its AppConfig.ready().
erasers: list[Callable[[Resident], None]] = []


def smartphone_mark(*, resident_id: int, status: str, on: dt.date | None = None) -> None:
    """A resident now has a smartphone (handed over on `on`) or lacks one again (the phone came back), inside the
    caller's transaction."""
    changes: dict[str, Any] = {"smartphone_status": Resident.Smartphone(status), "updated_at": timezone.now()}
    if on is not None:
        changes["smartphone_surveyed_on"] = on
    Resident.objects.filter(pk=resident_id).update(**changes)


@service(audits=[Action.RESIDENT_REGISTER])
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
    except IntegrityError:
        raise Conflict("Số định danh này đã có trong danh sách của chương trình.", code="duplicate_id") from None
    audit.record(
        actor=actor,
        action=Action.RESIDENT_REGISTER,
        obj=resident,
        programme_code=programme.code,
        changes=audit.diff({}, values),
        extra={"id_number_recorded": id_number is not None},
    )
    return resident


@service(audits=[Action.RESIDENT_ERASE])
def resident_erase(*, actor: scope.Actor, resident: Resident, reason: str) -> Resident:
    """Erase a person's data on request, keeping the row (so the programme's counts and ledger stay whole)."""
    if not scope.can_write_residents(actor, resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    if not reason.strip():
        raise ValidationFailed("Cần ghi căn cứ yêu cầu xóa dữ liệu.", field="reason")
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    if locked.erased_at is not None:
        raise Conflict("Dữ liệu của người này đã được xóa.")
    locked.full_name, locked.id_number, locked.id_hash, locked.id_kind = "(đã xóa)", "", "", ""
    locked.phone, locked.phone_carrier, locked.notes, locked.ethnicity_code = "", "", "", ""
    locked.birth_date, locked.erased_at, locked.updated_at = None, timezone.now(), timezone.now()
    locked.save()
    for erase in erasers:  # what other apps hold about the person (the records themselves stay)
        erase(locked)
    uploads.discard_commune(locked.programme.code, locked.commune.unit.code)  # kept lists that may name them
    audit.record(
        actor=actor,
        action=Action.RESIDENT_ERASE,
        obj=locked,
        programme_code=locked.programme.code,
        extra={"reason": reason},
    )
    return locked


CORRECTABLE = ("full_name", "birth", "sex", "id_number", "ethnicity", "village", "phone", "smartphone_status", "notes")


def _read[T](field: str, reading: normalize.Reading[T]) -> T | None:
    """A typed value read like a spreadsheet cell: its first error refuses the correction."""
    errors = [p for p in reading.problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(errors[0].message, field=field, code=errors[0].code)
    return reading.value


def _identity(resident: Resident, values: dict[str, str], new: dict[str, Any]) -> None:
    """Name, birth (an adult on the reference date), sex and identity number, as typed."""
    reference = resident.programme.reference_date
    if "full_name" in values:
        name = _read("full_name", normalize.read_name(values["full_name"]))
        if not name:
            raise ValidationFailed("Thiếu họ và tên.", field="full_name", code="name_missing")
        new["full_name"] = name
    if "birth" in values:
        birth = _read("birth", normalize.read_birth(values["birth"], today=reference))
        if birth is None:
            raise ValidationFailed("Thiếu ngày sinh hoặc năm sinh.", field="birth", code="birth_missing")
        if not normalize.is_adult(birth, reference):
            raise ValidationFailed(f"Chưa đủ 18 tuổi vào ngày {reference:%d/%m/%Y}.", field="birth", code="under_18")
        new["birth_date"], new["birth_year"] = birth.date, birth.year
    if "sex" in values:
        new["sex"] = _read("sex", normalize.read_sex(values["sex"])) or ""
    if values.get("id_number", "").strip():
        year = new.get("birth_year", resident.birth_year)
        number = _read(
            "id_number", normalize.read_id_number(values["id_number"], birth_year=year, sex=resident.sex or None)
        )
        assert number is not None
        new["id_number"], new["id_hash"], new["id_kind"] = number.number, blind_index(number.number), number.kind


def _circumstances(actor: scope.Actor, resident: Resident, values: dict[str, str], new: dict[str, Any]) -> None:
    """Ethnicity (sensitive: only for those who decide eligibility), phone, village, smartphone, notes."""
    if "ethnicity" in values:
        if not scope.can_see_sensitive(actor, resident.commune):
            raise PermissionDenied("Bạn không được sửa thông tin dân tộc.")
        group = _read("ethnicity", normalize.read_ethnicity(values["ethnicity"]))
        new["ethnicity_code"] = group.code if group else ""
    if "phone" in values:
        phone = _read("phone", normalize.read_phone(values["phone"]))
        new["phone"], new["phone_carrier"] = (phone.number, phone.carrier or "") if phone else ("", "")
    if "village" in values:
        new["village"] = " ".join(values["village"].split())
    if "smartphone_status" in values:
        if values["smartphone_status"] not in Resident.Smartphone.values:
            raise ValidationFailed("Tình trạng điện thoại không hợp lệ.", field="smartphone_status")
        new["smartphone_status"] = values["smartphone_status"]
        if new["smartphone_status"] != resident.smartphone_status:
            new["smartphone_surveyed_on"] = timezone.localdate()
    if "notes" in values:
        new["notes"] = values["notes"].strip()


@service(audits=[Action.RESIDENT_CORRECT])
def resident_correct(*, actor: scope.Actor, resident: Resident, values: dict[str, str]) -> Resident:
    """Correct a resident's data from what an officer typed (each field read like a spreadsheet cell, so the same
    rules and messages apply). Only the fields given change; the change is audited (personal values masked)."""
    if not scope.can_write_residents(actor, resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    if resident.erased_at is not None:
        raise Conflict("Dữ liệu của người này đã được xóa.")
    new: dict[str, Any] = {}
    _identity(resident, values, new)
    _circumstances(actor, resident, values, new)
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    changes = audit.diff({f: getattr(locked, f) for f in new}, new)
    if not changes:
        return locked
    for field, value in new.items():
        setattr(locked, field, value)
    locked.updated_at = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise Conflict("Số định danh này đã có trong danh sách của chương trình.", code="duplicate_id") from None
    audit.record(
        actor=actor,
        action=Action.RESIDENT_CORRECT,
        obj=locked,
        programme_code=resident.programme.code,
        changes={k: v for k, v in changes.items() if k not in ("id_hash", "id_kind")},
    )
    return locked


@service(audits=[Action.CONSENT_RECORD])
def consent_record(
    *,
    actor: scope.Actor,
    resident: Resident,
    given_on: dt.date,
    method: str,
    kind: str = Consent.Kind.ALLOCATION,
    refused: bool = False,
    purpose: str = "",
) -> Consent:
    """One person's consent (or refusal) for a purpose, how it was given, and who recorded it. A refusal on
    record is closed by the consent given now (the person changed their mind); a consent already open is a
    conflict (nothing is recorded twice)."""
    if not scope.can_write_residents(actor, resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    if kind not in Consent.Kind.values:
        raise ValidationFailed("Mục đích không hợp lệ.", field="kind")
    if not method.strip():
        raise ValidationFailed("Cần ghi hình thức đồng ý.", field="method")
    if given_on > timezone.localdate():
        raise ValidationFailed("Ngày đồng ý không được ở tương lai.", field="given_on")
    open_ = Consent.objects.select_for_update().filter(resident=resident, kind=kind, withdrawn_on__isnull=True).first()
    if open_ is not None and (open_.refused == refused or kind == Consent.Kind.OTHER):
        raise Conflict(
            "Người này đã từ chối (đã ghi nhận)." if refused else "Sự đồng ý này đã được ghi nhận.", code="already"
        )
    if open_ is not None:
        if given_on < open_.given_on:
            raise ValidationFailed(
                f"Đã ghi nhận ý kiến khác ngày {open_.given_on:%d/%m/%Y}: ghi ngày sau đó.", field="given_on"
            )
        open_.withdrawn_on = given_on
        open_.save(update_fields=["withdrawn_on"])
    consent = Consent.objects.create(
        resident=resident,
        kind=kind,
        purpose=(purpose.strip() or str(Consent.Kind(kind).label))[:200],
        refused=refused,
        given_on=given_on,
        method=method.strip()[:100],
        recorded_by=actor_label(actor),
    )
    audit.record(
        actor=actor,
        action=Action.CONSENT_RECORD,
        obj=consent,
        programme_code=resident.programme.code,
        extra={"resident": resident.pk, "kind": kind, "refused": refused, "method": consent.method},
    )
    return consent


@service(audits=[Action.CONSENT_WITHDRAW])
def consent_withdraw(*, actor: scope.Actor, consent: Consent, on: dt.date | None = None) -> Consent:
    if not scope.can_write_residents(actor, consent.resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    on = on or timezone.localdate()
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_on is not None:
        raise Conflict("Sự đồng ý này đã được rút lại.")
    if on < locked.given_on:
        raise ValidationFailed("Ngày rút lại phải sau ngày đồng ý.", field="on")
    locked.withdrawn_on = on
    locked.save(update_fields=["withdrawn_on"])
    audit.record(
        actor=actor,
        action=Action.CONSENT_WITHDRAW,
        obj=locked,
        programme_code=consent.resident.programme.code,
        extra={"resident": consent.resident_id},
    )
    return locked


@service(audits=[Action.RESIDENT_DATA_EXPORT])
def resident_data(*, actor: scope.Actor, resident: Resident) -> dict[str, Any]:
    """Everything the programme holds about one person, for their request to see it (audited: it holds the full
    identity number)."""
    if not scope.can_write_residents(actor, resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    household = resident.household
    data = {
        "resident_id": resident.pk,
        "full_name": resident.full_name,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
        "birth_year": resident.birth_year,
        "sex": resident.sex,
        "id_number": resident.id_number,
        "ethnicity": normalize.ethnic_name(resident.ethnicity_code),
        "commune": resident.commune.unit.name,
        "village": resident.village,
        "household": {"code": household.code, "head": household.head_name, "poverty_status": household.poverty_status}
        if household
        else None,
        "priority_groups": [
            {"kind": f.kind, "source": f.source, "recorded_on": f.recorded_on.isoformat()}
            for f in resident.priority_flags.all()
        ],
        "phone": resident.phone,
        "smartphone_status": resident.smartphone_status,
        "notes": resident.notes,
        "consents": [
            {
                "purpose": c.purpose,
                "kind": c.kind,
                "refused": c.refused,
                "given_on": c.given_on.isoformat(),
                "method": c.method_label(),
                "recorded_by": c.recorded_by,
                "withdrawn_on": c.withdrawn_on.isoformat() if c.withdrawn_on else None,
            }
            for c in resident.consents.order_by("given_on")
        ],
    }
    audit.record(actor=actor, action=Action.RESIDENT_DATA_EXPORT, obj=resident, programme_code=resident.programme.code)
    return data
