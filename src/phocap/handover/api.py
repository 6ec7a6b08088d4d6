"""API for devices, allocation rounds and handovers (issue #5): the same services as the web and the CLI."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from phocap.accounts.auth import AuthedRequest
from phocap.allocation import services as allocation
from phocap.allocation.models import Round
from phocap.core.errors import NotFound
from phocap.devices import selectors as device_selectors
from phocap.devices import services as devices
from phocap.devices.models import PurchaseOrder
from phocap.fundraising.models import Donor
from phocap.handover import selectors, services
from phocap.programmes import selectors as programmes

router = Router(tags=["devices, allocation, handover"])


class ReceiveIn(Schema):
    model: str
    imeis: list[str]
    purchase_order: int | None = None
    donor_id: int | None = None
    location: str | None = None
    ready: bool = False


class RejectedOut(Schema):
    imei: str
    reason: str


class ReceiveOut(Schema):
    received: int
    rejected: list[RejectedOut]


@router.post("/programmes/{code}/devices/receive", response=ReceiveOut, summary="Receive devices by IMEI")
def receive(request: AuthedRequest, code: str, body: ReceiveIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    order = (
        PurchaseOrder.objects.filter(programme=programme, pk=body.purchase_order).first()
        if body.purchase_order
        else None
    )
    donor = Donor.objects.filter(programme=programme, pk=body.donor_id).first() if body.donor_id else None
    if (body.purchase_order and order is None) or (body.donor_id and donor is None):
        raise NotFound("Không tìm thấy đơn mua hoặc nhà hảo tâm.")
    location = (
        programmes.commune_get(actor=request.auth, programme=programme, code=body.location) if body.location else None
    )
    result = devices.device_receive(
        actor=request.auth,
        programme=programme,
        phone_model=devices.phone_model_find(body.model),
        imeis=body.imeis,
        purchase_order=order,
        donor=donor,
        location=location,
        ready=body.ready,
    )
    return result.as_dict()


@router.get("/programmes/{code}/devices/stock", summary="Devices per location and state, from their events")
def stock(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return device_selectors.stock(actor=request.auth, programme=programme)


class ProposeIn(Schema):
    seed: str | None = None


def _round(request: AuthedRequest, code: str, round_id: int) -> Round:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = Round.objects.filter(programme=programme, pk=round_id).select_related("policy").first()
    if found is None:
        raise NotFound("Không tìm thấy đợt phân bổ.")
    return found


@router.post("/programmes/{code}/allocation/rounds", summary="Propose an allocation round")
def propose(request: AuthedRequest, code: str, body: ProposeIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return allocation.round_summary(allocation.round_propose(actor=request.auth, programme=programme, seed=body.seed))


@router.get("/programmes/{code}/allocation/rounds/{round_id}", summary="A round: communes, selected residents")
def round_get(request: AuthedRequest, code: str, round_id: int) -> Any:
    found = _round(request, code, round_id)
    programme = found.programme
    from phocap.accounts import scope

    if not scope.can_manage_programme(request.auth, programme):
        raise NotFound("Không tìm thấy đợt phân bổ.")
    return allocation.round_summary(found)


@router.post("/programmes/{code}/allocation/rounds/{round_id}/approve", summary="Approve (another manager)")
def approve(request: AuthedRequest, code: str, round_id: int) -> Any:
    return allocation.round_summary(
        allocation.round_approve(actor=request.auth, round_=_round(request, code, round_id))
    )


class HandoverIn(Schema):
    reservation_id: int
    id_number: str = ""
    scanned: bool = False
    imei: str
    sim_activated: bool = True
    confirmation: str
    key: str


class HandoverOut(Schema):
    id: int
    resident_id: int
    device_imei: str
    status: str

    @staticmethod
    def resolve_device_imei(obj: Any) -> str:
        return str(obj.device.imei)


@router.post(
    "/programmes/{code}/handover/events/{event_id}/handovers",
    response=HandoverOut,
    summary="Record a handover (idempotent on key)",
)
def handover(request: AuthedRequest, code: str, event_id: int, body: HandoverIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = selectors.event_get(actor=request.auth, programme=programme, event_id=event_id)
    return services.handover_record(
        actor=request.auth,
        event=event,
        reservation_id=body.reservation_id,
        id_number=body.id_number,
        scanned=body.scanned,
        imei=body.imei,
        sim_activated=body.sim_activated,
        confirmation=body.confirmation,
        key=body.key,
    )
