"""Reads of onboarding: the recipients a team member or officer sees with their checklists, the follow-up visits
due, teams, samples. Who holds a phone on a date is the handover's rule (`handover.selectors.holders`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.errors import NotFound
from phocap.core.masking import mask_name
from phocap.handover.selectors import first_handover_dates, holders
from phocap.onboarding.models import (
    FollowUpVisit,
    GuidanceSession,
    Step,
    StepRecord,
    Team,
    TeamMember,
    Verification,
    VerificationSample,
)
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import Resident


@dataclasses.dataclass
class Recipient:
    resident: Resident
    handed_on: dt.date
    steps: dict[str, StepRecord]
    visits: dict[int, FollowUpVisit]
    due: list[dict[str, Any]]  # the rounds not yet visited: {"days", "due_on", "overdue"}

    @property
    def done(self) -> int:
        return len(self.steps)

    @property
    def trouble(self) -> FollowUpVisit | None:
        """The last follow-up, when it found the phone broken, lost or sold and that handover still stands: the
        person's next step (swap it, take it back for repair, record the loss) is still to be taken."""
        last = max(self.visits.values(), key=lambda v: (v.visited_on, v.pk), default=None)
        if last is None or last.outcome == FollowUpVisit.Outcome.USING:
            return None
        return last if last.handover.status == last.handover.Status.CURRENT else None

    def as_dict(self) -> dict[str, Any]:
        """For the API and `phocap onboarding recipients --json`: no identity number, no phone."""
        return {
            "resident_id": self.resident.pk,
            "full_name": self.resident.full_name,
            "commune": self.resident.commune.unit.code,
            "village": self.resident.village,
            "handed_on": self.handed_on,
            "steps": {step: record.done_on for step, record in self.steps.items()},
            "visits": [
                {"days": v.days, "visited_on": v.visited_on, "outcome": v.outcome}
                for _days, v in sorted(self.visits.items())
            ],
            "due": self.due,
        }


def recipients(
    *,
    actor: scope.Actor,
    programme: Programme,
    commune: ProgrammeCommune | None = None,
    village: str | None = None,
    on: dt.date | None = None,
) -> list[Recipient]:
    """The people holding a phone from the programme whom this actor may see (a team member: their village),
    with their checklist and follow-up rounds, in household order."""
    on = on or programme.as_of()
    people = Resident.objects.filter(
        scope.residents_q(actor),
        programme=programme,
        erased_at__isnull=True,
        pk__in=holders(programme).values("resident_id"),
    ).select_related("household", "commune__unit")
    if commune is not None:
        people = people.filter(commune=commune)
    if village:
        people = people.filter(village=village)
    people_list = list(people.order_by("commune__unit__code", "village", "household_id", "full_name"))
    ids = [p.pk for p in people_list]
    started = first_handover_dates(programme, ids)
    steps: dict[int, dict[str, StepRecord]] = {}
    for record in StepRecord.objects.filter(resident_id__in=ids):
        steps.setdefault(record.resident_id, {})[record.step] = record
    visits: dict[int, dict[int, FollowUpVisit]] = {}
    for visit in FollowUpVisit.objects.filter(resident_id__in=ids).select_related("handover"):
        visits.setdefault(visit.resident_id, {})[visit.days] = visit
    grace = dt.timedelta(days=programme.followup_grace_days)
    out = []
    for person in people_list:
        start = started[person.pk]
        done = visits.get(person.pk, {})
        due = []
        for days in programme.followup_days:
            due_on = start + dt.timedelta(days=days)
            if days not in done and due_on <= on + dt.timedelta(days=7):
                due.append({"days": days, "due_on": due_on, "overdue": due_on + grace < on})
        out.append(Recipient(person, start, steps.get(person.pk, {}), done, due))
    return out


def checklist_steps() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Step.choices]


def teams(*, actor: scope.Actor, programme: Programme) -> QuerySet[Team]:
    return (
        Team.objects.filter(programme=programme, commune__in=programme.communes.filter(scope.communes_q(actor)))
        .select_related("commune__unit")
        .prefetch_related("members__user")
        .order_by("commune__unit__code", "village")
    )


def samples(*, actor: scope.Actor, programme: Programme) -> QuerySet[VerificationSample]:
    if not scope.can_manage_programme(actor, programme):
        return VerificationSample.objects.none()
    return VerificationSample.objects.filter(programme=programme).order_by("-drawn_at")


def sample_items(*, actor: scope.Actor, sample: VerificationSample) -> QuerySet[Verification]:
    if not scope.can_manage_programme(actor, sample.programme):
        return Verification.objects.none()
    return (
        Verification.objects.filter(sample=sample)
        .select_related("handover__resident", "handover__device", "commune__unit")
        .order_by("commune__unit__code", "handover__resident__full_name")
    )


def flagged(*, actor: scope.Actor, programme: Programme) -> QuerySet[Verification]:
    """Discrepancies found by the verification, for the manager."""
    if not scope.can_manage_programme(actor, programme):
        return Verification.objects.none()
    return (
        Verification.objects.filter(sample__programme=programme, result__in=["not_received", "issues"])
        .select_related("handover__resident", "commune__unit")
        .order_by("-checked_on")
    )


