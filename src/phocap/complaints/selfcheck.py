"""The public self-check (issue #17): a person types their 12-digit ID number and birth year and learns — without
any name — whether they are listed, where, whether eligible and why in plain words, selected or waiting with their
rank, and their handover event. Looked up through the keyed hash only; a wrong birth year is "not listed", so the
page tells nothing about a number that is not one's own. Each lookup is counted per programme and day; no number
is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from phocap.allocation import selectors as allocation
from phocap.allocation.models import Exclusion, Placement, Reservation, Round
from phocap.complaints.models import SelfCheckCount
from phocap.core.crypto import blind_index
from phocap.core.errors import ValidationFailed
from phocap.handover.models import Handover, HandoverEvent
from phocap.programmes.models import Programme
from phocap.registry.models import Consent, Resident
from phocap.registry.normalize import latest_adult_birth

NOT_LISTED: dict[str, Any] = {
    "listed": False,
    "commune": "",
    "village": "",
    "eligible": False,
    "reason": "",
    "selected": False,
    "rank": None,
    "event": None,
}


def _event(event: HandoverEvent | None) -> dict[str, str] | None:
    if event is None:
        return None
    when = event.held_on.isoformat() + (f" {event.starts_at:%H:%M}" if event.starts_at else "")
    return {"date": when, "place": event.place}


def _why_not(programme: Programme, person: Resident) -> str:
    """The first reason, in the order an officer would check them."""
    if (person.birth_date or dt.date(person.birth_year, 12, 31)) > latest_adult_birth(programme.reference_date):
        return f"chưa đủ 18 tuổi tại ngày {programme.reference_date:%d/%m/%Y}"
    if person.smartphone_status == Resident.Smartphone.HAS:
        return "đã có điện thoại thông minh"
    if person.smartphone_status != Resident.Smartphone.LACKS:
        return "chưa khảo sát việc có điện thoại thông minh"
    consents = Consent.objects.filter(resident=person, kind=Consent.Kind.ALLOCATION, withdrawn_on__isnull=True)
    if not consents.exists():
        return "chưa có phiếu đồng ý"
    if consents.filter(refused=True).exists():
        return "đã từ chối nhận hỗ trợ"
    if Exclusion.objects.filter(resident=person, lifted_at__isnull=True).exists():
        return "đã được rà soát và đưa ra khỏi danh sách xét chọn (hỏi cán bộ xã để biết lý do)"
    return "đã nhận điện thoại từ một chương trình khác"


def _count(programme: Programme, found: bool) -> None:
    today = timezone.localdate()
    row, _ = SelfCheckCount.objects.get_or_create(programme=programme, day=today)
    SelfCheckCount.objects.filter(pk=row.pk).update(lookups=F("lookups") + 1, found=F("found") + int(found))


def self_check(programme: Programme, id_number: str, birth_year: int) -> dict[str, Any]:
    digits = "".join(c for c in str(id_number) if c.isdigit())
    if len(digits) != 12:
        raise ValidationFailed("Số định danh cá nhân gồm đúng 12 chữ số.", field="id_number")
    if not 1900 <= birth_year <= dt.date.today().year:
        raise ValidationFailed("Năm sinh gồm 4 chữ số (ví dụ 1975).", field="birth_year")
    person = (
        Resident.objects.filter(programme=programme, id_hash=blind_index(digits), birth_year=birth_year)
        .filter(erased_at__isnull=True, merged_into__isnull=True)
        .select_related("commune__unit")
        .first()
    )
    _count(programme, person is not None)
    if person is None:
        return dict(NOT_LISTED)
    return {
        "listed": True,
        "commune": person.commune.unit.name,
        "village": person.village,
        **_standing(programme, person),
    }


def _standing(programme: Programme, person: Resident) -> dict[str, Any]:
    handed = (
        Handover.objects.filter(programme=programme, resident=person).select_related("event").order_by("-at").first()
    )
    if handed is not None:
        day = handed.event.held_on
        return {
            "eligible": True,
            "reason": f"đã nhận máy ngày {day:%d/%m/%Y}",
            "selected": True,
            "rank": None,
            "event": _event(handed.event),
        }
    placed = (
        Placement.objects.filter(round__programme=programme, round__status=Round.Status.APPROVED, resident=person)
        .order_by("-round_id")
        .first()
    )
    rank = placed.rank if placed else None
    held = Reservation.objects.filter(programme=programme, resident=person, status=Reservation.Status.ACTIVE).first()
    if held is not None:
        event = (
            HandoverEvent.objects.filter(
                commune_id=held.commune_id, closed_at__isnull=True, held_on__gte=timezone.localdate()
            )
            .order_by("held_on", "pk")
            .first()
        )
        reason = "được chọn, máy đang được giữ cho bạn" + ("" if event else "; xã sẽ báo ngày nhận máy")
        return {"eligible": True, "reason": reason, "selected": True, "rank": rank, "event": _event(event)}
    if allocation.eligible_residents(programme).filter(pk=person.pk).exists():
        reason = f"đủ điều kiện, đang chờ đợt sau (thứ tự {rank} trong xã)" if rank else "đủ điều kiện, chờ xét chọn"
        return {"eligible": True, "reason": reason, "selected": False, "rank": rank, "event": None}
    return {"eligible": False, "reason": _why_not(programme, person), "selected": False, "rank": None, "event": None}
