"""Receiving phones by IMEI: against a purchase order, or donated (fulfilling the donor's phone pledges)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.devices.imeis import imeis_from_file, read_imei, read_imeis
from phocap.devices.models import Device, DeviceEvent, PhoneModel, PurchaseOrder
from phocap.devices.services.common import S, may_handle
from phocap.fundraising.models import Donation, Donor, Pledge
from phocap.fundraising.services import gifts as fundraising
from phocap.programmes.models import Programme, ProgrammeCommune


@dataclasses.dataclass
class ReceiveResult:
    received: list[Device]
    rejected: list[dict[str, str]]
    gifts: list[Donation] = dataclasses.field(default_factory=list)  # the gifts in kind the phones belong to

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": len(self.received),
            "rejected": self.rejected,
            "gifts": [
                {
                    "donation": g.pk,
                    "phones": g.phones,
                    "amount": g.amount,
                    "pledge": g.pledge.reference if g.pledge else None,
                }
                for g in self.gifts
            ],
        }


def _within_order(order: PurchaseOrder, wanted: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """No more devices than the order bought (the order row locked: two receptions at once cannot overfill it)."""
    locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    if locked.voided_at is not None:
        raise Conflict(f"Đơn mua #{locked.pk} đã hủy: không nhận máy theo đơn này.", code="order_void")
    room = max(0, locked.quantity - locked.devices.count())
    over = [{"imei": i, "reason": f"Vượt số máy của đơn mua #{locked.pk} ({locked.quantity})."} for i in wanted[room:]]
    return wanted[:room], over


def _pledge_slots(donor: Donor) -> list[Pledge | None]:
    """One slot per phone the donor still owes on their open phone pledges, oldest pledge first: what the pledge
    promised less the phones of its gifts in kind recorded so far."""
    open_pledges = list(
        Pledge.objects.select_for_update()  # no GROUP BY with FOR UPDATE: count apart
        .filter(donor=donor, phones__isnull=False, cancelled_at__isnull=True)
        .order_by("created_at")
    )
    got = dict(
        Donation.objects.filter(reversed_at__isnull=True, pledge__in=open_pledges)
        .values_list("pledge")
        .annotate(n=Sum("phones"))
        .values_list("pledge", "n")
    )
    return [p for p in open_pledges for _ in range(max(0, (p.phones or 0) - (got.get(p.pk) or 0)))]


@dataclasses.dataclass(frozen=True)
class GiftTerms:
    """How phones received from a donor are recorded as their gift in kind: the day they came, each phone's value
    (default: the model's reference price) and, outside the campaign period, the manager's reason."""

    received_on: dt.date | None = None
    unit_value: int | None = None
    override_reason: str = ""


def _gifts_in_kind(
    actor: scope.Actor, source: _Source, count: int, terms: GiftTerms
) -> list[tuple[Pledge | None, Donation]]:
    """Which gift in kind each of `count` donated phones belongs to, recording the gifts it takes. First the
    donor's gifts recorded before their phones came (the in-kind form) are completed — so a gift is never counted
    twice —, then one new gift per pledge the rest fulfil (oldest open pledge first) and one without a pledge."""
    donor = source.donor
    assert donor is not None
    gifts = list(
        Donation.objects.select_for_update(of=("self",))  # the pledge is an outer join: not lockable on PostgreSQL
        .filter(reversed_at__isnull=True, donor=donor, channel=Donation.Channel.IN_KIND, phones__isnull=False)
        .select_related("pledge")
        .order_by("received_on", "id")
    )
    have = dict(
        Device.objects.filter(donation__in=gifts)
        .values_list("donation")
        .annotate(n=Count("id"))
        .values_list("donation", "n")
    )
    links: list[tuple[Pledge | None, Donation]] = []
    for gift in gifts:
        room = max(0, (gift.phones or 0) - have.get(gift.pk, 0))
        links += [(gift.pledge, gift)] * min(room, count - len(links))
    rest = count - len(links)
    if rest == 0:
        return links
    value = terms.unit_value if terms.unit_value is not None else source.phone_model.price
    if not value or value <= 0:
        raise ValidationFailed(
            f"Mẫu máy {source.phone_model} chưa có giá tham khảo: ghi giá trị mỗi máy (₫) để ghi nhận ủng hộ hiện vật.",
            field="unit_value",
        )
    slots = _pledge_slots(donor)
    wanted = [slots[i] if i < len(slots) else None for i in range(rest)]
    for pledge in dict.fromkeys(wanted):  # in order, once each
        n = wanted.count(pledge)
        gift = fundraising.in_kind_received(
            actor,
            source.programme,
            donor,
            fundraising.Gift(
                channel=Donation.Channel.IN_KIND,
                amount=n * value,
                received_on=terms.received_on or timezone.localdate(),
                pledge=pledge,
                phones=n,
                phone_model=str(source.phone_model),
                override_reason=terms.override_reason,
            ),
        )
        links += [(pledge, gift)] * n
    return links


@dataclasses.dataclass(frozen=True)
class _Source:
    programme: Programme
    phone_model: PhoneModel
    purchase_order: PurchaseOrder | None
    donor: Donor | None
    location: ProgrammeCommune | None
    ready: bool
    colour: str = ""


def _store(
    actor: scope.Actor, source: _Source, numbers: list[str], links: list[tuple[Pledge | None, Donation]]
) -> list[Device]:
    """The devices and their first events (received, and ready when they passed their checks), in bulk; a donated
    phone with the pledge and gift in kind it belongs to."""
    now, label = timezone.now(), _label(actor)
    checked = True if source.ready and source.donor is not None else None
    devices = [
        Device(
            programme=source.programme,
            imei=number,
            phone_model=source.phone_model,
            source=Device.Source.PURCHASED if source.purchase_order else Device.Source.DONATED,
            colour=source.colour,
            purchase_order=source.purchase_order,
            donor=source.donor,
            pledge=links[i][0] if links else None,
            donation=links[i][1] if links else None,
            location=source.location,
            state=S.READY if source.ready else S.RECEIVED,
            received_at=now,
            factory_reset=checked,
            activation_lock_free=checked,
            battery_ok=checked,
            screen_ok=checked,
        )
        for i, number in enumerate(numbers)
    ]
    Device.objects.bulk_create(devices, batch_size=1000)
    events = []
    for d in devices:
        events.append(
            DeviceEvent(
                device=d, from_state="", to_state=S.RECEIVED, location=source.location, actor_label=label, at=now
            )
        )
        if source.ready:
            events.append(
                DeviceEvent(
                    device=d,
                    from_state=S.RECEIVED,
                    to_state=S.READY,
                    location=source.location,
                    note="Đạt kiểm tra khi nhận",
                    actor_label=label,
                    at=now,
                )
            )
    DeviceEvent.objects.bulk_create(events, batch_size=1000)
    return devices


def _check_source(actor: scope.Actor, source: _Source) -> None:
    if (source.purchase_order is None) == (source.donor is None):
        raise ValidationFailed("Chọn một nguồn: đơn mua hoặc nhà hảo tâm.", field="source")
    programme = source.programme
    if not may_handle(actor, programme, source.location):
        raise PermissionDenied("Bạn không được nhập máy cho chương trình/xã này.")
    if source.location is not None and source.location.programme_id != programme.pk:
        raise NotFound("Xã không thuộc chương trình.")
    order = source.purchase_order
    if order is not None and (order.programme_id != programme.pk or order.phone_model_id != source.phone_model.pk):
        raise ValidationFailed("Đơn mua không khớp chương trình hoặc mẫu máy.", field="purchase_order")
    if source.donor is not None and source.donor.programme_id != programme.pk:
        raise NotFound("Không tìm thấy nhà hảo tâm.")


@service(audits=[Action.DEVICES_RECEIVE, Action.DONATION_RECORD, Action.RECEIPT_ISSUE])
def device_receive(
    *,
    actor: scope.Actor,
    programme: Programme,
    phone_model: PhoneModel,
    imeis: Iterable[str],
    purchase_order: PurchaseOrder | None = None,
    donor: Donor | None = None,
    location: ProgrammeCommune | None = None,
    ready: bool = False,
    gift: GiftTerms | None = None,
    colour: str = "",
) -> ReceiveResult:
    """Devices into stock by IMEI, against a purchase order or donated by a donor. Bad check digits, IMEIs
    already known and repeats in the list are rejected with a reason; the rest are received in one
    transaction. `ready`: the phones passed their checks (for donated phones: reset, not locked, battery and
    screen good). `colour`: the colour of the batch's phones, when all alike. Donated phones are their donor's
    gift in kind (`_gifts_in_kind`, valued by `gift`): they complete the gifts recorded before they came, then
    fulfil the donor's open phone pledges, oldest first."""
    source = _Source(programme, phone_model, purchase_order, donor, location, ready, " ".join(colour.split())[:30])
    _check_source(actor, source)
    wanted, rejected = read_imeis(imeis)
    known = set(Device.objects.filter(imei__in=wanted).values_list("imei", flat=True))
    rejected += [{"imei": i, "reason": "IMEI này đã có trong hệ thống."} for i in wanted if i in known]
    wanted = [i for i in wanted if i not in known]
    links: list[tuple[Pledge | None, Donation]] = []
    if purchase_order is not None:
        wanted, over = _within_order(purchase_order, wanted)
        rejected += over
    elif wanted:
        links = _gifts_in_kind(actor, source, len(wanted), gift or GiftTerms())
    try:
        with transaction.atomic():
            devices = _store(actor, source, wanted, links)
    except IntegrityError:
        raise Conflict(
            "Một IMEI vừa được người khác nhập cùng lúc; hãy nhập lại danh sách.", code="imei_race"
        ) from None
    audit.record(
        actor=actor,
        action=Action.DEVICES_RECEIVE,
        obj=purchase_order or donor or programme,
        programme_code=programme.code,
        extra={
            "model": str(phone_model),
            "received": len(devices),
            "rejected": len(rejected),
            "ready": ready,
            "location": location.unit.code if location else "",
            "gifts": sorted({d.pk for _, d in links}),
        },
    )
    return ReceiveResult(devices, rejected, list({d.pk: d for _, d in links}.values()))


__all__ = ["GiftTerms", "ReceiveResult", "device_receive", "imeis_from_file", "read_imei", "read_imeis"]
