"""Complaints (phản ánh, kiến nghị, issue #17): filed by anyone without an account, or recorded by the officer who
received one in person, by phone or at a meeting; each goes to its commune — the commune officer, the programme's
manager and the commune's responsible department see it (`accounts.scope.complaints_q`) — with deadlines from the
programme (acknowledged within N working days, resolved within M days), and every step says what was done."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation.postings import posting_open_on
from phocap.complaints.models import Complaint, ComplaintStep
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.services import service
from phocap.core.workdays import working_days_after
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import normalize

TEXT_MAX = 2000
NEXT = {
    Complaint.Status.RECEIVED: {"acknowledged", "in_progress", "resolved", "not_upheld"},
    Complaint.Status.ACKNOWLEDGED: {"in_progress", "resolved", "not_upheld"},
    Complaint.Status.IN_PROGRESS: {"resolved", "not_upheld"},
    Complaint.Status.RESOLVED: {"in_progress"},  # reopened, saying why
    Complaint.Status.NOT_UPHELD: {"in_progress"},
}
LINK_NAMES = {"resident": "người dân", "device": "máy", "donation": "khoản ủng hộ", "round": "đợt phân bổ"}
ABOUT_ROUND = (Complaint.Category.NOT_LISTED, Complaint.Category.WRONGLY_LISTED, Complaint.Category.WRONG_DATA)


def _clean(text: str, limit: int) -> str:
    return str(text or "").replace("\r", "").replace("\x00", "").strip()[:limit]


def _phone(text: str) -> str:
    if not text.strip():
        return ""
    reading = normalize.read_phone(text)
    if reading.value is None:
        raise ValidationFailed("Số điện thoại để trả lời gồm 10 chữ số, bắt đầu bằng 0.", field="phone")
    return reading.value.number


def _checked(category: str, text: str) -> tuple[str, str]:
    if category not in Complaint.Category.values:
        raise ValidationFailed("Hãy chọn loại phản ánh.", field="category")
    text = _clean(text, TEXT_MAX + 1)
    if len(text) < 5:
        raise ValidationFailed("Hãy viết nội dung phản ánh (ít nhất vài chữ).", field="text")
    if len(text) > TEXT_MAX:
        raise ValidationFailed(f"Nội dung phản ánh không quá {TEXT_MAX} ký tự.", field="text")
    return category, text


def deadlines(programme: Programme, received_on: dt.date) -> tuple[dt.date, dt.date]:
    return (
        working_days_after(received_on, programme.complaint_acknowledge_days),
        received_on + dt.timedelta(days=programme.complaint_resolve_days),
    )


def _create(programme: Programme, commune: ProgrammeCommune, **fields: Any) -> Complaint:
    acknowledge_by, resolve_by = deadlines(programme, fields["received_on"])
    complaint = Complaint(programme=programme, commune=commune, acknowledge_by=acknowledge_by, resolve_by=resolve_by)
    for name, value in fields.items():
        setattr(complaint, name, value)
    if complaint.round_id is None and complaint.category in ABOUT_ROUND:
        posting = posting_open_on(commune, complaint.received_on)
        complaint.round_id = posting.round_id if posting else None  # shown to the round's approver
    complaint.save(force_insert=True)
    return complaint


@service(audits=[Action.COMPLAINT_FILE])
def complaint_file(
    *,
    programme: Programme,
    commune: ProgrammeCommune,
    category: str,
    text: str,
    name: str = "",
    phone: str = "",
    key: str = "",
) -> Complaint:
    """From the public page or API, without an account. `key` (the form's) makes a double tap one complaint."""
    if commune.programme_id != programme.pk:
        raise NotFound("Không tìm thấy xã/phường của chương trình.")
    category, text = _checked(category, text)
    scoped = "public:" + hashlib.sha256(key.encode()).hexdigest()[:56] if key else None
    if scoped and (done := Complaint.objects.filter(key=scoped).first()) is not None:
        return done
    try:
        with transaction.atomic():
            complaint = _create(
                programme,
                commune,
                category=category,
                text=text,
                name=_clean(name, 150),
                phone=_phone(phone),
                via=Complaint.Via.PUBLIC,
                received_on=timezone.localdate(),
                recorded_by="public",
                key=scoped,
            )
    except IntegrityError:
        again = Complaint.objects.filter(key=scoped).first()
        if again is None:
            raise
        return again
    audit.record(actor=None, action=Action.COMPLAINT_FILE, obj=complaint, programme_code=programme.code)
    return complaint


def _may_handle(actor: scope.Actor, commune: ProgrammeCommune) -> bool:
    return ProgrammeCommune.objects.filter(scope.complaints_q(actor), pk=commune.pk).exists()


@service(audits=[Action.COMPLAINT_RECORD])
def complaint_record(
    *,
    actor: scope.Actor,
    programme: Programme,
    commune: ProgrammeCommune,
    category: str,
    text: str,
    via: str,
    received_on: dt.date | None = None,
    name: str = "",
    phone: str = "",
    links: dict[str, int | None] | None = None,
) -> Complaint:
    """An officer records one received in person, by phone or at a meeting (on the day it was received)."""
    if commune.programme_id != programme.pk or not _may_handle(actor, commune):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền).")
    category, text = _checked(category, text)
    if via not in (Complaint.Via.IN_PERSON, Complaint.Via.PHONE, Complaint.Via.MEETING):
        raise ValidationFailed("Hãy chọn cách nhận phản ánh: trực tiếp, điện thoại hoặc cuộc họp.", field="via")
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationFailed("Ngày nhận không được sau hôm nay.", field="received_on")
    complaint = _create(
        programme,
        commune,
        category=category,
        text=text,
        name=_clean(name, 150),
        phone=_phone(phone),
        via=via,
        received_on=received_on,
        recorded_by=_label(actor),
        **_links(programme, links or {}),
    )
    audit.record(actor=actor, action=Action.COMPLAINT_RECORD, obj=complaint, programme_code=programme.code)
    return complaint


