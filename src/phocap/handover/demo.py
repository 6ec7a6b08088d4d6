"""The demo's phones and handovers (issue #5): 350 phones bought from the launch money, 20 donated in kind
(one locked to its previous owner, one needing repair, one too old), one approved round with its seed, two
handover events with minutes, a few no-shows and a return, and the phones left over in one commune on their
way back to the store. Everything here is invented."""

from __future__ import annotations

import datetime as dt
import random

from stdnum import luhn

from phocap.accounts import scope
from phocap.accounts.models import User
from phocap.allocation import services as allocation
from phocap.devices import services as devices
from phocap.devices.models import Device, PurchaseOrder
from phocap.fundraising.models import Donor
from phocap.handover import services
from phocap.handover.models import HandoverEvent
from phocap.programmes.models import Programme

SEED = "2023-10-20 Bắc Kạn (ví dụ)"
DONATED_BY = "Công ty TNHH Thiết bị số Bắc Kạn — ví dụ"


def _imeis(n: int, tac: str) -> list[str]:
    out = []
    for serial in range(1, n + 1):
        body = f"{tac}{serial:06d}"
        out.append(body + luhn.calc_check_digit(body))
    return out


def demo_distribution_create(*, actor: scope.Actor, programme: Programme) -> None:
    """Idempotent: nothing happens when the programme already has a purchase order."""
    if PurchaseOrder.objects.filter(programme=programme).exists():
        return
    manager, checker, officer = (User.objects.get(username=u) for u in ("quanly", "admin", "xa-giaohieu"))
    rng = random.Random(2023)  # noqa: S311 - invented demo data
    model = devices.phone_model_get_or_create(
        name="Samsung Galaxy A05", android_version="13", storage_gb=64, price=programme.phone_package_price
    )
    order = devices.purchase_order_create(
        actor=manager,
        programme=programme,
        phone_model=model,
        quantity=350,
        unit_price=programme.phone_package_price,
        supplier_name="Viễn thông Bắc Kạn (VNPT) — ví dụ",
        ordered_on=dt.date(2023, 10, 12),
    )
    for sim, device in zip(
        (f"08{rng.randrange(10**8):08d}" for _ in range(350)),
        devices.device_receive(
            actor=manager,
            programme=programme,
            phone_model=model,
            imeis=_imeis(350, "35412311"),
            purchase_order=order,
            ready=True,
        ).received,
        strict=True,
    ):
        Device.objects.filter(pk=device.pk).update(
            sim_number=sim, sim_carrier="VinaPhone", data_package="D15 (ví dụ)", data_months=12
        )
    donor = Donor.objects.get(programme=programme, name=DONATED_BY)
    donated = devices.device_receive(
        actor=manager,
        programme=programme,
        phone_model=devices.phone_model_get_or_create(name="Xiaomi Redmi 9A", android_version="10", storage_gb=32),
        imeis=_imeis(20, "86012345"),
        donor=donor,
    ).received
    for i, device in enumerate(donated):
        devices.device_check(
            actor=manager,
            device=device,
            factory_reset=True,
            activation_lock_free=i != 0,  # one still locked to its previous owner
            battery_ok=i != 1,  # one needs a battery
            screen_ok=True,
            made_in_year=2016 if i == 2 else 2020,  # one too old
        )
    round_ = allocation.round_propose(actor=manager, programme=programme, seed=SEED)
    allocation.round_approve(actor=checker, round_=round_)
    for code, day, place, who in (
        ("01870", dt.date(2023, 11, 10), "Nhà văn hóa xã Giáo Hiệu (ví dụ)", officer),
        ("01837", dt.date(2023, 11, 17), "Hội trường UBND phường Sông Cầu (ví dụ)", checker),
    ):
        commune = programme.communes.get(unit__code=code)
        event = services.event_create(
            actor=who,
            programme=programme,
            commune=commune,
            held_on=day,
            place=place,
            organisers="Sở Thông tin và Truyền thông; VNPT Bắc Kạn (ví dụ)",
        )
        expected = list(services.expected(event))
        for n, reservation in enumerate(expected):
            if n % 17 == 5:  # a few do not come: their phone goes to the next in line
                services.reservation_release(actor=who, reservation=reservation, reason="Vắng mặt (ví dụ)")
                continue
            resident = reservation.resident
            done = services.handover_record(
                actor=who,
                event=event,
                reservation_id=reservation.pk,
                id_number=resident.id_number,
                scanned=n % 2 == 0,
                imei=reservation.device.imei,
                sim_activated=True,
                confirmation="thumbprint" if n % 5 == 0 else "signature",
                key=f"demo-{event.pk}-{reservation.pk}",
            )
            if n == 3:
                services.handover_return(
                    actor=who,
                    handover=done,
                    reason="Con cháu đã mua máy (ví dụ)",
                    device_ok=True,
                    on=day + dt.timedelta(days=9),
                )
    # the phones left over in Phường Sông Cầu on their way back to the provincial store, not yet confirmed there
    song_cau = programme.communes.get(unit__code="01837")
    for device in Device.objects.filter(programme=programme, state=Device.State.READY, location=song_cau):
        devices.transfer_send(actor=manager, device=device, to=None)


def demo_events(programme: Programme) -> list[HandoverEvent]:
    return list(HandoverEvent.objects.filter(programme=programme).order_by("held_on"))
