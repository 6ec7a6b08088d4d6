"""API of handovers (issue #5): the same services as the village-hall page."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from phocap.core.schemas import RowId
from phocap.core.web import AuthedRequest
from phocap.handover import selectors, services
from phocap.programmes import selectors as programmes

router = Router(tags=["handover"])


class HandoverIn(Schema):
    reservation_id: RowId
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
