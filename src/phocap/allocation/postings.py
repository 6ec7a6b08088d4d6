"""Posting a round's lists for objections (niêm yết công khai, issue #17): when a round is approved, each commune
with people on it gets a posting — planned for the programme's `posting_days` working days from the next working
day, then counted from the day the commune records it was posted. Handovers of that round in that commune start
after the period, or earlier when the manager records why. The list itself is a PDF per village
(`posting_pdf`): name, birth year, village, priority group and rank — never an ID number or a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation.models import Placement, Posting, Round
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.core.workdays import add_working_days, next_working_day
from phocap.programmes.models import Programme, ProgrammeCommune


def postings_open(round_: Round, on: dt.date) -> list[Posting]:
    """For `round_approve`'s transaction: one posting per commune with people placed in the round."""
    counts: dict[int, int] = {}
    for commune_id in Placement.objects.filter(round=round_).values_list("commune_id", flat=True):
        counts[commune_id] = counts.get(commune_id, 0) + 1
    starts = next_working_day(on)
    ends = add_working_days(starts, round_.programme.posting_days)
    return Posting.objects.bulk_create(
        Posting(round=round_, commune_id=c, listed=n, starts_on=starts, ends_on=ends) for c, n in sorted(counts.items())
    )


def posting_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[Posting]:
    """The postings of the programme's approved rounds in the communes the actor reads, newest round first."""
    return (
        Posting.objects.filter(round__programme=programme, round__status=Round.Status.APPROVED)
        .filter(commune__in=ProgrammeCommune.objects.filter(scope.communes_q(actor)))
        .select_related("commune__unit", "round")
        .order_by("-round_id", "commune__unit__name")
    )


def posting_get(*, actor: scope.Actor, programme: Programme, posting_id: int) -> Posting:
    found = posting_list(actor=actor, programme=programme).filter(pk=posting_id).first()
    if found is None:
        raise NotFound("Không tìm thấy danh sách niêm yết.")
    return found


def posting_of(round_id: int, commune_id: int) -> Posting | None:
    return Posting.objects.filter(round_id=round_id, commune_id=commune_id).first()


def posting_latest(commune: ProgrammeCommune) -> Posting | None:
    """The posting of the commune's latest approved round (the list people are looking at now)."""
    return Posting.objects.filter(commune=commune, round__status=Round.Status.APPROVED).order_by("-round_id").first()


def posting_open_on(commune: ProgrammeCommune, day: dt.date) -> Posting | None:
    """The posting of the commune's approved round whose period covers `day` (objections are being heard)."""
    return (
        Posting.objects.filter(
            commune=commune, round__status=Round.Status.APPROVED, starts_on__lte=day, ends_on__gte=day
        )
        .order_by("-round_id")
        .first()
    )


def handover_refusal(posting: Posting | None, day: dt.date) -> str:
    """Why handovers of a round cannot happen on `day` in a commune ("" when they can)."""
    if posting is None or posting.allows(day):
        return ""
    if posting.posted_on is None:
        return (
            "Danh sách của đợt này chưa được niêm yết tại xã: cần niêm yết và ghi ngày niêm yết trước khi trao máy "
            "(hoặc quản lý chương trình ghi lý do trao sớm)."
        )
    return (
        f"Danh sách đang niêm yết đến hết ngày {posting.ends_on:%d/%m/%Y}: buổi trao phải sau ngày đó "
        "(hoặc quản lý chương trình ghi lý do trao sớm)."
    )


@service(audits=[Action.POSTING_RECORD])
def posting_record(*, actor: scope.Actor, posting: Posting, posted_on: dt.date) -> Posting:
    """The commune says when its list was posted: the period is counted from that day."""
    if not scope.can_write_commune(actor, posting.commune):
        raise NotFound("Không tìm thấy danh sách niêm yết.")
    if posted_on > timezone.localdate():
        raise ValidationFailed("Ngày niêm yết không được sau hôm nay.", field="posted_on")
    locked = Posting.objects.select_for_update().select_related("round__programme").get(pk=posting.pk)
    before = {"posted_on": locked.posted_on, "ends_on": locked.ends_on}
    locked.posted_on, locked.posted_by = posted_on, _label(actor)
    locked.starts_on = posted_on
    locked.ends_on = add_working_days(posted_on, locked.round.programme.posting_days)
    locked.save(update_fields=["posted_on", "posted_by", "starts_on", "ends_on"])
    audit.record(
        actor=actor,
        action=Action.POSTING_RECORD,
        obj=locked,
        changes=audit.diff(before, {"posted_on": locked.posted_on, "ends_on": locked.ends_on}),
        programme_code=locked.round.programme.code,
    )
    return locked


@service(audits=[Action.POSTING_EARLY_START])
def posting_early_start(*, actor: scope.Actor, posting: Posting, reason: str) -> Posting:
    """The manager lets the commune's handovers of this round start before the period ends, saying why."""
    programme = posting.round.programme
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được cho trao máy trước khi hết thời gian niêm yết.")
    reason = " ".join(reason.split())[:300]
    if len(reason) < 5:
        raise ValidationFailed("Cần ghi rõ lý do trao máy trước khi hết thời gian niêm yết.", field="reason")
    locked = Posting.objects.select_for_update().get(pk=posting.pk)
    if locked.early_reason:
        raise Conflict("Đã ghi lý do trao sớm cho danh sách này.", code="already_recorded")
    locked.early_reason, locked.early_by = reason, _label(actor)
    locked.save(update_fields=["early_reason", "early_by"])
    audit.record(
        actor=actor,
        action=Action.POSTING_EARLY_START,
        obj=locked,
        extra={"reason": reason},
        programme_code=programme.code,
    )
    return locked


def posted_people(posting: Posting, village: str | None = None) -> QuerySet[Placement]:
    rows = Placement.objects.filter(round_id=posting.round_id, commune_id=posting.commune_id)
    if village is not None:
        rows = rows.filter(resident__village=village)
    return rows.select_related("resident").order_by("resident__village", "rank")


def posting_villages(posting: Posting) -> list[str]:
    return sorted(set(posted_people(posting).values_list("resident__village", flat=True)))


def posting_dict(p: Posting) -> dict[str, Any]:
    """For the API and the CLI."""
    return {
        "posting": p.pk,
        "round": p.round_id,
        "commune": p.commune.unit.code,
        "commune_name": p.commune.unit.name,
        "listed": p.listed,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "posted_on": p.posted_on,
        "early_reason": p.early_reason,
        "villages": posting_villages(p),
    }


@service(audits=[Action.POSTING_PRINT], atomic=False)
def posting_pdf(*, actor: scope.Actor, posting: Posting, village: str | None = None) -> bytes:
    """The list to post, one village per page (or one village): printing names is recorded in the audit log."""
    from phocap.allocation import posting_pdf as document  # fpdf2 only when a list is printed

    if not scope.can_see_people(actor, posting.commune):
        raise NotFound("Không tìm thấy danh sách niêm yết.")
    villages = [village] if village is not None else posting_villages(posting)
    content = document.render(posting, [(v, list(posted_people(posting, v))) for v in villages])
    audit.record(
        actor=actor,
        action=Action.POSTING_PRINT,
        obj=posting,
        extra={"villages": len(villages)},
        programme_code=posting.round.programme.code,
    )
    return content
