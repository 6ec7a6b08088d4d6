"""Reads of the reports app: the indicators for someone allowed to see the programme (figures only, no
personal data — every role of the programme may see them; the public page shows a subset)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum

from phocap.accounts import scope
from phocap.core.errors import NotFound
from phocap.fundraising import selectors as fundraising
from phocap.handover.models import HandoverEvent
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.reports import indicators


def kpi(
    *, actor: scope.Actor, programme: Programme, on: dt.date | None = None, commune: ProgrammeCommune | None = None
) -> indicators.Report:
    if not Programme.objects.filter(scope.programmes_q(actor), pk=programme.pk).exists():
        raise NotFound("Không tìm thấy chương trình.")
    return indicators.compute(programme, on, [commune] if commune is not None else None)


def timeline(
    programme: Programme,
    on: dt.date,
    commune: ProgrammeCommune | None = None,
    per_event: dict[int, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """Money received and phones handed over, as running totals by day up to the date. `per_event`: the counts
    `indicators.compute` already made for the same date (saves reading the handovers twice)."""
    gifts = fundraising.live_gifts(programme, on)
    events = HandoverEvent.objects.filter(programme=programme, held_on__lte=on)
    if commune is not None:
        gifts, events = gifts.filter(earmark=commune), events.filter(commune=commune)
    if per_event is None:
        per_event = indicators.handovers_per_event(programme, on)
    phones: dict[dt.date, int] = {}
    for pk, held_on in events.values_list("pk", "held_on"):
        phones[held_on] = phones.get(held_on, 0) + per_event.get(pk, (0, 0))[0]

    def running(rows: Any) -> list[tuple[dt.date, int]]:
        total, out = 0, []
        for day, n in rows:
            total += int(n or 0)
            out.append((day, total))
        return out

    return {
        "money": running(gifts.values_list("received_on").annotate(n=Sum("amount")).order_by("received_on")),
        "phones": running(sorted(phones.items())),
    }
