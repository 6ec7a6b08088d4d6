"""Moves: the one writer of a device's state and place (`move`), checks, transfers, the SIM in the box."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, PermissionDenied
from phocap.core.queries import insert_rows
from phocap.core.services import service
from phocap.devices.models import Device, DeviceEvent
from phocap.devices.services.common import KEEP, MAX_AGE_YEARS, MOVES, S, may_handle
from phocap.devices.services.receiving import read_imei
from phocap.programmes.models import Programme, ProgrammeCommune


def move(device: Device, to_state: str, *, note: str, actor: scope.Actor, location: Any = KEEP) -> Device:
    """The one writer of a device's state and place: saves the device and appends its event. Inside the caller's
    transaction, with the device row locked (`locked`); the caller has checked the move and audits its intent.
    `location`: a commune, None for the provincial store, or KEEP."""
    previous = device.state
    if location is not KEEP:
        device.location = location
    device.state = to_state
    device.save(update_fields=["state", "location"])
    DeviceEvent.objects.create(
        device=device,
        from_state=previous,
        to_state=to_state,
        location=device.location,
        note=note[:300],
        actor_label=_label(actor),
    )
    return device


@dataclasses.dataclass(frozen=True)
class Moved:
    """One device's move in a bulk (an approval): from the state it is in, to a state, at a place (a commune's id,
    or None for the provincial store), with the event's note."""

    device_id: int
    from_state: str
    to_state: str
    location_id: int | None
    note: str


def move_many(moves: Sequence[Moved], *, actor: scope.Actor) -> None:
    """`move` for many devices at once, inside the caller's transaction with their rows locked: one `executemany`
    UPDATE and one insert of their events (issue #18: an approval of a province's round moved 200,000 phones
    one query at a time)."""
    if not moves:
        return
    table = connection.ops.quote_name(Device._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET state = %s, location_id = %s WHERE id = %s",  # noqa: S608 - the model's table
            [(m.to_state, m.location_id, m.device_id) for m in moves],
        )
    label, now = _label(actor), timezone.now()
    insert_rows(
        DeviceEvent,
        ("device_id", "from_state", "to_state", "location_id", "note", "actor_label", "at"),
        ([m.device_id, m.from_state, m.to_state, m.location_id, m.note[:300], label, now] for m in moves),
    )


def locked(device_id: int) -> Device:
    """A device row locked for the rest of the transaction, before it moves."""
    return (
        Device.objects.select_for_update(of=("self",)).select_related("programme", "location__unit").get(pk=device_id)
    )


def audit_move(actor: scope.Actor, action: Action, device: Device, previous: str, note: str = "") -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=device,
        programme_code=device.programme.code,
        changes={"state": [previous, device.state]},
        extra={"location": device.location.unit.code if device.location else "", "note": note},
    )


def _handled(actor: scope.Actor, device: Device) -> Device:
    found = locked(device.pk)
    if not may_handle(actor, found.programme, found.location):
        raise NotFound("Không tìm thấy điện thoại.")
    return found


@service(audits=[Action.DEVICE_MOVE])
def device_move(*, actor: scope.Actor, device: Device, to_state: str, note: str = "", location: Any = KEEP) -> Device:
    """One move, checked against `MOVES`, with the device row locked."""
    found = _handled(actor, device)
    if to_state not in MOVES.get(found.state, set()):
        raise Conflict(
            f"Không thể chuyển máy từ “{Device.State(found.state).label}” sang “{Device.State(to_state).label}”.",
            code="bad_move",
        )
    previous = found.state
    move(found, to_state, note=note, actor=actor, location=location)
    audit_move(actor, Action.DEVICE_MOVE, found, previous, note)
    return found


def check_outcome(device: Device) -> tuple[str, str]:
    """The state a checked phone goes to, and why: too old, locked to its previous owner, needing repair, needing
    a factory reset, or ready."""
    reference_year = device.programme.reference_date.year
    if device.made_in_year and reference_year - device.made_in_year > MAX_AGE_YEARS:
        return S.REJECTED, f"Máy sản xuất năm {device.made_in_year}, quá {MAX_AGE_YEARS} năm."
    if not device.activation_lock_free:
        return S.LOCKED, "Còn khóa tài khoản của chủ cũ (FRP/iCloud)."
    if not (device.battery_ok and device.screen_ok):
        return S.NEEDS_REPAIR, "Pin hoặc màn hình cần sửa."
    if not device.factory_reset:
        return S.CHECKED, "Cần khôi phục cài đặt gốc trước khi trao."
    return S.READY, "Đạt kiểm tra."


@service(audits=[Action.DEVICE_CHECK])
def device_check(
    *,
    actor: scope.Actor,
    device: Device,
    factory_reset: bool,
    activation_lock_free: bool,
    battery_ok: bool,
    screen_ok: bool,
    made_in_year: int | None = None,
) -> Device:
    """Record the checks of a (donated or returned) phone; it becomes ready, or locked / needs repair /
    rejected (older than 5 years) with the reason in the event."""
    found = _handled(actor, device)
    found.factory_reset, found.activation_lock_free = factory_reset, activation_lock_free
    found.battery_ok, found.screen_ok = battery_ok, screen_ok
    found.made_in_year = made_in_year or found.made_in_year
    found.save(update_fields=["factory_reset", "activation_lock_free", "battery_ok", "screen_ok", "made_in_year"])
    target, note = check_outcome(found)
    if target not in MOVES.get(found.state, set()) and target != found.state:
        raise Conflict(f"Máy đang “{Device.State(found.state).label}”, không kiểm tra được.", code="bad_move")
    previous = found.state
    if target != found.state:
        move(found, target, note=note, actor=actor)
    audit_move(actor, Action.DEVICE_CHECK, found, previous, note)
    return found


