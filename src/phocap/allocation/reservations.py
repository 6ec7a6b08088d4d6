"""Reservations: the allocation's side of a handover (issue #5) — a phone kept for a person, handed over, given
back or swapped; a no-show's phone offered to the next person in line, and a no-show undone (issue #15)."""

from __future__ import annotations

from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation.models import Placement, Reservation, Round
from phocap.allocation.selectors import OFFER_WITHDRAWN as WITHDRAWN
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.queries import insert_rows
from phocap.devices import services as devices
from phocap.devices.models import Device
from phocap.programmes.models import ProgrammeCommune

OFFERED = "; được mời thay người vắng mặt"


def reserve(round_: Round, resident_id: int, commune: ProgrammeCommune, device: Device) -> Reservation:
    """The database refuses a device or a person held twice (IntegrityError: the caller's whole transaction
    is refused)."""
    return Reservation.objects.create(
        programme=round_.programme, round=round_, resident_id=resident_id, commune=commune, device=device
    )


RESERVATION_COLUMNS = (
    "programme_id",
    "round_id",
    "resident_id",
    "commune_id",
    "device_id",
    "status",
    "created_at",
    "release_reason",
)


def reserve_many(round_: Round, held: list[tuple[int, int, int]]) -> None:
    """`reserve` for a whole approval at once: (resident id, commune id, device id) each, one insert; the same
    database guards (a device or a person held twice, a device not ready in the person's commune) refuse it all."""
    now = timezone.now()
    insert_rows(
        Reservation,
        RESERVATION_COLUMNS,
        (
            [round_.programme_id, round_.pk, resident, commune, device, Reservation.Status.ACTIVE, now, ""]
            for resident, commune, device in held
        ),
    )


def reservation_locked(*, commune: ProgrammeCommune, reservation_id: int) -> Reservation | None:
    """A reservation of the commune, locked for the caller's transaction (the handover)."""
    return (
        Reservation.objects.select_for_update()
        .filter(pk=reservation_id, commune=commune)
        .select_related("resident", "device", "round__programme")
        .first()
    )


def reservation_hand_over(reservation: Reservation) -> None:
    """The reserved phone is in its person's hands (inside the handover's transaction)."""
    reservation.status = Reservation.Status.HANDED_OVER
    reservation.save(update_fields=["status"])


def reservation_end(reservation_id: int, reason: str) -> None:
    """The person gave the phone back, or it was swapped: the reservation no longer holds it."""
    Reservation.objects.filter(pk=reservation_id).update(
        status=Reservation.Status.RELEASED, released_at=timezone.now(), release_reason=reason[:300]
    )


def reservation_keep(*, reservation: Reservation, device: Device) -> Reservation:
    """A replacement phone kept for the same person, in the same round and commune."""
    return reserve(reservation.round, reservation.resident_id, reservation.commune, device)


def _offer_next(released: Reservation, device: Device, actor: scope.Actor) -> Reservation | None:
    """The next person in line of the same round and commune, not holding a phone, gets the released phone."""
    holding = Reservation.objects.filter(programme=released.programme, status__in=Reservation.HOLDING).values(
        "resident_id"
    )
    nxt = (
        Placement.objects.select_for_update()
        .filter(round=released.round, commune=released.commune, selected=False)
        .exclude(resident_id__in=holding)
        .exclude(resident_id=released.resident_id)
        .order_by("rank")
        .first()
    )
    if nxt is None:
        return None
    nxt.selected = True
    nxt.reason = f"{nxt.reason.split('; chưa được chọn')[0]}{OFFERED}"[:300]
    nxt.save(update_fields=["selected", "reason"])
    offered = reserve(released.round, nxt.resident_id, released.commune, device)
    devices.move(device, Device.State.RESERVED, note="Giữ cho người tiếp theo trong danh sách", actor=actor)
    return offered


