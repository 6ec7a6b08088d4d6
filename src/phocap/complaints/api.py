"""API of the people served (issue #17): the public self-check and complaint (no login, throttled per address),
and the handlers' complaints — the same services and scope as the pages and `phocap complaints`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from phocap.accounts.signin import client_address
from phocap.complaints import selectors, selfcheck, services
from phocap.core import throttle
from phocap.core.schemas import RowId
from phocap.core.web import AuthedRequest
from phocap.programmes import selectors as programmes

router = Router(tags=["complaints"])
public_router = Router(tags=["public"], auth=None)
SELF_CHECKS_PER_HOUR = 20
COMPLAINTS_PER_HOUR = 5
Category = Literal["not_listed", "wrongly_listed", "wrong_data", "not_received", "broken", "other"]


def self_check_limit(request: HttpRequest) -> None:
    throttle.hit("self-check", client_address(request), limit=SELF_CHECKS_PER_HOUR, per_seconds=3600)


def complaint_limit(request: HttpRequest) -> None:
    throttle.hit("complaint", client_address(request), limit=COMPLAINTS_PER_HOUR, per_seconds=3600)


class SelfCheckIn(Schema):
    id_number: str = Field(max_length=20)
    birth_year: int = Field(ge=1900, le=2100)


class EventOut(Schema):
    date: str
    place: str


class SelfCheckOut(Schema):
    listed: bool
    commune: str
    village: str
    eligible: bool
    reason: str
    selected: bool
    rank: int | None
    event: EventOut | None


@public_router.get("/{code}/self-check", response=SelfCheckOut, summary="Am I on the list? (ID number and birth year)")
def self_check(request: HttpRequest, code: str, params: Query[SelfCheckIn]) -> Any:
    programme = selectors.public_programme(code)
    self_check_limit(request)
    return selfcheck.self_check(programme, params.id_number, params.birth_year)


class PublicComplaintIn(Schema):
    commune: str = Field(max_length=5)
    category: Category
    text: str = Field(max_length=2000)
    name: str = Field("", max_length=150)
    phone: str = Field("", max_length=20)
    key: str = Field("", max_length=64)


class FiledOut(Schema):
    complaint: int
    acknowledge_by: dt.date
    resolve_by: dt.date


def _filed(c: Any) -> dict[str, Any]:
    return {"complaint": c.pk, "acknowledge_by": c.acknowledge_by, "resolve_by": c.resolve_by}


@public_router.post("/{code}/complaints", response={201: FiledOut}, summary="File a complaint (no login)")
def complaint_file(request: HttpRequest, code: str, body: PublicComplaintIn) -> Any:
    programme = selectors.public_programme(code)
    complaint_limit(request)
    commune = selectors.public_commune(programme, body.commune)
    filed = services.complaint_file(
        programme=programme,
        commune=commune,
        category=body.category,
        text=body.text,
        name=body.name,
        phone=body.phone,
        key=body.key,
    )
    return Status(201, _filed(filed))


class LinksIn(Schema):
    resident: RowId | None = None
    device: RowId | None = None
    donation: RowId | None = None
    round: RowId | None = None


class ComplaintIn(LinksIn):
    commune: str = Field(max_length=5)
    category: Category
    text: str = Field(max_length=2000)
    via: Literal["in_person", "phone", "meeting"]
    received_on: dt.date | None = None
    name: str = Field("", max_length=150)
    phone: str = Field("", max_length=20)


class ComplaintUpdateIn(LinksIn):
    status: Literal["acknowledged", "in_progress", "resolved", "not_upheld"]
    note: str = Field(max_length=2000)


def _links(body: LinksIn) -> dict[str, int | None]:
    return {"resident": body.resident, "device": body.device, "donation": body.donation, "round": body.round}


class ComplaintListIn(Schema):
    overdue: bool = False
    commune: str = Field("", max_length=5)


@router.get("/programmes/{code}/complaints", summary="Complaints of the communes one handles, overdue first")
def complaint_list(request: AuthedRequest, code: str, params: Query[ComplaintListIn]) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    rows = selectors.complaint_list(
        actor=request.auth, programme=programme, overdue=params.overdue, commune_code=params.commune
    ).prefetch_related("steps")
    return [selectors.complaint_dict(c) for c in rows[:500]]


@router.post("/programmes/{code}/complaints", response={201: FiledOut}, summary="Record a complaint received in person")
def complaint_record(request: AuthedRequest, code: str, body: ComplaintIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    commune = programmes.commune_get(actor=request.auth, programme=programme, code=body.commune)
    done = services.complaint_record(
        actor=request.auth,
        programme=programme,
        commune=commune,
        category=body.category,
        text=body.text,
        via=body.via,
        received_on=body.received_on,
        name=body.name,
        phone=body.phone,
        links=_links(body),
    )
    return Status(201, _filed(done))


@router.post("/programmes/{code}/complaints/{complaint_id}", summary="A step on a complaint: status and note")
def complaint_update(request: AuthedRequest, code: str, complaint_id: int, body: ComplaintUpdateIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.complaint_get(actor=request.auth, programme=programme, complaint_id=complaint_id)
    done = services.complaint_update(
        actor=request.auth, complaint=found, status=body.status, note=body.note, links=_links(body)
    )
    return selectors.complaint_dict(done)


@public_router.get("/{code}/complaints/counts", summary="Per commune: complaints received, resolved, overdue")
def complaint_counts(request: HttpRequest, code: str) -> Any:
    return selectors.public_counts(selectors.public_programme(code))