def _send(actor: scope.Actor, device: Device, to: ProgrammeCommune | None) -> Device:
    found = _handled(actor, device)
    if S.IN_TRANSIT not in MOVES.get(found.state, set()):
        raise Conflict(f"Máy đang “{Device.State(found.state).label}”, không chuyển được.", code="bad_move")
    previous = found.state
    note = f"Chuyển đến {to.unit.name if to else 'kho tỉnh'}; trạng thái trước: {previous}"
    move(found, S.IN_TRANSIT, note=note, actor=actor, location=to)
    audit_move(actor, Action.DEVICE_TRANSFER, found, previous, note)
    return found


@service(audits=[Action.DEVICE_TRANSFER])
def transfer_send(*, actor: scope.Actor, device: Device, to: ProgrammeCommune | None) -> Device:
    """Send a device to a commune (or back to the provincial store); it stays in transit until received."""
    return _send(actor, device, to)


@dataclasses.dataclass
class TransferResult:
    sent: list[Device] = dataclasses.field(default_factory=list)
    rejected: list[dict[str, str]] = dataclasses.field(default_factory=list)


@service(audits=[Action.DEVICE_TRANSFER])
def transfer_send_many(
    *, actor: scope.Actor, programme: Programme, imeis: Iterable[str], to: ProgrammeCommune | None
) -> TransferResult:
    """Send the devices scanned or pasted (one IMEI per line) to a commune or the provincial store; each line that
    cannot be sent is reported with its reason and the others still go."""
    result = TransferResult()
    for line in imeis:
        if not line.strip():
            continue
        number, reason = read_imei(line)
        device = Device.objects.filter(programme=programme, imei=number).first() if number else None
        if number is not None and device is None:
            reason = "không có trong kho của chương trình"
        if device is not None and device.location_id == (to.pk if to else None):
            device, reason = None, "đã ở nơi nhận"
        if device is None:
            result.rejected.append({"imei": line.strip(), "reason": reason})
            continue
        try:
            with transaction.atomic():
                result.sent.append(_send(actor, device, to))
        except (Conflict, NotFound) as exc:
            result.rejected.append({"imei": line.strip(), "reason": exc.message})
    return result


def _confirm(actor: scope.Actor, device: Device) -> Device:
    found = locked(device.pk)
    if found.state != S.IN_TRANSIT:
        raise Conflict("Máy không ở trạng thái đang chuyển.", code="not_in_transit")
    receiving = found.location
    if not (
        scope.can_manage_programme(actor, found.programme)
        if receiving is None
        else scope.can_write_commune(actor, receiving)
    ):
        raise PermissionDenied("Chỉ nơi nhận được xác nhận đã nhận máy.")
    sent = found.events.filter(to_state=S.IN_TRANSIT).order_by("-at", "-pk").first()
    before = sent.from_state if sent is not None else S.RECEIVED
    move(
        found,
        before if before in MOVES[S.IN_TRANSIT] else S.RECEIVED,
        note="Nơi nhận xác nhận đã nhận máy",
        actor=actor,
    )
    audit_move(actor, Action.DEVICE_TRANSFER_CONFIRM, found, S.IN_TRANSIT)
    return found


@service(audits=[Action.DEVICE_TRANSFER_CONFIRM])
def transfer_confirm(*, actor: scope.Actor, device: Device) -> Device:
    """The receiving side confirms: the device is back to the state it left in."""
    return _confirm(actor, device)


@service(audits=[Action.DEVICE_TRANSFER_CONFIRM])
def transfer_confirm_many(*, actor: scope.Actor, devices: Iterable[Device]) -> int:
    """The receiving side confirms several devices at once: all or none (one transaction)."""
    return len([_confirm(actor, device) for device in devices])


@service(audits=[Action.DEVICE_SIM])
def device_sim_set(
    *,
    actor: scope.Actor,
    device: Device,
    number: str,
    carrier: str,
    data_package: str = "",
    data_months: int | None = None,
) -> Device:
    """The SIM that goes in the box with the phone, and its data plan (a phone without data is of little use)."""
    found = _handled(actor, device)
    before = audit.snapshot(found, ("sim_number", "sim_carrier", "data_package", "data_months"))
    found.sim_number, found.sim_carrier = number.strip()[:10], carrier.strip()[:20]
    found.data_package, found.data_months = data_package.strip()[:60], data_months
    found.save(update_fields=["sim_number", "sim_carrier", "data_package", "data_months"])
    after = audit.snapshot(found, ("sim_number", "sim_carrier", "data_package", "data_months"))
    audit.record(
        actor=actor,
        action=Action.DEVICE_SIM,
        obj=found,
        programme_code=found.programme.code,
        changes=audit.diff(before, after),
    )
    return found
