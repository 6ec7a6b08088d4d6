"""API of allocation rounds (issue #5): propose, read, approve — the same services as the rounds page and
`phocap allocate`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema

from phocap.allocation import postings, selectors, services
from phocap.core.web import PDF, AuthedRequest, file_response
from phocap.programmes import selectors as programmes

router = Router(tags=["allocation"])


class ProposeIn(Schema):
    seed: str | None = None


@router.post("/programmes/{code}/allocation/rounds", summary="Propose an allocation round")
def propose(request: AuthedRequest, code: str, body: ProposeIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.round_summary(services.round_propose(actor=request.auth, programme=programme, seed=body.seed))


@router.get("/programmes/{code}/allocation/rounds/{round_id}", summary="A round: communes, selected residents")
def round_get(request: AuthedRequest, code: str, round_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.round_summary(selectors.round_get(actor=request.auth, programme=programme, round_id=round_id))


@router.post("/programmes/{code}/allocation/rounds/{round_id}/approve", summary="Approve (another manager)")
def approve(request: AuthedRequest, code: str, round_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.round_get(actor=request.auth, programme=programme, round_id=round_id)
    return selectors.round_summary(services.round_approve(actor=request.auth, round_=found))


class RoundCancelIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


@router.post("/programmes/{code}/allocation/rounds/{round_id}/cancel", summary="Cancel a proposed round, with a reason")
def cancel(request: AuthedRequest, code: str, round_id: int, body: RoundCancelIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.round_get(actor=request.auth, programme=programme, round_id=round_id)
    return selectors.round_summary(services.round_cancel(actor=request.auth, round_=found, reason=body.reason))


class RoundPreviewOut(Schema):
    ready_devices: int
    eligible: int
    communes: int
    coverage: float
    warning: str


@router.get(
    "/programmes/{code}/allocation/preview",
    response=RoundPreviewOut,
    summary="What a round proposed now would have: ready phones, eligible people, a warning when they are few",
)
def preview(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.round_preview(actor=request.auth, programme=programme)


class PriorPhoneIn(Schema):
    resident_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(min_length=1, max_length=300)


class PriorPhoneOut(Schema):
    resident: int
    exception: bool


@router.post(
    "/programmes/{code}/allocation/prior-phone-exceptions",
    response=PriorPhoneOut,
    summary="Allow someone who received a phone from another programme (lost, returned) to be allocated again",
)
def prior_phone(request: AuthedRequest, code: str, body: PriorPhoneIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    resident = services.prior_phone_exception(
        actor=request.auth, programme=programme, resident_id=body.resident_id, reason=body.reason
    )
    return {"resident": resident.pk, "exception": True}


class PostingOut(Schema):
    posting: int
    round: int
    commune: str
    commune_name: str
    listed: int
    starts_on: dt.date
    ends_on: dt.date
    posted_on: dt.date | None
    early_reason: str
    villages: list[str]


def _posting(request: AuthedRequest, code: str, posting_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return postings.posting_get(actor=request.auth, programme=programme, posting_id=posting_id)


@router.get("/programmes/{code}/postings", response=list[PostingOut], summary="The rounds' lists posted in communes")
def posting_list(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return [postings.posting_dict(p) for p in postings.posting_list(actor=request.auth, programme=programme)[:500]]


class PostedIn(Schema):
    posted_on: dt.date


@router.post("/programmes/{code}/postings/{posting_id}/posted", response=PostingOut, summary="The day it was posted")
def posting_posted(request: AuthedRequest, code: str, posting_id: int, body: PostedIn) -> Any:
    found = _posting(request, code, posting_id)
    return postings.posting_dict(postings.posting_record(actor=request.auth, posting=found, posted_on=body.posted_on))


class EarlyIn(Schema):
    reason: str = Field(max_length=300)


@router.post(
    "/programmes/{code}/postings/{posting_id}/early-start",
    response=PostingOut,
    summary="Let handovers start before the posting period ends (the manager, with the reason)",
)
def posting_early(request: AuthedRequest, code: str, posting_id: int, body: EarlyIn) -> Any:
    found = _posting(request, code, posting_id)
    return postings.posting_dict(postings.posting_early_start(actor=request.auth, posting=found, reason=body.reason))


@router.get("/programmes/{code}/postings/{posting_id}.pdf", summary="The list to post (one village per page)")
def posting_pdf(request: AuthedRequest, code: str, posting_id: int, village: str | None = None) -> Any:
    found = _posting(request, code, posting_id)
    content = postings.posting_pdf(actor=request.auth, posting=found, village=village)
    return file_response(content, PDF, f"niem-yet-{found.commune.unit.code}-dot-{found.round_id}.pdf", private=True)
