"""Reads of complaints: the handlers' list (overdue first), one complaint with its steps, the counts the public
page and the dashboard show (never a complaint's text), the complaints about a round in its posting period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation.models import Round
from phocap.complaints.models import Complaint
from phocap.core.errors import NotFound
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme, ProgrammeCommune


def overdue_q(on: dt.date) -> Q:
    """The one rule `Complaint.is_overdue` says in Python, as a query."""
    return ~Q(status__in=Complaint.CLOSED) & (
        Q(resolve_by__lt=on) | Q(status=Complaint.Status.RECEIVED, acknowledge_by__lt=on)
    )


def complaint_list(
    *,
    actor: scope.Actor,
    programme: Programme,
    overdue: bool = False,
    commune_code: str = "",
    on: dt.date | None = None,
) -> QuerySet[Complaint]:
    on = on or timezone.localdate()
    rows = Complaint.objects.filter(
        programme=programme, commune__in=ProgrammeCommune.objects.filter(scope.complaints_q(actor))
    ).select_related("commune__unit")
    if commune_code:
        rows = rows.filter(commune__unit__code=commune_code)
    if overdue:
        rows = rows.filter(overdue_q(on))
    late = Case(When(overdue_q(on), then=Value(0)), default=Value(1), output_field=IntegerField())
    open_first = Case(When(status__in=Complaint.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    return rows.annotate(late=late, closed=open_first).order_by("late", "closed", "resolve_by", "pk")


def complaint_get(*, actor: scope.Actor, programme: Programme, complaint_id: int) -> Complaint:
    found = complaint_list(actor=actor, programme=programme).filter(pk=complaint_id).first()
    if found is None:
        raise NotFound("Không tìm thấy phản ánh.")
    return found


def complaint_dict(c: Complaint, on: dt.date | None = None) -> dict[str, Any]:
    on = on or timezone.localdate()
    return {
        "complaint": c.pk,
        "commune": c.commune.unit.code,
        "commune_name": c.commune.unit.name,
        "category": c.category,
        "status": c.status,
        "via": c.via,
        "text": c.text,
        "name": c.name,
        "phone": c.phone,
        "received_on": c.received_on.isoformat(),
        "acknowledge_by": c.acknowledge_by.isoformat(),
        "resolve_by": c.resolve_by.isoformat(),
        "overdue": c.is_overdue(on),
        "round": c.round_id,
        "resident": c.resident_id,
        "device": c.device_id,
        "donation": c.donation_id,
        "steps": [{"status": s.status, "note": s.note, "by": s.by, "at": s.at.isoformat()} for s in c.steps.all()],
    }


def public_counts(programme: Programme, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Per commune: received, resolved (or found without grounds), overdue — figures only."""
    on = on or timezone.localdate()
    rows = (
        Complaint.objects.filter(programme=programme)
        .values("commune__unit__code", "commune__unit__name")
        .annotate(
            received=Count("pk"),
            resolved=Count("pk", filter=Q(status__in=Complaint.CLOSED)),
            overdue=Count("pk", filter=overdue_q(on)),
        )
        .order_by("commune__unit__name")
    )
    return [
        {
            "commune": r["commune__unit__code"],
            "name": r["commune__unit__name"],
            **{k: r[k] for k in ("received", "resolved", "overdue")},
        }
        for r in rows
    ]


def overdue_count(*, actor: scope.Actor, programme: Programme) -> int:
    return complaint_list(actor=actor, programme=programme, overdue=True).count()


def round_complaints(*, actor: scope.Actor, round_: Round) -> QuerySet[Complaint]:
    """For the approver: the complaints about the round's lists while they were posted."""
    return complaint_list(actor=actor, programme=round_.programme).filter(round=round_)


def public_programme(code: str) -> Programme:
    """A programme the public may write to (past draft), by its code."""
    found = programmes.public_programmes().filter(code=code).first()
    if found is None:
        raise NotFound("Không tìm thấy chương trình.")
    return found


def public_commune(programme: Programme, code: str) -> ProgrammeCommune:
    found = programme.communes.select_related("unit").filter(unit__code=code).first()
    if found is None:
        raise NotFound("Không tìm thấy xã/phường của chương trình.", field="commune")
    return found


def complaint_communes(*, actor: scope.Actor, programme: Programme) -> list[ProgrammeCommune]:
    """The communes whose complaints the actor handles (the page's commune choice; none: no page)."""
    return list(
        ProgrammeCommune.objects.filter(scope.complaints_q(actor), programme=programme)
        .select_related("unit")
        .distinct()
        .order_by("unit__name")
    )
