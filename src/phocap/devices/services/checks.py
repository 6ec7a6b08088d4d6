"""Checks by whoever receives the phones (issue #15): the outcome of the condition checks — factory reset,
account (FRP) lock, battery, screen, age — recorded for many phones at once by their scanned or pasted IMEIs:
ready, needs repair, locked to the previous owner, rejected (recycled). A repaired or unlocked phone checked
"ready" becomes ready. Each phone that moves gets its event and its audit row; a phone already in the outcome's
state counts as checked and writes nothing (a retried scan); every other line is reported with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from phocap.accounts import scope
from phocap.core.actions import Action
from phocap.core.errors import ValidationFailed
from phocap.core.queries import in_chunks
from phocap.core.services import service
from phocap.devices.models import Device
from phocap.devices.services.common import MAX_AGE_YEARS, MOVES, S, may_handle
from phocap.devices.services.moves import audit_move, move
from phocap.devices.services.receiving import read_imeis
from phocap.programmes.models import Programme

# the outcome → (state, the condition fields it settles, the event's words)
RESULTS: dict[str, tuple[str, dict[str, bool], str]] = {
    "ready": (
        S.READY,
        {"factory_reset": True, "activation_lock_free": True, "battery_ok": True, "screen_ok": True},
        "Đạt kiểm tra (đã khôi phục cài đặt gốc, không khóa tài khoản, pin và màn hình tốt)",
    ),
    "needs_repair": (S.NEEDS_REPAIR, {}, "Cần sửa"),
    "locked": (S.LOCKED, {"activation_lock_free": False}, "Còn khóa tài khoản của chủ cũ (FRP/iCloud)"),
    "rejected": (S.REJECTED, {}, "Loại bỏ / tái chế"),
}


def _refusal(device: Device, target: str, actor: scope.Actor) -> str:
    if not may_handle(actor, device.programme, device.location):
        return "Không có trong kho của chương trình (hoặc ngoài phạm vi của bạn)."
    if target == S.READY and device.made_in_year:
        age = device.programme.reference_date.year - device.made_in_year
        if age > MAX_AGE_YEARS:
            return f"Máy sản xuất năm {device.made_in_year}, quá {MAX_AGE_YEARS} năm: chọn “loại bỏ”."
    if device.state != target and target not in MOVES.get(device.state, set()):
        return f"Máy đang “{Device.State(device.state).label}”, không ghi kết quả kiểm tra được."
    return ""


@service(audits=[Action.DEVICE_CHECK])
def devices_check(
    *, actor: scope.Actor, programme: Programme, imeis: Iterable[str], result: str, note: str = ""
) -> dict[str, Any]:
    """{"checked": n, "rejected": [{"imei", "reason"}]}: the phones whose lines were read, found in the programme
    within the actor's reach and allowed that outcome from their state are moved, in one transaction."""
    if result not in RESULTS:
        raise ValidationFailed(f"Kết quả kiểm tra: {', '.join(RESULTS)}.", field="result")
    target, fields, words = RESULTS[result]
    wanted, rejected = read_imeis(imeis)
    if not wanted and not rejected:
        raise ValidationFailed("Chưa có IMEI nào.", field="imeis")
    text = f"{words}. {note.strip()}".strip()[:300] if note.strip() else words
    checked = 0
    with transaction.atomic():
        found: dict[str, Device] = {}
        for chunk in in_chunks(wanted):
            rows = (
                Device.objects.select_for_update(of=("self",))
                .filter(programme=programme, imei__in=chunk)
                .select_related("programme", "location__unit")
                .order_by("pk")
            )
            found.update({d.imei: d for d in rows})
        for imei in wanted:
            device = found.get(imei)
            reason = _refusal(device, target, actor) if device else "Không có trong kho của chương trình."
            if reason:
                rejected.append({"imei": imei, "reason": reason})
                continue
            assert device is not None
            checked += 1
            if device.state == target:
                continue
            for name, value in fields.items():
                setattr(device, name, value)
            if fields:
                device.save(update_fields=list(fields))
            previous = device.state
            move(device, target, note=text, actor=actor)
            audit_move(actor, Action.DEVICE_CHECK, device, previous, text)
    return {"checked": checked, "rejected": rejected}
