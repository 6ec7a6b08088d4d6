"""API of allocation rounds (issue #5): propose, read, approve — the same services as the rounds page and
`phocap allocate`."""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema

from phocap.allocation import selectors, services
from phocap.core.web import AuthedRequest
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
