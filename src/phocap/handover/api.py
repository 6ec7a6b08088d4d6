"""API of handovers (issues #5, #15): events, handovers, no-shows and their undoing, returns and replacements —
the same services and scope as the village-hall page and `phocap handover`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema, Status

from phocap.core.schemas import RowId
from phocap.core.web import PDF, AuthedRequest, file_response
from phocap.handover import attendance, selectors, services
from phocap.programmes import selectors as programmes

router = Router(tags=["handover"])


class HandoverIn(Schema):
    reservation_id: RowId
    id_number: str = ""
    scanned: bool = False
    imei: str
    sim_activated: bool = True
    sim_number: str = Field("", max_length=20)
    sim_carrier: str = Field("", max_length=20)
    confirmation: str
    key: str = Field(max_length=64)


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
        sim_number=body.sim_number,
        sim_carrier=body.sim_carrier,
    )


class HandoverEventIn(Schema):
    commune: str = Field(max_length=10)
    held_on: dt.date
    place: str = Field(max_length=200)
    organisers: str = Field("", max_length=500)


class HandoverExpectedOut(Schema):
    reservation: int
    resident: int
    full_name: str
    village: str
    model: str
    colour: str
    imei: str
    imei_last5: str


class HandoverEventOut(Schema):
    event: int
    commune: str
    held_on: dt.date
    place: str
    closed_at: dt.datetime | None
    expected: list[HandoverExpectedOut]


def _event_out(actor: Any, event: Any) -> dict[str, Any]:
    return {
        "event": event.pk,
        "commune": event.commune.unit.code,
        "held_on": event.held_on,
        "place": event.place,
        "closed_at": event.closed_at,
        "expected": selectors.expected_at(actor=actor, event=event),
    }


@router.post("/programmes/{code}/handover/events", response={201: HandoverEventOut}, summary="Create a handover event")
def event_create(request: AuthedRequest, code: str, body: HandoverEventIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = services.event_create(
        actor=request.auth,
        programme=programme,
        commune=programmes.commune_get(actor=request.auth, programme=programme, code=body.commune),
        held_on=body.held_on,
        place=body.place,
        organisers=body.organisers,
    )
    return Status(201, _event_out(request.auth, event))


@router.get(
    "/programmes/{code}/handover/events/{event_id}", response=HandoverEventOut, summary="An event and who it expects"
)
def event_get(request: AuthedRequest, code: str, event_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return _event_out(request.auth, selectors.event_get(actor=request.auth, programme=programme, event_id=event_id))


@router.post(
    "/programmes/{code}/handover/events/{event_id}/close",
    response=HandoverEventOut,
    summary="Close the event: its minutes are made and kept; nothing more is recorded at it (again: unchanged)",
)
def event_close(request: AuthedRequest, code: str, event_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = selectors.event_get(actor=request.auth, programme=programme, event_id=event_id)
    return _event_out(request.auth, attendance.event_close(actor=request.auth, event=event))


@router.get(
    "/programmes/{code}/handover/events/{event_id}/minutes.pdf",
    summary="The event's minutes (PDF): as made when it closed, or a draft while it is open",
)
def minutes_pdf(request: AuthedRequest, code: str, event_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = selectors.event_get(actor=request.auth, programme=programme, event_id=event_id)
    return file_response(attendance.minutes_of(event), PDF, f"bien-ban-ban-giao-{event.pk}.pdf", private=True)


@router.get(
    "/programmes/{code}/handover/events/{event_id}/labels.pdf",
    summary="Box labels of the phones kept for the event's people (PDF, audited: names on them)",
)
def labels(request: AuthedRequest, code: str, event_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = selectors.event_get(actor=request.auth, programme=programme, event_id=event_id)
    data = services.labels_pdf(actor=request.auth, event=event)
    return file_response(data, PDF, f"nhan-hop-may-{event.pk}.pdf", private=True)


class HandoverAbsentIn(Schema):
    resident_id: RowId
    reason: str = Field("Vắng mặt", min_length=1, max_length=300)


class HandoverAbsentOut(Schema):
    reservation: int
    resident: int
    status: str
    offered_to: int | None = None


@router.post(
    "/programmes/{code}/handover/events/{event_id}/absent",
    response=HandoverAbsentOut,
    summary="A person expected at the event did not come: their phone goes to the next in line",
)
def absent(request: AuthedRequest, code: str, event_id: int, body: HandoverAbsentIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = selectors.event_get(actor=request.auth, programme=programme, event_id=event_id)
    reservation = selectors.reservation_at(actor=request.auth, event=event, resident_id=body.resident_id)
    offered = attendance.absent_record(actor=request.auth, event=event, reservation=reservation, reason=body.reason)
    return {
        "reservation": reservation.pk,
        "resident": reservation.resident_id,
        "status": "released",
        "offered_to": offered.resident_id if offered else None,
    }


class HandoverUndoAbsentIn(Schema):
    resident_id: RowId


@router.post(
    "/programmes/{code}/handover/events/{event_id}/absent/undo",
    response=HandoverAbsentOut,
    summary="Undo a no-show (the person came): their phone is kept for them again",
)
def absent_undo(request: AuthedRequest, code: str, event_id: int, body: HandoverUndoAbsentIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    event = selectors.event_get(actor=request.auth, programme=programme, event_id=event_id)
    reservation = selectors.reservation_at(actor=request.auth, event=event, resident_id=body.resident_id, absent=True)
    back = attendance.absent_undo(actor=request.auth, event=event, reservation=reservation)
    return {"reservation": back.pk, "resident": back.resident_id, "status": back.status}


class HandoverReturnIn(Schema):
    reason: str = Field(min_length=1, max_length=300)
    device_ok: bool = False
    on: dt.date | None = None


class HandoverReplaceIn(Schema):
    imei: str = Field(max_length=40)
    reason: str = Field(min_length=1, max_length=300)


@router.post("/programmes/{code}/handovers/{handover_id}/return", response=HandoverOut, summary="A phone given back")
def handover_return(request: AuthedRequest, code: str, handover_id: int, body: HandoverReturnIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.handover_get(actor=request.auth, programme=programme, handover_id=handover_id)
    return services.handover_return(
        actor=request.auth, handover=found, reason=body.reason, device_ok=body.device_ok, on=body.on
    )


@router.post(
    "/programmes/{code}/handovers/{handover_id}/lost",
    response=HandoverOut,
    summary="The phone is gone from the person's hands (lost, stolen, sold): the handover ends",
)
def handover_lost(request: AuthedRequest, code: str, handover_id: int, body: HandoverReturnIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.handover_get(actor=request.auth, programme=programme, handover_id=handover_id)
    return services.handover_lost(actor=request.auth, handover=found, reason=body.reason, on=body.on)


@router.post(
    "/programmes/{code}/handovers/{handover_id}/replace",
    response=HandoverOut,
    summary="A faulty phone swapped for a ready one in the commune (the new handover)",
)
def handover_replace(request: AuthedRequest, code: str, handover_id: int, body: HandoverReplaceIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = selectors.handover_get(actor=request.auth, programme=programme, handover_id=handover_id)
    return services.handover_replace(actor=request.auth, handover=found, imei=body.imei, reason=body.reason)
