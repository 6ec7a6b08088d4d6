import datetime as dt
import io

import pytest
from pypdf import PdfReader

from phocap.accounts.models import Membership, Role, User
from phocap.allocation import postings
from phocap.allocation import selectors as allocation_selectors
from phocap.allocation import services as allocation
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.models import AuditEvent as Audit
from phocap.devices.models import Device
from phocap.handover import attendance, minutes, selectors, services
from phocap.handover.models import EventMinutes, Handover
from phocap.registry.models import Resident
from tests.allocation.test_rounds import GIAO_HIEU, registry, stock  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
NUMBER = "006190012345"


@pytest.fixture
def approved(registry, user):  # noqa: F811
    stock(registry, 5)
    checker = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=registry)
    round_ = allocation.round_propose(actor=user("quanly"), programme=registry, seed="s")
    allocation.round_approve(actor=checker, round_=round_)
    post_lists(round_, user("quanly"))
    return round_


def post_lists(round_, actor, on=dt.date(2023, 10, 23)):
    """The communes post the round's lists (5 working days from Monday 23/10/2023: handovers from 28/10)."""
    for p in round_.postings.all():
        postings.posting_record(actor=actor, posting=p, posted_on=on)


@pytest.fixture
def event(approved, user):
    commune = approved.programme.communes.get(unit__code=GIAO_HIEU)
    return services.event_create(
        actor=user("xa-giaohieu"),
        programme=approved.programme,
        commune=commune,
        held_on=dt.date(2023, 11, 10),
        place="Nhà văn hóa thôn Nà Coóc",
        organisers="Sở Thông tin và Truyền thông; VNPT Bắc Kạn",
    )


def _first(event):
    reservation = allocation_selectors.expected(event.commune).first()
    Resident.objects.filter(pk=reservation.resident_id).update(id_number=NUMBER, id_hash=blind_index(NUMBER))
    return reservation


def give(event, user, reservation, **kw):
    values = {
        "actor": user("xa-giaohieu"),
        "event": event,
        "reservation_id": reservation.pk,
        "id_number": NUMBER,
        "scanned": False,
        "imei": reservation.device.imei,
        "sim_activated": True,
        "confirmation": "signature",
        "key": "k1",
    }
    values.update(kw)
    return services.handover_record(**values)


def test_a_handover_checks_identity_and_device_and_is_recorded_once(event, user):
    reservation = _first(event)
    with pytest.raises(ValidationFailed, match="không khớp"):
        give(event, user, reservation, id_number="006190012346", key="a")
    other = Device.objects.exclude(pk=reservation.device_id).first()
    with pytest.raises(Conflict, match="không phải máy đã giữ"):
        give(event, user, reservation, imei=other.imei, key="b")
    first = give(event, user, reservation)
    again = give(event, user, reservation)  # the same form sent twice
    assert first.pk == again.pk
    assert Handover.objects.count() == 1
    reservation.refresh_from_db()
    assert reservation.status == "handed_over"
    assert Device.objects.get(pk=reservation.device_id).state == "handed_over"
    resident = Resident.objects.get(pk=reservation.resident_id)
    assert resident.smartphone_status == "has"
    with pytest.raises(Conflict, match="đã nhận điện thoại rồi"):
        give(event, user, reservation, key="c")


def test_the_database_refuses_a_second_current_handover_for_a_person(event, user):
    from django.db import IntegrityError, transaction

    reservation = _first(event)
    done = give(event, user, reservation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            programme=done.programme,
            event=event,
            reservation=reservation,
            resident=done.resident,
            device=Device.objects.exclude(pk=done.device_id).first(),
            id_check="typed",
            sim_activated=True,
            confirmation="signature",
            delivered_by="x",
            key="other",
        )


def test_a_no_show_releases_the_phone_to_the_next_in_line(event, user):
    reservation = _first(event)
    offered = attendance.absent_record(actor=user("xa-giaohieu"), event=event, reservation=reservation)
    reservation.refresh_from_db()
    assert reservation.status == "released"
    assert offered is not None
    assert offered.device_id == reservation.device_id
    assert offered.resident_id != reservation.resident_id
    assert Device.objects.get(pk=offered.device_id).state == "reserved"
    assert "thay người vắng mặt" in offered.round.placements.get(resident_id=offered.resident_id).reason


def test_a_return_and_a_replacement_keep_both_devices_on_record(event, user, approved):
    reservation = _first(event)
    done = give(event, user, reservation)
    stock(approved.programme, 1, start=42_000_000_000_000)
    spare = Device.objects.filter(state="ready").first()
    Device.objects.filter(pk=spare.pk).update(location=event.commune)
    new = services.handover_replace(actor=user("xa-giaohieu"), handover=done, imei=spare.imei, reason="Màn hình lỗi")
    done.refresh_from_db()
    assert (done.status, new.status, new.replaces_id) == ("replaced", "current", done.pk)
    assert Device.objects.get(pk=done.device_id).state == "needs_repair"
    assert Device.objects.get(pk=new.device_id).state == "handed_over"
    back = services.handover_return(actor=user("xa-giaohieu"), handover=new, reason="Không dùng", device_ok=True)
    assert back.status == "returned"
    assert Device.objects.get(pk=new.device_id).state == "ready"
    assert Resident.objects.get(pk=new.resident_id).smartphone_status == "lacks"


