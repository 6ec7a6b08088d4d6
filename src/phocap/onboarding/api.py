"""API of onboarding (issue #6): the recipients a team member or officer sees with their checklists and the
follow-up rounds due; recording steps for a household and follow-up visits; overdue rounds per village. The same
services and selectors as the web pages and `phocap onboarding`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Router, Schema, Status

from phocap.accounts.selectors import user_by_username
from phocap.core.schemas import RowId
from phocap.core.web import AuthedRequest
from phocap.onboarding import selectors, services
from phocap.programmes import selectors as programmes
from phocap.registry.selectors import resident_get

router = Router(tags=["onboarding"])


class DueOut(Schema):
    days: int
    due_on: dt.date
    overdue: bool


class VisitOut(Schema):
    days: int
    visited_on: dt.date
    outcome: str


class RecipientOut(Schema):
    resident_id: int
    full_name: str
    commune: str
    village: str
    handed_on: dt.date
    steps: dict[str, dt.date]
    visits: list[VisitOut]
    due: list[DueOut]


class StepsIn(Schema):
    resident_ids: list[int]
    steps: list[str]
    done_on: dt.date
    detail: str = ""


class StepsOut(Schema):
    written: int


class VisitIn(Schema):
    resident_id: RowId
    days: int
    visited_on: dt.date
    outcome: str
    note: str = ""
    steps: list[str] = []


class OverdueOut(Schema):
    commune: str
    commune_name: str
    village: str
    overdue: int


@router.get(
    "/programmes/{code}/onboarding/recipients",
    response=list[RecipientOut],
    summary="Recipients in scope, with checklist and follow-up rounds due",
)
def recipients(request: AuthedRequest, code: str, commune: str | None = None, village: str | None = None) -> Any:
    """A team member sees their village; a commune officer their commune; the manager the programme. Rounds due
    within a week are listed, overdue ones flagged."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    place = programmes.commune_get(actor=request.auth, programme=programme, code=commune) if commune else None
    found = selectors.recipients(actor=request.auth, programme=programme, commune=place, village=village)
    return [r.as_dict() for r in found]


