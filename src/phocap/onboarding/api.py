"""API of onboarding (issue #6): the recipients a team member or officer sees with their checklists and the
follow-up rounds due; recording steps for a household and follow-up visits; overdue rounds per village. The same
services and selectors as the web pages and `phocap onboarding`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema

from phocap.accounts.auth import AuthedRequest
from phocap.onboarding import selectors, services
from phocap.programmes import selectors as programmes

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
    resident_id: int
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
