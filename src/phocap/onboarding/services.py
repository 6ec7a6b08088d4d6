"""Writes of onboarding (issue #6): teams, checklist steps (for a whole household in one go), guidance
sessions, follow-up visits and the verification sample. Each checks the actor's scope itself and is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from phocap.accounts import scope
from phocap.accounts.models import User
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.handover.selectors import first_handover_dates, holders, received_from
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
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune
from phocap.registry.models import Resident


def _today() -> dt.date:
    return timezone.localdate()


def _not_future(day: dt.date, field: str) -> dt.date:
    if day > _today():
        raise ValidationFailed("Ngày không được ở tương lai.", field=field)
    return day


# --- teams -----------------------------------------------------------------------------------------------------


@service(audits=[Action.TEAM_CREATE])
def team_create(*, actor: scope.Actor, commune: ProgrammeCommune, village: str, name: str = "") -> Team:
    """The commune sets up its village teams."""
    if not scope.can_write_commune(actor, commune):
        raise NotFound("Không tìm thấy xã/phường.")
    village = " ".join(village.split())
    if not village:
        raise ValidationFailed("Cần tên thôn/bản.", field="village")
    if Team.objects.filter(commune=commune, village=village).exists():
        raise Conflict(f"{village} đã có tổ công nghệ số.", code="team_exists")
    team = Team.objects.create(
        programme=commune.programme,
        commune=commune,
        village=village,
        name=" ".join(name.split()) or f"Tổ công nghệ số cộng đồng {village}",
        created_by=_label(actor),
    )
    audit.record(actor=actor, action=Action.TEAM_CREATE, obj=team, programme_code=commune.programme.code)
    return team


@service(audits=[Action.TEAM_MEMBER_ADD])
def team_member_add(
    *,
    actor: scope.Actor,
    team: Team,
    name: str = "",
    user: User | None = None,
    resident: Resident | None = None,
    is_leader: bool = False,
) -> TeamMember:
    """A member by name, from the registry (a resident of the commune) or a phocap user. A user sees the
    village's recipients through their role "thành viên tổ công nghệ số" for this village, which the programme
    manager grants; adding them here without it is refused with that explanation."""
    if not scope.can_write_commune(actor, team.commune):
        raise NotFound("Không tìm thấy tổ.")
    if resident is not None and resident.commune_id != team.commune_id:
        raise ValidationFailed("Người này không ở xã/phường của tổ.", field="resident")
    if user is not None and not scope.is_team_member(user, team.commune, team.village):
        raise ValidationFailed(
            f"Tài khoản {user.username} chưa có vai trò thành viên tổ công nghệ số của {team.village}: "
            "đề nghị quản lý chương trình cấp quyền trước.",
            field="user",
        )
    label = (
        " ".join(name.split())
        or (resident.full_name if resident else "")
        or ((user.full_name or user.username) if user else "")
    )
    if not label:
        raise ValidationFailed("Cần họ và tên thành viên.", field="name")
    member = TeamMember.objects.create(team=team, user=user, resident=resident, name=label, is_leader=is_leader)
    audit.record(actor=actor, action=Action.TEAM_MEMBER_ADD, obj=member, programme_code=team.programme.code)
    return member


# --- the checklist ------------------------------------------------------------------------------------------


def _recipients_in_scope(actor: scope.Actor, programme: Programme, resident_ids: Iterable[int]) -> list[Resident]:
    ids = sorted({int(i) for i in resident_ids})
    if not ids:
        raise ValidationFailed("Chọn ít nhất một người.", field="residents")
    found = list(
        Resident.objects.filter(scope.residents_q(actor), programme=programme, pk__in=ids, erased_at__isnull=True)
    )
    if len(found) != len(ids):
        raise NotFound("Không tìm thấy người dân (hoặc bạn không phụ trách thôn/bản của họ).")
    received = received_from(programme, ids)
    missing = [r.full_name for r in found if r.pk not in received]
    if missing:
        raise ValidationFailed(f"Chưa nhận máy của chương trình: {', '.join(missing)}.", field="residents")
    return found


@service(audits=[Action.ONBOARDING_STEPS])
def steps_record(
    *,
    actor: scope.Actor,
    programme: Programme,
    resident_ids: Iterable[int],
    steps: Iterable[str],
    done_on: dt.date,
    detail: str = "",
) -> int:
    """Record steps for one person or a whole household in one go (a few taps on a phone). A step recorded
    again keeps its first date unless a different date is given; returns how many step records were written."""
    return _steps_write(actor, programme, resident_ids, steps, done_on, detail)


def _steps_write(
    actor: scope.Actor,
    programme: Programme,
    resident_ids: Iterable[int],
    steps: Iterable[str],
    done_on: dt.date,
    detail: str = "",
) -> int:
    wanted = sorted(set(steps))
    unknown = [s for s in wanted if s not in Step.values]
    if not wanted or unknown:
        raise ValidationFailed("Chọn bước đã làm.", field="steps")
    _not_future(done_on, "done_on")
    people = _recipients_in_scope(actor, programme, resident_ids)
    started = first_handover_dates(programme, [p.pk for p in people])
    early = [p.full_name for p in people if done_on < started[p.pk]]
    if early:  # the indicators rely on it: no step is dated before the person had a phone
        raise ValidationFailed(f"Ngày làm trước ngày nhận máy của: {', '.join(early)}.", field="done_on")
    written = 0
    existing = {
        (r.resident_id, r.step): r
        for r in StepRecord.objects.select_for_update().filter(resident__in=people, step__in=wanted)
    }
    note = detail.strip()[:200]
    new: list[StepRecord] = []
    for person in people:
        for step in wanted:
            record = existing.get((person.pk, step))
            if record is None:
                new.append(
                    StepRecord(
                        programme=programme,
                        resident=person,
                        commune_id=person.commune_id,
                        step=step,
                        done_on=done_on,
                        detail=note,
                        recorded_by=_label(actor),
                    )
                )
            elif record.done_on != done_on or (note and record.detail != note):
                record.done_on, record.recorded_by, record.recorded_at = done_on, _label(actor), timezone.now()
                record.detail = note or record.detail
                record.save(update_fields=["done_on", "detail", "recorded_by", "recorded_at"])
            else:
                continue
            written += 1
    # one statement: on PostgreSQL the tallies' trigger runs once for all of them (reports.tallies)
    StepRecord.objects.bulk_create(new)
    audit.record(
        actor=actor,
        action=Action.ONBOARDING_STEPS,
        obj=people[0],
        programme_code=programme.code,
        extra={"residents": [p.pk for p in people], "steps": wanted, "done_on": done_on.isoformat()},
    )
    return written


@service(audits=[Action.ONBOARDING_STEP_UNDO])
def step_undo(*, actor: scope.Actor, programme: Programme, resident_id: int, step: str) -> None:
    """A step ticked by mistake is taken back (audited)."""
    (person,) = _recipients_in_scope(actor, programme, [resident_id])
    deleted, _ = StepRecord.objects.filter(resident=person, step=step).delete()
    if not deleted:
        raise NotFound("Bước này chưa được ghi nhận.")
    audit.record(
        actor=actor, action=Action.ONBOARDING_STEP_UNDO, obj=person, programme_code=programme.code, extra={"step": step}
    )


# --- guidance sessions ----------------------------------------------------------------------------------------


def _attended(actor: scope.Actor, session: GuidanceSession, people: list[Resident]) -> None:
    """Recipients among a session's attendees get the step "attended a guidance session" (once)."""
    recipients = received_from(session.programme, [p.pk for p in people])
    already = set(
        StepRecord.objects.filter(resident_id__in=recipients, step=Step.GUIDANCE_ATTENDED).values_list(
            "resident_id", flat=True
        )
    )
    StepRecord.objects.bulk_create(
        StepRecord(
            programme=session.programme,
            resident=p,
            commune=session.commune,
            step=Step.GUIDANCE_ATTENDED,
            done_on=session.held_on,
            detail=session.topic[:200],
            recorded_by=_label(actor),
        )
        for p in people
        if p.pk in recipients and p.pk not in already
    )