@router.post("/programmes/{code}/onboarding/steps", response=StepsOut, summary="Record steps for people at once")
def steps(request: AuthedRequest, code: str, body: StepsIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    written = services.steps_record(
        actor=request.auth,
        programme=programme,
        resident_ids=body.resident_ids,
        steps=body.steps,
        done_on=body.done_on,
        detail=body.detail,
    )
    return {"written": written}


@router.post("/programmes/{code}/onboarding/followups", response=VisitOut, summary="Record a follow-up visit")
def followup(request: AuthedRequest, code: str, body: VisitIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return services.followup_record(
        actor=request.auth,
        programme=programme,
        resident_id=body.resident_id,
        days=body.days,
        visited_on=body.visited_on,
        outcome=body.outcome,
        note=body.note,
        steps=body.steps,
    )


@router.get(
    "/programmes/{code}/onboarding/overdue",
    response=list[OverdueOut],
    summary="Overdue follow-up rounds per commune and village (no names)",
)
def overdue(request: AuthedRequest, code: str, date: dt.date | None = None) -> Any:
    """On `date` (YYYY-MM-DD; default: today, or the programme's end once passed)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.overdue_by_village(actor=request.auth, programme=programme, on=date)


class MemberOut(Schema):
    id: int
    name: str
    is_leader: bool
    username: str | None = None


class TeamOut(Schema):
    id: int
    commune: str
    village: str
    name: str
    members: list[MemberOut]


class TeamIn(Schema):
    commune: str
    village: str
    name: str = ""


class MemberIn(Schema):
    name: str = ""
    username: str | None = None
    resident_id: RowId | None = None
    is_leader: bool = False


class SessionIn(Schema):
    commune: str
    held_on: dt.date
    topic: str
    organiser_kind: str
    village: str = ""
    organisation: str | None = None
    head_count: int = 0
    attendee_ids: list[int] = []


class SessionOut(Schema):
    id: int
    held_on: dt.date
    topic: str
    organiser_kind: str
    village: str
    head_count: int
    attendees: int


class SampleIn(Schema):
    confidence: Decimal = Decimal(95)
    margin: Decimal = Decimal(5)
    seed: str = ""


class ItemOut(Schema):
    id: int
    handover_id: int
    commune: str
    full_name: str
    method: str
    result: str
    note: str
    checked_on: dt.date | None


class SampleOut(Schema):
    id: int
    seed: str
    confidence: Decimal
    margin: Decimal
    population: int
    size: int
    items: list[ItemOut]


class VerificationIn(Schema):
    method: str
    result: str
    note: str = ""
    checked_on: dt.date | None = None


@router.get("/programmes/{code}/onboarding/teams", response=list[TeamOut], summary="Village teams in scope")
def teams(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return [
        selectors.team_dict(t, actor=request.auth) for t in selectors.teams(actor=request.auth, programme=programme)
    ]


@router.post("/programmes/{code}/onboarding/teams", response={201: TeamOut}, summary="Set up a village team")
def team_create(request: AuthedRequest, code: str, body: TeamIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    commune = programmes.commune_get(actor=request.auth, programme=programme, code=body.commune)
    team = services.team_create(actor=request.auth, commune=commune, village=body.village, name=body.name)
    return Status(201, selectors.team_dict(team, actor=request.auth))


@router.post(
    "/programmes/{code}/onboarding/teams/{team_id}/members", response={201: TeamOut}, summary="Add a team member"
)
def member_add(request: AuthedRequest, code: str, team_id: int, body: MemberIn) -> Any:
    """A member by name, a resident of the commune (`resident_id`) or a phocap user (`username`, who must hold the
    digital team member role for the village)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    team = selectors.team_get(actor=request.auth, programme=programme, team_id=team_id)
    user = user_by_username(body.username) if body.username else None
    resident = (
        resident_get(actor=request.auth, programme=programme, resident_id=body.resident_id)
        if body.resident_id
        else None
    )
    services.team_member_add(
        actor=request.auth, team=team, name=body.name, user=user, resident=resident, is_leader=body.is_leader
    )
    return Status(
        201,
        selectors.team_dict(
            selectors.team_get(actor=request.auth, programme=programme, team_id=team_id), actor=request.auth
        ),
    )


@router.post("/programmes/{code}/onboarding/sessions", response={201: SessionOut}, summary="Record a guidance session")
def session_create(request: AuthedRequest, code: str, body: SessionIn) -> Any:
    """Recipients among `attendee_ids` get the checklist step "attended a guidance session"."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    commune = programmes.commune_get(actor=request.auth, programme=programme, code=body.commune)
    organisation = (
        programmes.organisation_get(actor=request.auth, programme=programme, key=body.organisation)
        if body.organisation
        else None
    )
    session = services.session_create(
        actor=request.auth,
        commune=commune,
        held_on=body.held_on,
        topic=body.topic,
        organiser_kind=body.organiser_kind,
        village=body.village,
        organisation=organisation,
        head_count=body.head_count,
        attendee_ids=body.attendee_ids,
    )
    return Status(
        201,
        {
            "id": session.pk,
            "held_on": session.held_on,
            "topic": session.topic,
            "organiser_kind": session.organiser_kind,
            "village": session.village,
            "head_count": session.head_count,
            "attendees": session.attendees.count(),
        },
    )


@router.post("/programmes/{code}/onboarding/samples", response={201: SampleOut}, summary="Draw a verification sample")
def sample_draw(request: AuthedRequest, code: str, body: SampleIn) -> Any:
    """The manager draws a random sample of handovers for independent confirmation; its size comes from the
    confidence level and margin of error (Cochran, finite population). The seed is kept: anyone can redraw it."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    sample = services.sample_draw(
        actor=request.auth, programme=programme, confidence=body.confidence, margin=body.margin, seed=body.seed
    )
    return Status(201, selectors.sample_dict(sample, selectors.sample_items(actor=request.auth, sample=sample)))


@router.post(
    "/programmes/{code}/onboarding/verifications/{item_id}",
    response=ItemOut,
    summary="Record the result of one verification",
)
def verification_record(request: AuthedRequest, code: str, item_id: int, body: VerificationIn) -> Any:
    """`result`: received, not_received or issues (the last two need a note and are flagged to the manager)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    item = selectors.sample_item_get(actor=request.auth, programme=programme, item_id=item_id)
    services.verification_record(
        actor=request.auth, item=item, method=body.method, result=body.result, note=body.note, on=body.checked_on
    )
    found = selectors.sample_items(actor=request.auth, sample=item.sample).get(pk=item.pk)
    return selectors.sample_dict(item.sample, [found])["items"][0]
