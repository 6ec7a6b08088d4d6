"""API of the outbox (issue #17): send what is due, read the outbox, retry a failure, record an opt-out — the same
services as the outbox page and `phocap notify`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from phocap.accounts.signin import client_address
from phocap.core import throttle
from phocap.core.web import AuthedRequest
from phocap.notifications import selectors, services
from phocap.programmes import selectors as programmes

router = Router(tags=["notifications"])
public_router = Router(tags=["public"], auth=None)
DELIVERY_REPORTS_PER_MINUTE = 600


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


class DeliveryIn(Schema):
    SMSID: str = Field(max_length=100)
    SendStatus: str = Field("", max_length=4)
    SendSuccess: int = Field(0, ge=0)
    SendFailed: int = Field(0, ge=0)
    phonenumber: str = Field("", max_length=20)


@public_router.get("/notify/sms-delivery", summary="The SMS provider's delivery report (its CallbackUrl)")
def sms_delivery(request: HttpRequest, params: Query[DeliveryIn]) -> Any:
    throttle.hit("sms-delivery", client_address(request), limit=DELIVERY_REPORTS_PER_MINUTE, per_seconds=60)
    known = services.sms_delivery_report(
        provider_id=params.SMSID,
        phone=params.phonenumber,
        status=params.SendStatus,
        success=params.SendSuccess,
        failed=params.SendFailed,
    )
    return {"ok": known}
