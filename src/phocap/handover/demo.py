"""The demo's phones and handovers (issue #5): 350 phones bought from the launch money, 20 donated in kind
(one locked to its previous owner, one needing repair, one too old), one approved round with its seed, two
handover events with minutes, a few no-shows and a return, and the phones left over in one commune on their
way back to the store. Everything here is invented."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from stdnum import luhn

from phocap.accounts import scope
from phocap.accounts import selectors as accounts
from phocap.allocation import postings
from phocap.allocation import selectors as allocation_selectors
from phocap.allocation import services as allocation
from phocap.devices import selectors as device_selectors
from phocap.devices import services as devices
from phocap.devices.models import Device
from phocap.fundraising import selectors as fundraising
from phocap.handover import attendance, services
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme, ProgrammeCommune

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
    if device_selectors.purchase_order_list(actor=actor, programme=programme).exists():
        return
    manager, checker, officer = (accounts.user_by_username(u) for u in ("quanly", "admin", "xa-giaohieu"))
    rng = random.Random(2023)  # noqa: S311 - invented demo data
    _bought(programme, manager, rng)
    _donated(programme, manager)
    round_ = allocation.round_propose(actor=manager, programme=programme, seed=SEED)
    allocation.round_approve(actor=checker, round_=round_)
    # each commune posts its list for objections on Monday 23/10/2023 (5 working days: handovers from 28/10)
    for posting in postings.posting_list(actor=manager, programme=programme):
        postings.posting_record(actor=manager, posting=posting, posted_on=dt.date(2023, 10, 23))
    for code, day, place, who, close in (
        # left open: the people offered a no-show's phone are still to come
        ("01870", dt.date(2023, 11, 10), "Nhà văn hóa xã Giáo Hiệu (ví dụ)", officer, False),
        ("01837", dt.date(2023, 11, 17), "Hội trường UBND phường Sông Cầu (ví dụ)", checker, True),
    ):
        commune = programmes.commune_get(actor=who, programme=programme, code=code)
        _event(programme, who, commune, day, place, close=close)
    # the phones left over in Phường Sông Cầu on their way back to the provincial store, not yet confirmed there
    song_cau = programmes.commune_get(actor=manager, programme=programme, code="01837")
    for device in device_selectors.device_list(actor=manager, programme=programme).filter(
        state=Device.State.READY, location=song_cau
    ):
        devices.transfer_send(actor=manager, device=device, to=None)


def _bought(programme: Programme, manager: Any, rng: random.Random) -> None:
    """350 phones bought from the launch money, received ready, each with its SIM and a year of data."""
    model = devices.phone_model_create(
        actor=manager,
        programme=programme,
        name="Samsung Galaxy A05",
        android_version="13",
        storage_gb=64,
        price=programme.phone_package_price,
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
    received = devices.device_receive(
        actor=manager,
        programme=programme,
        phone_model=model,
        imeis=_imeis(350, "35412311"),
        purchase_order=order,
        ready=True,
    ).received
    for device in received:
        devices.device_sim_set(
            actor=manager,
            device=device,
            number=f"08{rng.randrange(10**8):08d}",
            carrier="VinaPhone",
            data_package="D15 (ví dụ)",
            data_months=12,
        )


def _donated(programme: Programme, manager: Any) -> None:
    """20 phones given in kind, checked: one still locked to its previous owner, one needing a battery, one too
    old."""
    donor = fundraising.donor_by_name(actor=manager, programme=programme, name=DONATED_BY)
    donated = devices.device_receive(
        actor=manager,
        programme=programme,
        phone_model=devices.phone_model_create(
            actor=manager, programme=programme, name="Xiaomi Redmi 9A", android_version="10", storage_gb=32
        ),
        imeis=_imeis(20, "86012345"),
        donor=donor,
        gift=devices.GiftTerms(received_on=dt.date(2023, 10, 16)),  # they complete the gift recorded that day
    ).received
    for i, device in enumerate(donated):
        devices.device_check(
            actor=manager,
            device=device,
            factory_reset=True,
            activation_lock_free=i != 0,
            battery_ok=i != 1,
            screen_ok=True,
            made_in_year=2016 if i == 2 else 2020,
        )


def _event(programme: Programme, who: Any, commune: ProgrammeCommune, day: dt.date, place: str, *, close: bool) -> None:
    """A handover event: a few do not come (their phone goes to the next in line); perhaps closed with its
    minutes; one person gives the phone back nine days later."""
    event = services.event_create(
        actor=who,
        programme=programme,
        commune=commune,
        held_on=day,
        place=place,
        organisers="Sở Thông tin và Truyền thông; VNPT Bắc Kạn (ví dụ)",
    )
    given_back = None
    for n, reservation in enumerate(list(allocation_selectors.expected(commune))):
        if n % 17 == 5:
            attendance.absent_record(actor=who, event=event, reservation=reservation, reason="Vắng mặt (ví dụ)")
            continue
        done = services.handover_record(
            actor=who,
            event=event,
            reservation_id=reservation.pk,
            id_number=reservation.resident.id_number,
            scanned=n % 2 == 0,
            imei=reservation.device.imei,
            sim_activated=True,
            confirmation="thumbprint" if n % 5 == 0 else "signature",
            key=f"demo-{event.pk}-{reservation.pk}",
        )
        given_back = done if n == 3 else given_back
    if close:
        attendance.event_close(actor=who, event=event)  # the minutes as they stood that day
    if given_back is not None:
        services.handover_return(
            actor=who,
            handover=given_back,
            reason="Con cháu đã mua máy (ví dụ)",
            device_ok=True,
            on=day + dt.timedelta(days=9),
        )
