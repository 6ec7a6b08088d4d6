"""Reads of devices. Stock is counted from the events (each device's last one), not from a stored counter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from phocap.accounts import scope
from phocap.core.errors import NotFound, PermissionDenied
from phocap.devices.imeis import read_imeis
from phocap.devices.models import Device, DeviceEvent, PhoneModel, PurchaseOrder, spent_by
from phocap.programmes.models import Programme


def _require_view(actor: scope.Actor, programme: Programme) -> None:
    if not (scope.can_view_fundraising(actor, programme) or scope.can_manage_programme(actor, programme)):
        raise PermissionDenied("Bạn không được xem kho điện thoại của chương trình.")


def stock(*, actor: scope.Actor, programme: Programme) -> dict[str, Any]:
    """Devices per location and state, from each device's last event."""
    _require_view(actor, programme)
    last = DeviceEvent.objects.filter(device=OuterRef("pk")).order_by("-at", "-pk")
    rows = (
        Device.objects.filter(programme=programme)
        .annotate(last_state=Subquery(last.values("to_state")[:1]), last_place=Subquery(last.values("location")[:1]))
        .values_list("last_state", "last_place", "location__unit__name")
    )
    by_place: dict[str, dict[str, int]] = {}
    for state, _place, name in rows:
        states = by_place.setdefault(name or "", {})
        states[state] = states.get(state, 0) + 1
    return {
        "programme": programme.code,
        "total": sum(sum(s.values()) for s in by_place.values()),
        "locations": [{"location": k, "states": dict(sorted(v.items()))} for k, v in sorted(by_place.items())],
    }


def spending(*, actor: scope.Actor, programme: Programme) -> list[dict[str, Any]]:
    """Every đồng spent on phones: each purchase order's ledger entry and the devices it bought."""
    _require_view(actor, programme)
    out = []
    for order in (
        PurchaseOrder.objects.filter(programme=programme)
        .select_related("payment", "phone_model", "earmark__unit")
        .prefetch_related("devices")
        .order_by("ordered_on", "pk")
    ):
        out.append(
            {
                "purchase_order": order.pk,
                "entry": str(order.payment_id),
                "ordered_on": order.ordered_on.isoformat(),
                "supplier": order.supplier_name,
                "model": str(order.phone_model),
                "quantity": order.quantity,
                "unit_price": order.unit_price,
                "total": order.total,
                "earmark": order.earmark.unit.code if order.earmark else None,
                "devices": sorted(d.imei for d in order.devices.all()),
            }
        )
    return out


def device_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[Device]:
    _require_view(actor, programme)
    return Device.objects.filter(programme=programme).select_related("phone_model", "location__unit")


ATTENTION_ROWS = 20


def attention(*, actor: scope.Actor, programme: Programme) -> dict[str, list[Device]]:
    """What a manager acts on: phones waiting longest to be checked (received, checked, returned), phones needing
    repair or locked to a previous owner, and phones in transit — the oldest first, a screenful of each."""
    _require_view(actor, programme)
    phones = Device.objects.filter(programme=programme).select_related("phone_model", "location__unit")
    S = Device.State
    return {
        "waiting": list(
            phones.filter(state__in=[S.RECEIVED, S.CHECKED, S.RETURNED]).order_by("received_at", "pk")[:ATTENTION_ROWS]
        ),
        "repair": list(
            phones.filter(state__in=[S.NEEDS_REPAIR, S.LOCKED]).order_by("received_at", "pk")[:ATTENTION_ROWS]
        ),
        "transit": list(phones.filter(state=S.IN_TRANSIT).order_by("received_at", "pk")[:ATTENTION_ROWS]),
    }


def device_search(*, actor: scope.Actor, programme: Programme, imei: str) -> list[Device]:
    """Phones of the programme whose IMEI is, or ends with, the digits typed (the last 5 on a box label will do),
    with their history."""
    _require_view(actor, programme)
    digits = "".join(ch for ch in imei if ch.isdigit())
    if len(digits) < 4:
        return []
    return list(
        Device.objects.filter(programme=programme, imei__endswith=digits)
        .select_related("phone_model", "location__unit")
        .prefetch_related("events__location__unit")
        .order_by("imei")[:10]
    )


