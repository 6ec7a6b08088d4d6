"""API of the outbox (issue #17): send what is due, read the outbox, retry a failure, record an opt-out — the same
services as the outbox page and `phocap notify`."""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema

from phocap.core.web import AuthedRequest
from phocap.notifications import selectors, services
from phocap.programmes import selectors as programmes

router = Router(tags=["notifications"])


class SendDueIn(Schema):
    dry_run: bool = False


class SendDueOut(Schema):
    queued: int
    sent: int
    failed: int


@router.post("/programmes/{code}/notify/send-due", response=SendDueOut, summary="Queue what is due, send the queue")
def send_due(request: AuthedRequest, code: str, body: SendDueIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return services.notify_send_due(actor=request.auth, programme=programme, dry_run=body.dry_run)


@router.get("/programmes/{code}/messages", summary="The outbox, failures first")
def message_list(request: AuthedRequest, code: str, status: str = "") -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return [
        selectors.message_dict(m)
        for m in selectors.message_list(actor=request.auth, programme=programme, status=status)[:500]
    ]


@router.post("/programmes/{code}/messages/{message_id}/retry", summary="Send a failed message again")
def message_retry(request: AuthedRequest, code: str, message_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.message_get(actor=request.auth, programme=programme, message_id=message_id)
    return selectors.message_dict(services.message_retry(actor=request.auth, message=found))


class OptOutIn(Schema):
    recipient: str = Field(max_length=254)
    reason: str = Field("", max_length=300)


@router.post("/programmes/{code}/opt-outs", summary="A number or address that receives nothing more")
def opt_out(request: AuthedRequest, code: str, body: OptOutIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    services.contact_opt_out(actor=request.auth, programme=programme, recipient=body.recipient, reason=body.reason)
    return {"opted_out": True}