@service(audits=[Action.ONBOARDING_SESSION])
def session_create(
    *,
    actor: scope.Actor,
    commune: ProgrammeCommune,
    held_on: dt.date,
    topic: str,
    organiser_kind: str,
    village: str = "",
    team: Team | None = None,
    organisation: Organisation | None = None,
    head_count: int = 0,
    attendee_ids: Iterable[int] = (),
) -> GuidanceSession:
    """A guidance session; recipients among the attendees get the step "attended a guidance session"."""
    programme = commune.programme
    if not (scope.can_write_commune(actor, commune) or scope.is_team_member(actor, commune, village)):
        raise NotFound("Không tìm thấy xã/phường.")
    if organiser_kind not in GuidanceSession.Organiser.values:
        raise ValidationFailed("Chọn đơn vị tổ chức.", field="organiser_kind")
    if not topic.strip():
        raise ValidationFailed("Cần ghi nội dung buổi hướng dẫn.", field="topic")
    if head_count < 0:
        raise ValidationFailed("Số người dự không hợp lệ.", field="head_count")
    _not_future(held_on, "held_on")
    ids = sorted({int(i) for i in attendee_ids})
    people = list(Resident.objects.filter(scope.residents_q(actor), programme=programme, commune=commune, pk__in=ids))
    if len(people) != len(ids):
        raise NotFound("Không tìm thấy người dự trong danh sách của xã.")
    session = GuidanceSession.objects.create(
        programme=programme,
        commune=commune,
        village=" ".join(village.split()),
        held_on=held_on,
        topic=topic.strip()[:300],
        organiser_kind=organiser_kind,
        team=team,
        organisation=organisation,
        head_count=max(head_count, len(people)),
        created_by=_label(actor),
    )
    session.attendees.set(people)
    audit.record(
        actor=actor,
        action=Action.ONBOARDING_SESSION,
        obj=session,
        programme_code=programme.code,
        extra={"attendees": len(people), "head_count": session.head_count},
    )
    _attended(actor, session, people)
    return session