def _links(programme: Programme, links: dict[str, int | None]) -> dict[str, int]:
    """What a complaint is about, each checked to belong to the programme."""
    from phocap.allocation.models import Round
    from phocap.devices.models import Device
    from phocap.fundraising.models import Donation
    from phocap.registry.models import Resident

    models: dict[str, Any] = {"resident": Resident, "device": Device, "donation": Donation, "round": Round}
    out = {}
    for field, value in links.items():
        if value is None:
            continue
        if field not in models or not models[field].objects.filter(pk=value, programme=programme).exists():
            raise ValidationFailed(
                f"Không tìm thấy {LINK_NAMES.get(field, field)} số {value} trong chương trình.", field=field
            )
        out[f"{field}_id"] = value
    return out


@service(audits=[Action.COMPLAINT_UPDATE])
def complaint_update(
    *, actor: scope.Actor, complaint: Complaint, status: str, note: str, links: dict[str, int | None] | None = None
) -> Complaint:
    """One step: the new status and what was done (the note is what the complainant is told when it closes)."""
    locked = Complaint.objects.select_for_update().select_related("programme", "commune").get(pk=complaint.pk)
    if not _may_handle(actor, locked.commune):
        raise NotFound("Không tìm thấy phản ánh.")
    if status not in NEXT[Complaint.Status(locked.status)]:
        raise Conflict(
            f"Không thể chuyển phản ánh từ “{locked.get_status_display()}” sang trạng thái này.",
            code="complaint_status",
        )
    note = _clean(note, TEXT_MAX)
    if len(note) < 3:
        raise ValidationFailed("Hãy ghi rõ đã làm gì (ghi chú).", field="note")
    before = locked.status
    for field, value in _links(locked.programme, links or {}).items():
        setattr(locked, field, value)
    locked.status, locked.updated_at = status, timezone.now()
    locked.save()
    ComplaintStep.objects.create(complaint=locked, status=status, note=note, by=_label(actor))
    audit.record(
        actor=actor,
        action=Action.COMPLAINT_UPDATE,
        obj=locked,
        changes={"status": [before, status]},
        programme_code=locked.programme.code,
    )
    return locked