def test_the_minutes_and_receipt_are_pdfs_in_vietnamese(event, user):
    reservation = _first(event)
    done = give(event, user, reservation)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(minutes.render_minutes(event))).pages)
    assert "BIÊN BẢN BÀN GIAO ĐIỆN THOẠI THÔNG MINH" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert done.device.imei in text
    assert "ĐẠI DIỆN BÊN GIAO" in text
    assert "ĐẠI DIỆN BÊN NHẬN" in text
    assert done.resident.full_name in text
    receipt = "".join(p.extract_text() for p in PdfReader(io.BytesIO(minutes.render_receipt(done))).pages)
    assert "GIẤY XÁC NHẬN NHẬN ĐIỆN THOẠI" in receipt
    assert NUMBER not in text + receipt  # identity numbers never printed


def test_a_no_show_is_undone_and_the_offer_to_the_next_person_withdrawn(event, user):
    officer = user("xa-giaohieu")
    reservation = _first(event)
    offered = attendance.absent_record(actor=officer, event=event, reservation=reservation, reason="Vắng mặt")
    assert [a.reservation for a in selectors.absences_of(event)] == [reservation]
    back = attendance.absent_undo(actor=officer, event=event, reservation=reservation)
    assert back.status == "active"
    offered.refresh_from_db()
    assert offered.status == "released"
    placement = offered.round.placements.get(resident_id=offered.resident_id)
    assert not placement.selected
    assert "thay người vắng mặt" not in placement.reason
    assert Device.objects.get(pk=reservation.device_id).state == "reserved"
    assert not selectors.absences_of(event).exists()
    with pytest.raises(NotFound):
        attendance.absent_undo(actor=officer, event=event, reservation=back)  # not absent now

    again = attendance.absent_record(actor=officer, event=event, reservation=back, reason="Vắng mặt")
    other = "006190054321"
    Resident.objects.filter(pk=again.resident_id).update(id_number=other, id_hash=blind_index(other))
    give(event, user, again, key="k-next", id_number=other)  # the next person came and took it
    with pytest.raises(Conflict, match="người tiếp theo"):
        attendance.absent_undo(actor=officer, event=event, reservation=back)
    assert selectors.absences_of(event).count() == 1  # the absence stands


def test_closing_an_event_makes_its_minutes_and_ends_recording_at_it(event, user):
    officer = user("xa-giaohieu")
    first, second, third = list(allocation_selectors.expected(event.commune))[:3]
    late = "006190099999"
    Resident.objects.filter(pk=first.resident_id).update(id_number=NUMBER, id_hash=blind_index(NUMBER))
    Resident.objects.filter(pk=third.resident_id).update(id_number=late, id_hash=blind_index(late))
    done = give(event, user, first)
    attendance.absent_record(actor=officer, event=event, reservation=second)
    draft = _text(attendance.minutes_of(event))
    assert "BẢN NHÁP" in draft

    closed = attendance.event_close(actor=officer, event=event)
    assert closed.closed_at is not None
    assert closed.closed_by
    assert attendance.event_close(actor=officer, event=event).closed_at == closed.closed_at  # a double tap
    kept = EventMinutes.objects.get(event=event)
    assert (kept.handed, kept.absent) == (1, 1)
    text = _text(attendance.minutes_of(event))
    assert "BẢN NHÁP" not in text
    assert done.device.imei in text
    assert "Vắng mặt: 1 người" in text
    waiting = allocation_selectors.expected(event.commune).count()
    assert f"Chưa nhận: {waiting} người" in text
    assert Audit.objects.filter(action="handover.event_close", object_id=str(event.pk)).count() == 1

    # nothing more at a closed event: no handover, no absence, no undoing one — with the reason said
    with pytest.raises(Conflict, match="đã kết thúc"):
        give(event, user, third, key="late", id_number=late)
    with pytest.raises(Conflict, match="đã kết thúc"):
        attendance.absent_record(actor=officer, event=event, reservation=third)
    with pytest.raises(Conflict, match="đã kết thúc"):
        attendance.absent_undo(actor=officer, event=event, reservation=second)
    third.refresh_from_db()
    assert third.status == "active"  # still kept for a later event
    assert give(event, user, first).pk == done.pk  # the first form sent again is still its handover

    # a later swap does not rewrite the kept minutes; the person goes to a new event
    services.handover_return(actor=officer, handover=done, reason="Không dùng", device_ok=True)
    assert _text(attendance.minutes_of(event)) == text
    later = services.event_create(
        actor=officer, programme=event.programme, commune=event.commune, held_on=event.held_on, place="UBND xã"
    )
    assert give(later, user, third, key="at-the-next", id_number=late).event_id == later.pk


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_sim_number_goes_on_the_minutes(event, user):
    reservation = _first(event)
    give(event, user, reservation, sim_number="+84 912 345 678")
    device = Device.objects.get(pk=reservation.device_id)
    assert (device.sim_number, device.sim_carrier) == ("0912345678", "VinaPhone")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(minutes.render_minutes(event))).pages)
    assert "0912345678" in text
    other = allocation_selectors.expected(event.commune).exclude(pk=reservation.pk).first()
    with pytest.raises(ValidationFailed, match="Số thuê bao"):
        give(event, user, other, sim_number="12ab", key="k2")
