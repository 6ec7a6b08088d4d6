"""API of allocation rounds (issue #5): propose, read, approve — the same services as the rounds page and
`phocap allocate`."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

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