def device_json(d: Device, history: bool = False) -> dict[str, Any]:
    """A phone as the API and `phocap devices` print it (with its events when asked)."""
    out: dict[str, Any] = {
        "imei": d.imei,
        "model": str(d.phone_model),
        "colour": d.colour,
        "state": d.state,
        "location": d.location.unit.code if d.location else None,
        "received_at": d.received_at,
    }
    if history:
        out["events"] = [
            {"at": e.at, "state": e.to_state, "location": e.location.unit.code if e.location else None, "note": e.note}
            for e in d.events.all()
        ]
    return out


def in_transit_to(*, actor: scope.Actor, programme: Programme) -> QuerySet[Device]:
    """Devices on their way to a place this actor receives for: their communes, and the provincial store for the
    programme's managers. Anyone else sees none."""
    places = scope.communes_q(actor, write=True)
    mine = Device.objects.filter(programme=programme, state=Device.State.IN_TRANSIT)
    if scope.can_manage_programme(actor, programme):
        return mine.select_related("phone_model", "location__unit").order_by("location__unit__code", "imei")
    writable = programme.communes.filter(places).values("pk")
    return mine.filter(location__in=writable).select_related("phone_model", "location__unit").order_by("imei")


def arrived(
    *, actor: scope.Actor, programme: Programme, imeis: Iterable[str]
) -> tuple[list[Device], list[dict[str, str]]]:
    """Of the IMEIs scanned at arrival, the phones on their way to a place this actor receives for, and each other
    line with its reason (the API's and the CLI's confirmation)."""
    wanted, rejected = read_imeis(imeis)
    pending = {d.imei: d for d in in_transit_to(actor=actor, programme=programme).filter(imei__in=wanted)}
    rejected += [{"imei": i, "reason": "Máy không đang chuyển đến nơi bạn nhận."} for i in wanted if i not in pending]
    return [pending[i] for i in wanted if i in pending], rejected


def phone_models() -> QuerySet[PhoneModel]:
    """Phone models are shared by every programme (a model is not personal or programme data)."""
    return PhoneModel.objects.order_by("brand", "model")


def phone_model_find(name: str) -> PhoneModel:
    """A model by its name as typed: "Samsung Galaxy A05" or "Galaxy A05", any case."""
    text = " ".join(name.split()).lower()
    known = list(phone_models())
    for pm in known:
        if text in (f"{pm.brand} {pm.model}".lower(), pm.model.lower()):
            return pm
    listed = ", ".join(str(pm) for pm in known) or "chưa có mẫu nào"
    raise NotFound(f"Không có mẫu máy {name!r} (đã có: {listed}).")


def phone_model_get(model_id: int) -> PhoneModel:
    found = PhoneModel.objects.filter(pk=model_id).first()
    if found is None:
        raise NotFound("Chọn mẫu máy.")
    return found


def purchase_order_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[PurchaseOrder]:
    _require_view(actor, programme)
    return PurchaseOrder.objects.filter(programme=programme).select_related("phone_model").order_by("-pk")


def purchase_order_get(*, actor: scope.Actor, programme: Programme, order_id: int) -> PurchaseOrder:
    found = purchase_order_list(actor=actor, programme=programme).filter(pk=order_id).first()
    if found is None:
        raise NotFound(f"Không có đơn mua #{order_id}.")
    return found


def purchase_orders_until(programme: Programme, on: dt.date) -> QuerySet[PurchaseOrder]:
    """The orders paid by the date (figures of the funds report: no personal data)."""
    return (
        PurchaseOrder.objects.filter(spent_by(on), programme=programme)
        .select_related("phone_model", "earmark__unit")
        .order_by("ordered_on", "pk")
    )