def reservation_release(*, actor: scope.Actor, reservation: Reservation, reason: str) -> Reservation | None:
    """A no-show (or a person who declined): the phone goes back to ready and is offered to the next person in
    line in the same round and commune, whose reservation is returned (None when nobody is left). A helper of the
    handover's `absent_record` (inside its transaction; the absence belongs to an event)."""
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do (vắng mặt, từ chối…).", field="reason")
    locked = Reservation.objects.select_for_update().select_related("commune__unit", "round").get(pk=reservation.pk)
    if not scope.can_write_commune(actor, locked.commune):
        raise NotFound("Không tìm thấy.")
    if locked.status != Reservation.Status.ACTIVE:
        raise Conflict("Chỉ trả về được máy đang giữ.", code="not_active")
    locked.status, locked.released_at = Reservation.Status.RELEASED, timezone.now()
    locked.release_reason = reason.strip()[:300]
    locked.save(update_fields=["status", "released_at", "release_reason"])
    device = devices.locked(locked.device_id)
    devices.move(device, Device.State.READY, note=f"Người nhận không đến: {reason.strip()}", actor=actor)
    audit.record(
        actor=actor,
        action=Action.RESERVATION_RELEASE,
        obj=locked,
        programme_code=locked.commune.programme.code,
        extra={"reason": reason.strip()[:300]},
    )
    return _offer_next(locked, device, actor)


def reservation_restore(*, actor: scope.Actor, reservation: Reservation) -> Reservation:
    """Undo a no-show recorded by mistake (the person was there after all): their phone is kept for them again.
    If it was offered to the next person in line and not yet handed over, that offer is withdrawn and the next
    person goes back to waiting; once the next person has it, the no-show stands. A helper of the handover's
    `absent_undo` (until the event closes)."""
    locked = (
        Reservation.objects.select_for_update().select_related("commune__programme", "round").get(pk=reservation.pk)
    )
    if not scope.can_write_commune(actor, locked.commune):
        raise NotFound("Không tìm thấy.")
    if locked.status != Reservation.Status.RELEASED or locked.handovers.exists():
        raise Conflict("Chỉ hoàn tác được người vắng mặt chưa nhận máy.", code="not_absent")
    if Reservation.objects.filter(
        resident_id=locked.resident_id, programme=locked.programme, status__in=Reservation.HOLDING
    ).exists():
        raise Conflict("Người này đang được giữ một máy khác.", code="already_holding")
    device = devices.locked(locked.device_id)
    offered = (
        Reservation.objects.select_for_update()
        .filter(device=device, status__in=Reservation.HOLDING, created_at__gte=locked.released_at)
        .first()
    )
    if offered is not None and offered.status != Reservation.Status.ACTIVE:
        raise Conflict("Máy đã trao cho người tiếp theo: không hoàn tác được.", code="given_to_next")
    if offered is not None:
        offered.status, offered.released_at = Reservation.Status.RELEASED, timezone.now()
        offered.release_reason = WITHDRAWN
        offered.save(update_fields=["status", "released_at", "release_reason"])
        placement = Placement.objects.filter(round=offered.round, resident_id=offered.resident_id).first()
        if placement is not None:
            placement.selected, placement.reason = False, placement.reason.replace(OFFERED, "")
            placement.save(update_fields=["selected", "reason"])
        devices.move(device, Device.State.READY, note="Hoàn tác vắng mặt", actor=actor)
    elif device.state != Device.State.READY or device.location_id != locked.commune_id:
        raise Conflict("Máy đã được dùng cho việc khác: không hoàn tác được.", code="device_moved")
    locked.status, locked.released_at, locked.release_reason = Reservation.Status.ACTIVE, None, ""
    locked.save(update_fields=["status", "released_at", "release_reason"])
    devices.move(device, Device.State.RESERVED, note="Hoàn tác vắng mặt: giữ lại cho người nhận", actor=actor)
    audit.record(
        actor=actor,
        action=Action.RESERVATION_RESTORE,
        obj=locked,
        programme_code=locked.commune.programme.code,
        extra={"offer_withdrawn": offered.pk if offered is not None else None},
    )
    return locked