def sample_item_get(*, actor: scope.Actor, programme: Programme, item_id: int) -> Verification:
    found = Verification.objects.filter(pk=item_id, sample__programme=programme).select_related("sample").first()
    if found is None or not scope.can_manage_programme(actor, programme):
        raise NotFound("Không tìm thấy lần trao trong mẫu.")
    return found


def team_get(*, actor: scope.Actor, programme: Programme, team_id: int) -> Team:
    """A team of a commune the actor may change (its officer, the manager)."""
    found = Team.objects.filter(pk=team_id, programme=programme).select_related("commune").first()
    if found is None or not scope.can_write_commune(actor, found.commune):
        raise NotFound("Không tìm thấy tổ.")
    return found


def sessions(*, actor: scope.Actor, programme: Programme, limit: int = 100) -> QuerySet[GuidanceSession]:
    """The latest guidance sessions of the communes the actor may see."""
    return (
        GuidanceSession.objects.filter(
            programme=programme, commune__in=programme.communes.filter(scope.communes_q(actor))
        )
        .select_related("commune__unit")
        .order_by("-held_on", "-pk")[:limit]
    )


def overdue_by_village(
    *, actor: scope.Actor, programme: Programme, on: dt.date | None = None, commune: ProgrammeCommune | None = None
) -> list[dict[str, Any]]:
    """Follow-up rounds whose window has closed without a visit, counted per commune and village — no names, so the
    responsible department and the enterprise partner see where the teams are behind, as the commune does. One
    grouped query per follow-up round."""
    on = on or programme.as_of()
    communes = programme.communes.filter(scope.communes_q(actor))
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    standing = holders(programme, on).filter(event__commune__in=communes)
    counts: dict[tuple[str, str, str], int] = {}
    for days in programme.followup_days:
        cutoff = on - dt.timedelta(days=days + programme.followup_grace_days)
        visited = FollowUpVisit.objects.filter(resident_id=OuterRef("resident_id"), days=days, visited_on__lte=on)
        for code, name, village, n in (
            standing.filter(event__held_on__lt=cutoff)
            .filter(~Exists(visited))
            .values_list("event__commune__unit__code", "event__commune__unit__name", "resident__village")
            .annotate(n=Count("resident_id", distinct=True))
        ):
            counts[(code, name, village)] = counts.get((code, name, village), 0) + n
    return [
        {"commune": code, "commune_name": name, "village": village, "overdue": n}
        for (code, name, village), n in sorted(counts.items())
    ]


def team_dict(team: Team, *, actor: scope.Actor) -> dict[str, Any]:
    """For the API and the CLI: members named only for those who may see the commune's people."""
    named = scope.can_see_people(actor, team.commune)
    return {
        "id": team.pk,
        "commune": team.commune.unit.code,
        "village": team.village,
        "name": team.name,
        "members": [
            {
                "id": m.pk,
                "name": m.name if named else str(_("Thành viên #%(id)s") % {"id": m.pk}),
                "is_leader": m.is_leader,
                "username": (m.user.username if m.user else None) if named else None,
            }
            for m in team.members.all()
        ],
    }


def sample_dict(sample: VerificationSample, items: Iterable[Verification]) -> dict[str, Any]:
    return {
        "id": sample.pk,
        "seed": sample.seed,
        "confidence": sample.confidence,
        "margin": sample.margin,
        "population": sample.population,
        "size": sample.size,
        "items": [
            {
                "id": v.pk,
                "handover_id": v.handover_id,
                "commune": v.commune.unit.code,
                "full_name": v.handover.resident.full_name,
                "method": v.method,
                "result": v.result,
                "note": v.note,
                "checked_on": v.checked_on,
            }
            for v in items
        ],
    }


def step_dates(resident_ids: Iterable[int], on: dt.date) -> dict[int, dict[str, dt.date]]:
    """{person: {step: the day it was done}} for the steps done by the date."""
    out: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for rid, step, done_on in StepRecord.objects.filter(
        resident_id__in=list(resident_ids), done_on__lte=on
    ).values_list("resident_id", "step", "done_on"):
        out[rid][step] = done_on
    return out


def last_visits(resident_ids: Iterable[int], on: dt.date) -> dict[int, tuple[int, dt.date, str]]:
    """{person: (follow-up round, visited on, outcome)} of each person's latest round visited by the date."""
    last: dict[int, tuple[int, dt.date, str]] = {}
    for rid, days, visited_on, outcome in (
        FollowUpVisit.objects.filter(resident_id__in=list(resident_ids), visited_on__lte=on)
        .order_by("days")
        .values_list("resident_id", "days", "visited_on", "outcome")
    ):
        last[rid] = (days, visited_on, outcome)
    return last


def masked_member_names(ids: list[str]) -> dict[str, str]:
    """{team member id: masked name} — for the audit page of a reader allowed to see people."""
    numbers = [int(i) for i in ids if i.isdigit()]
    rows = TeamMember.objects.filter(pk__in=numbers).values_list("pk", "name")
    return {str(pk): mask_name(name) for pk, name in rows}
