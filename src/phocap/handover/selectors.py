"""Reads of handovers: events and who they expect, handovers, and the public figures of the distribution (money
spent on phones and phones handed over per commune — no names)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum

from phocap.accounts import scope
from phocap.allocation import selectors as allocation
from phocap.core.errors import NotFound
from phocap.devices.models import PurchaseOrder, spent_by
from phocap.handover.models import Absence, Handover, HandoverEvent, HandoverPhoto
from phocap.programmes.models import Programme, ProgrammeCommune


def public_progress(programme: Programme) -> dict[str, Any]:
    spent = PurchaseOrder.objects.filter(spent_by(), programme=programme).aggregate(
        total=Sum(F("quantity") * F("unit_price")), phones=Sum("quantity")
    )
    communes = (
        programme.communes.select_related("unit")
        .annotate(
            handed=Count(
                "handover_events__handovers", filter=Q(handover_events__handovers__status=Handover.Status.CURRENT)
            )
        )
        .order_by("unit__code")
    )
    return {
        "spent": spent["total"] or 0,
        "bought": spent["phones"] or 0,
        "communes": [
            {"name": c.unit.name, "handed_over": c.handed, "baseline": c.baseline_without_smartphone} for c in communes
        ],
        "handed_over": sum(c.handed for c in communes),
    }


def event_get(*, actor: scope.Actor, programme: Programme, event_id: int) -> HandoverEvent:
    """An event of the programme the actor may work on (its commune's officers, the manager)."""
    found = HandoverEvent.objects.filter(pk=event_id, programme=programme).select_related("commune__unit").first()
    if found is None or not scope.can_write_commune(actor, found.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    return found


def expected_at(*, actor: scope.Actor, event: HandoverEvent) -> list[dict[str, Any]]:
    """Who an event expects, with the phone kept for each (for the API and CLI, like the hall page)."""
    if not scope.can_write_commune(actor, event.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    return [
        {
            "reservation": r.pk,
            "resident": r.resident_id,
            "full_name": r.resident.full_name,
            "village": r.resident.village,
            "model": str(r.device.phone_model),
            "colour": r.device.colour,
            "imei": r.device.imei,
            "imei_last5": r.device.imei[-5:],
        }
        for r in allocation.expected(event.commune)
    ]


def absences_of(event: HandoverEvent) -> QuerySet[Absence]:
    """The people recorded absent at the event and not undone, latest first (what the page offers to undo while
    the event is open)."""
    return (
        Absence.objects.filter(event=event, undone_at__isnull=True)
        .select_related("reservation__resident")
        .order_by("-recorded_at")
    )


def reservation_at(*, actor: scope.Actor, event: HandoverEvent, resident_id: int, absent: bool = False) -> Any:
    """The reservation an event holds for a person: the phone kept for them (or, `absent`, the one released when
    they were marked absent at it)."""
    if absent:
        absence = absences_of(event).filter(reservation__resident_id=resident_id).first()
        found = absence.reservation if absence is not None else None
    else:
        found = allocation.expected(event.commune).filter(resident_id=resident_id).first()
    if found is None or not scope.can_write_commune(actor, event.commune):
        raise NotFound(
            "Người này không có trong danh sách chờ nhận máy của buổi trao."
            if not absent
            else "Người này không được ghi vắng mặt ở buổi trao này."
        )
    return found


def handover_get(*, actor: scope.Actor, programme: Programme, handover_id: int) -> Handover:
    found = (
        Handover.objects.filter(pk=handover_id, programme=programme)
        .select_related("event__commune__unit", "resident", "device__phone_model")
        .first()
    )
    if found is None or not scope.can_write_commune(actor, found.event.commune):
        raise NotFound("Không tìm thấy lần trao máy.")
    return found


def handovers_of(event: HandoverEvent) -> QuerySet[Handover]:
    return (
        Handover.objects.filter(event=event)
        .select_related("resident", "device")
        .annotate(has_photo=Exists(HandoverPhoto.objects.filter(handover=OuterRef("pk"))))
        .order_by("-at")
    )


def event_list(*, actor: scope.Actor, communes: list[ProgrammeCommune]) -> QuerySet[HandoverEvent]:
    """The events of the given communes the actor works in, newest first."""
    mine = [c.pk for c in communes if scope.can_write_commune(actor, c)]
    return HandoverEvent.objects.filter(commune__in=mine).select_related("commune__unit").order_by("-held_on")


def holders(programme: Programme, on: dt.date | None = None) -> QuerySet[Handover]:
    """The people holding a phone from the programme on a date (`Handover.objects.standing`)."""
    return Handover.objects.filter(programme=programme).standing(on)


def first_handover_dates(programme: Programme, resident_ids: Iterable[int] | None = None) -> dict[int, dt.date]:
    """The day each person first received a phone from the programme: follow-ups count from it (a swapped
    phone does not restart them)."""
    rows = Handover.objects.filter(programme=programme)
    if resident_ids is not None:
        rows = rows.filter(resident_id__in=list(resident_ids))
    return dict(rows.values("resident_id").annotate(first=Min("event__held_on")).values_list("resident_id", "first"))


def received_from(programme: Programme, resident_ids: Iterable[int]) -> set[int]:
    """Of these people, those who ever received a phone from the programme."""
    return set(
        Handover.objects.filter(programme=programme, resident_id__in=list(resident_ids)).values_list(
            "resident_id", flat=True
        )
    )
