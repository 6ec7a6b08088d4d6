"""Public figures of the distribution: money spent on phones and phones handed over per commune — no names."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from phocap.accounts import scope
from phocap.core.errors import NotFound
from phocap.devices.models import PurchaseOrder
from phocap.handover.models import Handover, HandoverEvent, HandoverPhoto
from phocap.programmes.models import Programme


def public_progress(programme: Programme) -> dict[str, Any]:
    spent = PurchaseOrder.objects.filter(programme=programme).aggregate(
        total=Sum(F("quantity") * F("unit_price")), phones=Sum("quantity")
    )
    communes = (
        programme.communes.select_related("unit")
        .annotate(handed=Count("handover_events__handovers", filter=Q(handover_events__handovers__status="current")))
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
