"""API of devices (issue #5): receiving phones by IMEI, stock — the same services and selectors as the phones page
and `phocap devices`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Count
from ninja import Field, Query, Router, Schema, Status

from phocap.core.amounts import read_price
from phocap.core.schemas import RowId, TypedAmount
from phocap.core.web import AuthedRequest
from phocap.devices import selectors, services
from phocap.fundraising import selectors as fundraising
from phocap.programmes import selectors as programmes

router = Router(tags=["devices"])


class ReceiveIn(Schema):
    model: str
    imeis: list[str]
    purchase_order: int | None = None
    donor_id: RowId | None = None
    location: str | None = None
    ready: bool = False
    colour: str = Field("", max_length=30)  # the batch's colour, when all alike
    received_on: dt.date | None = None  # donated phones: the day they came (their gift's date; default today)
    unit_value: TypedAmount | None = None  # each donated phone's value; default its price
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
        colour=body.colour,
        gift=services.GiftTerms(
            body.received_on,
            read_price(body.unit_value, field="unit_value") if body.unit_value is not None else None,
            body.override_reason,
        ),
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


class PhoneModelOut(Schema):
    id: int
    brand: str
    model: str
    price: int | None


class PhoneModelIn(Schema):
    name: str = Field(min_length=1, max_length=120, description='"Samsung Galaxy A05"')
    price: TypedAmount | None = None


class PhoneModelPriceIn(Schema):
    price: TypedAmount


@router.get("/programmes/{code}/devices/models", response=list[PhoneModelOut], summary="Phone models and prices")
def models(request: AuthedRequest, code: str) -> Any:
    programmes.programme_get(actor=request.auth, code=code)
    return selectors.phone_models()


@router.post("/programmes/{code}/devices/models", response={201: PhoneModelOut}, summary="Add a phone model")
def model_create(request: AuthedRequest, code: str, body: PhoneModelIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    price = read_price(body.price) if body.price is not None else None
    made = services.phone_model_create(actor=request.auth, programme=programme, name=body.name, price=price)
    return Status(201, made)


@router.post(
    "/programmes/{code}/devices/models/{model_id}/price",
    response=PhoneModelOut,
    summary="Set a model's reference price (the value of a donated phone of it)",
)
def model_price(request: AuthedRequest, code: str, model_id: int, body: PhoneModelPriceIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return services.phone_model_price_set(
        actor=request.auth,
        programme=programme,
        phone_model=selectors.phone_model_get(model_id),
        price=read_price(body.price),
    )


class PurchaseOrderIn(Schema):
    model: str = Field(min_length=1, max_length=120)
    quantity: int = Field(ge=1, le=1_000_000)
    unit_price: TypedAmount
    supplier: str = Field(min_length=1, max_length=200)
    earmark: str | None = Field(None, max_length=10, description="the commune whose earmarked fund pays first")
    ordered_on: dt.date | None = None  # the day the spending counts from (default today)
    supplier_tax_code: str = Field("", max_length=20)
    invoice_number: str = Field("", max_length=40)
    invoice_date: dt.date | None = None


class PurchaseOrderOut(Schema):
    id: int
    model: str
    quantity: int
    unit_price: int
    total: int
    received: int
    entry: str
    ordered_on: dt.date
    invoice_number: str
    voided_at: dt.datetime | None

    @staticmethod
    def resolve_model(obj: Any) -> str:
        return str(obj.phone_model)

    @staticmethod
    def resolve_received(obj: Any) -> int:
        return int(getattr(obj, "received", None) or obj.devices.count())

    @staticmethod
    def resolve_entry(obj: Any) -> str:
        return str(obj.payment_id)


@router.get("/programmes/{code}/devices/purchase-orders", response=list[PurchaseOrderOut], summary="Purchase orders")
def purchase_orders(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.purchase_order_list(actor=request.auth, programme=programme).annotate(received=Count("devices"))


@router.post(
    "/programmes/{code}/devices/purchase-orders",
    response={201: PurchaseOrderOut},
    summary="Order phones, paid from the funds by one ledger entry (earmarked fund first)",
)
def purchase_order_create(request: AuthedRequest, code: str, body: PurchaseOrderIn) -> Any:
    actor = request.auth
    programme = programmes.programme_get(actor=actor, code=code)
    order = services.purchase_order_create(
        actor=actor,
        programme=programme,
        phone_model=body.model,
        quantity=body.quantity,
        unit_price=read_price(body.unit_price, field="unit_price"),
        supplier_name=body.supplier,
        earmark=programmes.commune_get(actor=actor, programme=programme, code=body.earmark) if body.earmark else None,
        ordered_on=body.ordered_on,
        supplier_tax_code=body.supplier_tax_code,
        invoice_number=body.invoice_number,
        invoice_date=body.invoice_date,
    )
    return Status(201, order)


class PurchaseVoidIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


@router.post(
    "/programmes/{code}/devices/purchase-orders/{order_id}/void",
    response=PurchaseOrderOut,
    summary="Void an order: its payment reversed on the ledger, its phones given back (not once one is kept or handed)",
)
def purchase_order_void(request: AuthedRequest, code: str, order_id: int, body: PurchaseVoidIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    order = selectors.purchase_order_get(actor=request.auth, programme=programme, order_id=order_id)
    return services.purchase_order_void(actor=request.auth, order=order, reason=body.reason)


class TransferIn(Schema):
    imeis: list[str] = Field(max_length=5000)
    to: str | None = Field(None, max_length=10, description="commune code; none: the provincial store")


class TransferOut(Schema):
    sent: int
    rejected: list[RejectedOut]


class ConfirmIn(Schema):
    imeis: list[str] = Field(max_length=5000)


class ConfirmOut(Schema):
    confirmed: int
    rejected: list[RejectedOut]


@router.post(
    "/programmes/{code}/devices/transfers",
    response=TransferOut,
    summary="Send phones (by IMEI) to a commune or back to the provincial store; each refused line with its reason",
)
def transfer(request: AuthedRequest, code: str, body: TransferIn) -> Any:
    actor = request.auth
    programme = programmes.programme_get(actor=actor, code=code)
    to = programmes.commune_get(actor=actor, programme=programme, code=body.to) if body.to else None
    result = services.transfer_send_many(actor=actor, programme=programme, imeis=body.imeis, to=to)
    return {"sent": len(result.sent), "rejected": result.rejected}


@router.get("/programmes/{code}/devices/in-transit", summary="Phones on their way to a place the caller receives for")
def in_transit(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return {
        "devices": [selectors.device_json(d) for d in selectors.in_transit_to(actor=request.auth, programme=programme)]
    }


@router.post(
    "/programmes/{code}/devices/transfers/confirm",
    response=ConfirmOut,
    summary="The receiving side confirms the phones that arrived (all of those listed that are on their way, or none)",
)
def transfer_confirm(request: AuthedRequest, code: str, body: ConfirmIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    pending, rejected = selectors.arrived(actor=request.auth, programme=programme, imeis=body.imeis)
    confirmed = services.transfer_confirm_many(actor=request.auth, devices=pending)
    return {"confirmed": confirmed, "rejected": rejected}
