"""What every devices service shares: the state machine of a device, and who may handle one."""

from __future__ import annotations

from phocap.accounts import scope
from phocap.core.errors import PermissionDenied
from phocap.devices.models import Device
from phocap.programmes.models import Programme, ProgrammeCommune

S = Device.State
# the moves a device may make (beside reservation and handover, which the allocation and handover apps make)
MOVES: dict[str, set[str]] = {
    S.RECEIVED: {S.CHECKED, S.READY, S.NEEDS_REPAIR, S.LOCKED, S.REJECTED, S.LOST, S.IN_TRANSIT},
    S.CHECKED: {S.READY, S.NEEDS_REPAIR, S.LOCKED, S.REJECTED, S.LOST, S.IN_TRANSIT},
    S.READY: {S.RESERVED, S.NEEDS_REPAIR, S.LOST, S.IN_TRANSIT, S.REJECTED},
    S.RESERVED: {S.READY, S.HANDED_OVER, S.LOST},
    S.HANDED_OVER: {S.RETURNED, S.LOST},
    S.RETURNED: {S.CHECKED, S.READY, S.NEEDS_REPAIR, S.REJECTED, S.LOCKED},
    S.NEEDS_REPAIR: {S.CHECKED, S.READY, S.REJECTED, S.IN_TRANSIT},
    S.LOCKED: {S.CHECKED, S.READY, S.REJECTED},
    S.IN_TRANSIT: {S.RECEIVED, S.CHECKED, S.READY, S.NEEDS_REPAIR, S.LOST},
    S.REJECTED: set(),
    S.LOST: {S.RETURNED},
}
MAX_AGE_YEARS = 5
KEEP = object()  # `move(..., location=KEEP)`: the device stays where it is


def may_handle(actor: scope.Actor, programme: Programme, location: ProgrammeCommune | None) -> bool:
    if scope.can_manage_programme(actor, programme):
        return True
    return location is not None and scope.can_write_commune(actor, location)


def require_manager(actor: scope.Actor, programme: Programme, what: str) -> None:
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied(f"Chỉ quản lý chương trình được {what}.")