# --- follow-up visits -------------------------------------------------------------------------------------------


@service(audits=[Action.ONBOARDING_FOLLOWUP, Action.ONBOARDING_STEPS])
def followup_record(
    *,
    actor: scope.Actor,
    programme: Programme,
    resident_id: int,
    days: int,
    visited_on: dt.date,
    outcome: str,
    note: str = "",
    steps: Iterable[str] = (),
) -> FollowUpVisit:
    """A visit of the follow-up round `days` after the person's handover: is the phone still used by them,
    sold, broken or lost; the steps seen done are ticked on the checklist at the same time."""
    if days not in programme.followup_days:
        raise ValidationFailed(f"Chương trình theo dõi sau {programme.followup_days} ngày.", field="days")
    if outcome not in FollowUpVisit.Outcome.values:
        raise ValidationFailed("Chọn kết quả: vẫn dùng, đã bán, hỏng hoặc mất.", field="outcome")
    _not_future(visited_on, "visited_on")
    (person,) = _recipients_in_scope(actor, programme, [resident_id])
    current = holders(programme).filter(resident=person).first()
    if current is None:
        raise Conflict("Người này không còn giữ máy của chương trình (đã trả lại).", code="not_holding")
    started = first_handover_dates(programme, [person.pk])[person.pk]
    if visited_on < started:
        raise ValidationFailed("Ngày thăm trước ngày trao máy.", field="visited_on")
    due = started + dt.timedelta(days=days)
    if FollowUpVisit.objects.filter(resident=person, days=days).exists():
        raise Conflict(f"Lần theo dõi sau {days} ngày đã được ghi.", code="visit_exists")
    others = list(FollowUpVisit.objects.select_for_update().filter(resident=person))
    later = [v.visited_on for v in others if v.days > days]
    for earlier in (v for v in others if v.days < days):
        if earlier.superseded_on is None or visited_on < earlier.superseded_on:
            earlier.superseded_on = visited_on
            earlier.save(update_fields=["superseded_on"])
    visit = FollowUpVisit.objects.create(
        superseded_on=min(later) if later else None,
        programme=programme,
        handover=current,
        resident=person,
        commune_id=person.commune_id,
        days=days,
        due_on=due,
        window_closes_on=due + dt.timedelta(days=programme.followup_grace_days),
        visited_on=visited_on,
        outcome=outcome,
        note=note.strip()[:300],
        recorded_by=_label(actor),
    )
    audit.record(
        actor=actor,
        action=Action.ONBOARDING_FOLLOWUP,
        obj=visit,
        programme_code=programme.code,
        extra={"days": days, "outcome": outcome},
    )
    if list(steps):
        _steps_write(actor, programme, [person.pk], steps, visited_on)
    return visit


