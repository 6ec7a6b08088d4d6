"""Public figures of the distribution: money spent on phones and phones handed over per commune — no names."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, Sum

from phocap.devices.models import PurchaseOrder
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
