"""API of devices (issue #5): receiving phones by IMEI, stock — the same services and selectors as the phones page
and `phocap devices`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from phocap.core.schemas import RowId
from phocap.core.web import AuthedRequest
from phocap.devices import selectors, services
from phocap.fundraising import selectors as fundraising
from phocap.fundraising.services.common import MAX_AMOUNT
from phocap.programmes import selectors as programmes

router = Router(tags=["devices"])


class ReceiveIn(Schema):
    model: str
    imeis: list[str]
    purchase_order: int | None = None
    donor_id: RowId | None = None
    location: str | None = None
    ready: bool = False
    received_on: dt.date | None = None  # donated phones: the day they came (their gift's date; default today)
    unit_value: int | None = Field(None, ge=1, le=MAX_AMOUNT)  # each donated phone's value; default its price
    override_reason: str = Field("", max_length=300)  # donated outside the campaign period: the manager's reason


class RejectedOut(Schema):
    imei: str
    reason: str


class ReceiveGiftOut(Schema):
    donation: int
    phones: int
    amount: int
    pledge: str | None


class ReceiveOut(Schema):
    received: int
    rejected: list[RejectedOut]
    gifts: list[ReceiveGiftOut]


@router.post("/programmes/{code}/devices/receive", response=ReceiveOut, summary="Receive devices by IMEI")
def receive(request: AuthedRequest, code: str, body: ReceiveIn) -> Any:
    actor = request.auth
    programme = programmes.programme_get(actor=actor, code=code)
    order = (
        selectors.purchase_order_get(actor=actor, programme=programme, order_id=body.purchase_order)
        if body.purchase_order
        else None
    )
    donor = fundraising.donor_get(actor=actor, programme=programme, donor_id=body.donor_id) if body.donor_id else None
    location = programmes.commune_get(actor=actor, programme=programme, code=body.location) if body.location else None
    result = services.device_receive(
        actor=actor,
        programme=programme,
        phone_model=selectors.phone_model_find(body.model),
        imeis=body.imeis,
        purchase_order=order,
        donor=donor,
        location=location,
        ready=body.ready,
        gift=services.GiftTerms(body.received_on, body.unit_value, body.override_reason),
    )
    return result.as_dict()


class DeviceCheckIn(Schema):
    imeis: list[str] = Field(max_length=5000)
    result: Literal["ready", "needs_repair", "locked", "rejected"]
    note: str = Field("", max_length=300)


class DeviceCheckOut(Schema):
    checked: int
    rejected: list[RejectedOut]


@router.post(
    "/programmes/{code}/devices/check",
    response=DeviceCheckOut,
    summary="Record the outcome of the checks for phones by IMEI: ready, needs_repair, locked, rejected",
)
def check(request: AuthedRequest, code: str, body: DeviceCheckIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return services.devices_check(
        actor=request.auth, programme=programme, imeis=body.imeis, result=body.result, note=body.note
    )


@router.get(
    "/programmes/{code}/devices/attention",
    summary="Phones to act on: waiting longest for their checks, needing repair or locked, in transit",
)
def attention(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.attention(actor=request.auth, programme=programme)
    return {key: [selectors.device_json(d) for d in phones] for key, phones in found.items()}


class DeviceSearchParams(Schema):
    imei: str = Field(min_length=4, max_length=20, description="IMEI hoặc ít nhất 4 số cuối")


@router.get("/programmes/{code}/devices/search", summary="Phones by IMEI or its last digits (4 or more), with history")
def search(request: AuthedRequest, code: str, params: Query[DeviceSearchParams]) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.device_search(actor=request.auth, programme=programme, imei=params.imei)
    return {"devices": [selectors.device_json(d, history=True) for d in found]}


@router.get("/programmes/{code}/devices/stock", summary="Devices per location and state, from their events")
def stock(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.stock(actor=request.auth, programme=programme)