# --- verification sample ------------------------------------------------------------------------------------------

Z = {Decimal("90"): 1.6449, Decimal("95"): 1.9600, Decimal("99"): 2.5758}


def sample_size(population: int, confidence: Decimal, margin: Decimal) -> int:
    """Cochran's sample size for a proportion (p = 0.5, the most cautious), with the finite-population
    correction: n0 = z²·p(1−p)/e², n = n0 / (1 + (n0 − 1)/N)."""
    if confidence not in Z:
        raise ValidationFailed("Độ tin cậy là 90, 95 hoặc 99 %.", field="confidence")
    if not (Decimal(1) <= margin <= Decimal(20)):
        raise ValidationFailed("Sai số từ 1 đến 20 %.", field="margin")
    if population <= 0:
        return 0
    e = float(margin) / 100
    n0 = Z[confidence] ** 2 * 0.25 / e**2
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


@service(audits=[Action.VERIFICATION_DRAW])
def sample_draw(
    *, actor: scope.Actor, programme: Programme, confidence: Decimal, margin: Decimal, seed: str = ""
) -> VerificationSample:
    """Draw the sample from the handovers that stand (current): ordered by sha256(seed:handover id), the first
    n — anyone with the seed can redraw it."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình cấp tỉnh rút mẫu kiểm chứng.")
    seed = seed.strip() or secrets.token_hex(8)
    pool = list(holders(programme).values_list("pk", "event__commune_id"))
    size = sample_size(len(pool), confidence, margin)

    def key(row: tuple[int, int]) -> str:
        return hashlib.sha256(f"{seed}:{row[0]}".encode()).hexdigest()

    chosen = sorted(pool, key=key)[:size]
    sample = VerificationSample.objects.create(
        programme=programme,
        confidence=confidence,
        margin=margin,
        population=len(pool),
        size=size,
        seed=seed,
        drawn_by=_label(actor),
    )
    Verification.objects.bulk_create(
        Verification(sample=sample, handover_id=pk, commune_id=commune_id) for pk, commune_id in chosen
    )
    audit.record(
        actor=actor,
        action=Action.VERIFICATION_DRAW,
        obj=sample,
        programme_code=programme.code,
        extra={"population": len(pool), "size": size, "seed": seed},
    )
    return sample


@service(audits=[Action.VERIFICATION_RECORD])
def verification_record(
    *, actor: scope.Actor, item: Verification, method: str, result: str, note: str = "", on: dt.date | None = None
) -> Verification:
    """The independent check of one sampled handover. "Not received" and "received with issues" are flagged to
    the manager (a note is then required)."""
    programme = item.sample.programme
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình cấp tỉnh ghi kết quả kiểm chứng.")
    if method not in Verification.Method.values:
        raise ValidationFailed("Chọn gọi điện hoặc đến tận nơi.", field="method")
    if result not in Verification.Result.values:
        raise ValidationFailed("Chọn kết quả kiểm chứng.", field="result")
    if result != Verification.Result.RECEIVED and not note.strip():
        raise ValidationFailed("Ghi rõ vấn đề để xử lý.", field="note")
    locked = Verification.objects.select_for_update().get(pk=item.pk)
    locked.method, locked.result, locked.note = method, result, note.strip()[:300]
    locked.checked_by, locked.checked_on = _label(actor), _not_future(on or _today(), "on")
    locked.save(update_fields=["method", "result", "note", "checked_by", "checked_on"])
    audit.record(
        actor=actor,
        action=Action.VERIFICATION_RECORD,
        obj=locked,
        programme_code=programme.code,
        extra={"result": result},
    )
    return locked
