import datetime as dt

import pytest

from phocap.allocation import selectors as allocation_selectors
from phocap.allocation.models import Reservation, Round
from phocap.core.actors import SYSTEM
from phocap.handover.models import Handover
from tests.allocation.test_rounds import registry  # noqa: F401 - the fixture
from tests.conftest import verify_second_factor
from tests.handover.test_handover import NUMBER, _first, approved, event, post_lists  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_round_page_shows_the_policy_shares_and_reasons(login, approved):  # noqa: F811
    page = login("xa-giaohieu").get("/p/bac-kan-2023/phan-bo/").content.decode()
    assert "Chính sách ưu tiên (phiên bản 1)" in page
    assert "Hộ nghèo/cận nghèo có công với cách mạng" in page
    assert approved.seed in page
    assert "tuổi — xếp thứ 1/" in page
    assert login("mttq").get("/p/bac-kan-2023/phan-bo/").status_code == 404


def test_a_handover_on_the_event_page_is_recorded_once_even_when_sent_twice(login, event):  # noqa: F811
    reservation = _first(event)
    client = login("xa-giaohieu")
    page = client.get(f"/p/bac-kan-2023/trao/{event.pk}/").content.decode()
    assert reservation.resident.full_name in page
    assert NUMBER not in page
    key = page.split(f'name="reservation" value="{reservation.pk}"><input type="hidden" name="key" value="')[1][:32]
    form = {
        "reservation": reservation.pk,
        "key": key,
        "id_number": NUMBER,
        "imei": reservation.device.imei,
        "sim": "1",
        "confirmation": "thumbprint",
    }
    first = client.post(f"/p/bac-kan-2023/trao/{event.pk}/", form, follow=True).content.decode()
    assert "Đã trao máy cho" in first
    again = client.post(f"/p/bac-kan-2023/trao/{event.pk}/", form, follow=True).content.decode()
    assert "Đã trao máy cho" in again  # the retried form is the same handover
    assert Handover.objects.count() == 1
    assert Reservation.objects.get(pk=reservation.pk).status == "handed_over"
    pdf = client.get(f"/p/bac-kan-2023/trao/{event.pk}/bien-ban.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert login("xa-songcau").get(f"/p/bac-kan-2023/trao/{event.pk}/").status_code == 404


def test_a_wrong_phone_does_not_make_the_officer_retype_the_id_number(login, event, user):  # noqa: F811
    reservation = _first(event)
    client = login("xa-giaohieu")
    url = f"/p/bac-kan-2023/trao/{event.pk}/"
    other = next(r for r in allocation_selectors.expected(event.commune) if r.pk != reservation.pk)
    form = {"reservation": reservation.pk, "key": "k-1", "sim": "1", "confirmation": "signature"}
    wrong_id = client.post(
        url, {**form, "id_number": "006190099999", "imei_typed": reservation.device.imei}, follow=True
    )
    page = wrong_id.content.decode()
    assert "Số định danh không khớp" in page
    assert "Đã đối chiếu CCCD ở lần thử trước" not in page  # a wrong number marks nothing

    client.post(url, {**form, "id_number": NUMBER, "imei_typed": other.device.imei})  # the box next to it
    page = client.get(url).content.decode()
    mine = page.split(f'name="reservation" value="{reservation.pk}">')[1][:1500]
    assert "Đã đối chiếu CCCD ở lần thử trước" in mine
    assert 'name="id_number"' not in mine
    assert NUMBER not in page
    assert NUMBER not in str(dict(client.session))
    done = client.post(url, {**form, "key": "k-2", "imei": reservation.device.imei}, follow=True).content.decode()
    assert "Đã trao máy cho" in done
    handed = Handover.objects.get(reservation=reservation)
    assert handed.id_check == "typed"
    assert "Đã đối chiếu CCCD ở lần thử trước" not in client.get(url).content.decode()
    other_officer = login("quanly")  # another person's session has no such mark
    assert "Đã đối chiếu CCCD ở lần thử trước" not in other_officer.get(url).content.decode()


def test_the_public_statement_shows_money_spent_and_phones_handed_over_per_commune(client, event, user):  # noqa: F811
    from django.core.cache import cache

    from tests.handover.test_handover import give

    reservation = _first(event)
    give(event, user, reservation)
    cache.clear()
    page = client.get("/cong-khai/bac-kan-2023/").content.decode()
    assert "Đã chi và đã trao" in page
    assert "đã trao 1 máy" in page
    assert reservation.resident.full_name not in page  # no names of recipients


def test_the_api_receives_proposes_approves_and_hands_over(login, registry, user):  # noqa: F811
    import json

    from phocap.accounts.models import Membership, Role, User
    from phocap.devices import services as devices
    from phocap.handover import services
    from tests.allocation.test_rounds import GIAO_HIEU
    from tests.devices.test_devices import imeis

    base = "/api/v1/programmes/bac-kan-2023"
    model = devices.phone_model_create(actor=SYSTEM, programme=registry, name="Samsung Galaxy A05")
    order = devices.purchase_order_create(
        actor=user("quanly"), programme=registry, phone_model=model, quantity=3, unit_price=1_000_000, supplier_name="x"
    )
    manager = login("quanly")
    numbers = imeis(3, 43_000_000_000_000)
    got = manager.post(
        f"{base}/devices/receive",
        json.dumps(
            {"model": "Samsung Galaxy A05", "imeis": [*numbers, "1"], "purchase_order": order.pk, "ready": True}
        ),
        "application/json",
    )
    assert got.status_code == 200, got.content
    assert got.json()["received"] == 3
    assert got.json()["rejected"][0]["imei"] == "1"
    assert manager.get(f"{base}/devices/stock").json()["total"] == 3
    proposed = manager.post(f"{base}/allocation/rounds", json.dumps({"seed": "api"}), "application/json").json()
    assert proposed["selected"] == 3
    assert manager.post(f"{base}/allocation/rounds/{proposed['round']}/approve").status_code == 403  # same person
    checker = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=registry)
    manager.logout()
    manager.force_login(checker)
    verify_second_factor(manager, checker)
    done = manager.post(f"{base}/allocation/rounds/{proposed['round']}/approve")
    assert done.json()["status"] == "approved"
    post_lists(Round.objects.get(pk=proposed["round"]), checker)
    commune = registry.communes.get(unit__code=GIAO_HIEU)
    hall = services.event_create(
        actor=user("xa-giaohieu"),
        programme=registry,
        commune=commune,
        held_on=dt.date(2023, 11, 1),
        place="Nhà văn hóa",
    )
    reservation = allocation_selectors.expected(hall.commune).first()
    officer = login("xa-giaohieu")
    body = {
        "reservation_id": reservation.pk,
        "imei": reservation.device.imei,
        "confirmation": "signature",
        "key": "api-1",
    }
    first = officer.post(f"{base}/handover/events/{hall.pk}/handovers", json.dumps(body), "application/json")
    again = officer.post(f"{base}/handover/events/{hall.pk}/handovers", json.dumps(body), "application/json")
    assert first.status_code == 200, first.content
    assert first.json() == again.json()
    assert first.json()["device_imei"] == reservation.device.imei


def _camera_photo() -> bytes:
    """A JPEG as a phone takes it: with the GPS position and the camera in its EXIF."""
    import io

    from PIL import Image

    image = Image.new("RGB", (3000, 2000), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 8.0, 50.0), 3: "E", 4: (105.0, 50.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_the_confirmation_photo_is_kept_without_its_metadata_shown_to_the_commune_and_erased_with_the_person(
    login,
    event,  # noqa: F811
    user,
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from phocap.core.models import AuditEvent
    from phocap.registry.services import resident_erase

    reservation = _first(event)
    client = login("xa-giaohieu")
    form = {
        "reservation": reservation.pk,
        "key": "photo-key",
        "id_number": NUMBER,
        "imei": reservation.device.imei,
        "confirmation": "signature",
    }
    bad = client.post(
        f"/p/bac-kan-2023/trao/{event.pk}/",
        {**form, "photo": SimpleUploadedFile("a.jpg", b"not a picture", "image/jpeg")},
        follow=True,
    )
    assert "Tệp không phải ảnh" in bad.content.decode()
    assert Handover.objects.count() == 0
    page = client.post(
        f"/p/bac-kan-2023/trao/{event.pk}/",
        {**form, "photo": SimpleUploadedFile("a.jpg", _camera_photo(), "image/jpeg")},
        follow=True,
    ).content.decode()
    done = Handover.objects.get()
    assert f"/trao/anh/{done.pk}.jpg" in page
    shown = client.get(f"/p/bac-kan-2023/trao/anh/{done.pk}.jpg")
    assert shown["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(shown.content)) as image:
        assert max(image.size) == 1600
        assert not image.getexif()  # no GPS, no camera
    assert AuditEvent.objects.filter(action="handover.photo_view").count() == 1
    assert login("xa-songcau").get(f"/p/bac-kan-2023/trao/anh/{done.pk}.jpg").status_code == 404
    resident_erase(actor=user("xa-giaohieu"), resident=done.resident, reason="Yêu cầu của người dân")
    assert client.get(f"/p/bac-kan-2023/trao/anh/{done.pk}.jpg").status_code == 404


def test_phones_sent_to_a_commune_are_confirmed_there_on_the_transfers_page(login, approved):  # noqa: F811
    from phocap.devices.models import Device
    from tests.allocation.test_rounds import stock

    stock(approved.programme, 2, start=43_000_000_000_000)
    spare = list(Device.objects.filter(state="ready", location__isnull=True).order_by("imei")[:2])
    sent = login("quanly").post(
        "/p/bac-kan-2023/may/chuyen/",
        {"action": "send", "to": "01870", "imeis": f"{spare[0].imei}\n{spare[1].imei}\n123"},
    )
    assert "123" in sent.content.decode()
    assert "Đã gửi 2 máy" in sent.content.decode()
    assert {d.state for d in Device.objects.filter(pk__in=[d.pk for d in spare])} == {"in_transit"}
    assert spare[0].imei not in login("xa-songcau").get("/p/bac-kan-2023/may/chuyen/").content.decode()
    officer = login("xa-giaohieu")
    assert spare[0].imei in officer.get("/p/bac-kan-2023/may/chuyen/").content.decode()
    assert "Gửi đi" not in officer.get("/p/bac-kan-2023/may/chuyen/").content.decode()  # only the manager sends
    officer.post("/p/bac-kan-2023/may/chuyen/", {"action": "confirm", "device": [spare[0].pk]})
    states = dict(Device.objects.filter(pk__in=[d.pk for d in spare]).values_list("imei", "state"))
    assert states == {spare[0].imei: "ready", spare[1].imei: "in_transit"}


def test_the_hall_page_shows_the_phone_kept_for_each_person_and_preselects_it(login, event):  # noqa: F811
    reservation = _first(event)
    client = login("xa-giaohieu")
    page = client.get(f"/p/bac-kan-2023/trao/{event.pk}/").content.decode()
    assert f"IMEI …{reservation.device.imei[-5:]}" in page
    assert f'name="imei" value="{reservation.device.imei}" checked' in page
    key = page.split(f'name="reservation" value="{reservation.pk}"><input type="hidden" name="key" value="')[1][:32]
    form = {"reservation": reservation.pk, "key": key, "id_number": NUMBER, "imei": reservation.device.imei}
    wrong = client.post(
        f"/p/bac-kan-2023/trao/{event.pk}/",
        {**form, "imei_typed": "490154203237518", "confirmation": "signature"},
        follow=True,
    )
    assert "không phải máy đã giữ" in wrong.content.decode()
    done = client.post(f"/p/bac-kan-2023/trao/{event.pk}/", {**form, "confirmation": "signature"}, follow=True)
    assert "Đã trao máy cho" in done.content.decode()


def test_the_hall_page_records_a_no_show_and_undoes_it(login, event):  # noqa: F811
    reservation = _first(event)
    client = login("xa-giaohieu")
    url = f"/p/bac-kan-2023/trao/{event.pk}/"
    page = client.get(url).content.decode()
    assert (
        "data-confirm="
        in page.split(
            f'name="action" value="absent"><input type="hidden" name="reservation" value="{reservation.pk}">'
        )[1][:400]
    )
    client.post(url, {"action": "absent", "reservation": reservation.pk})
    shown = client.get(url).content.decode()
    assert "Hoàn tác (người này đã đến)" in shown
    undone = client.post(url, {"action": "undo_absent", "reservation": reservation.pk}, follow=True).content.decode()
    assert "Đã hoàn tác" in undone
    assert Reservation.objects.get(pk=reservation.pk).status == "active"


def test_the_hall_page_names_the_kept_phones_colour_when_known(login, event):  # noqa: F811
    from phocap.devices.models import Device

    reservation = _first(event)
    Device.objects.filter(pk=reservation.device_id).update(colour="Đen")
    page = login("xa-giaohieu").get(f"/p/bac-kan-2023/trao/{event.pk}/").content.decode()
    assert f"Máy giữ cho người này: {reservation.device.phone_model}, Đen, IMEI …{reservation.device.imei[-5:]}" in page


def test_closing_the_event_on_the_hall_page_asks_first_and_ends_recording(login, event):  # noqa: F811
    reservation = _first(event)
    client = login("xa-giaohieu")
    url = f"/p/bac-kan-2023/trao/{event.pk}/"
    client.post(url, {"action": "absent", "reservation": reservation.pk})
    page = client.get(url).content.decode()
    assert page.count('value="close"') == 1  # once, in the page's body
    assert page.index('value="close"') > page.index("<main")
    button = page.split('name="action" value="close">')[1][:600]
    assert "data-confirm=" in button
    assert "không hoàn tác được" in button
    assert "Bản nháp biên bản" in page
    closed = client.post(url, {"action": "close"}, follow=True).content.decode()
    assert "Đã kết thúc buổi trao; biên bản đã được lập." in closed
    assert "Buổi trao đã kết thúc lúc" in closed
    assert 'name="key"' not in closed  # no handover form left
    assert "Hoàn tác (người này đã đến)" not in closed  # the absence stands
    assert reservation.resident.full_name in closed.split("Vắng mặt</h2>")[1]
    refused = client.post(url, {"action": "undo_absent", "reservation": reservation.pk}, follow=True)
    assert "đã kết thúc" in refused.content.decode()
    assert Reservation.objects.get(pk=reservation.pk).status == "released"
    listing = client.get("/p/bac-kan-2023/trao/").content.decode()
    assert "đã kết thúc" in listing
    assert client.get(f"{url}bien-ban.pdf").content.startswith(b"%PDF")


def test_box_labels_name_each_person_and_the_phone_kept_for_them(login, event, user):  # noqa: F811
    import io

    from pypdf import PdfReader

    from phocap.core.models import AuditEvent

    kept = list(allocation_selectors.expected(event.commune).select_related("resident", "device"))
    client = login("xa-giaohieu")
    assert "nhan-hop-may.pdf" in client.get(f"/p/bac-kan-2023/trao/{event.pk}/").content.decode()
    answer = client.get(f"/p/bac-kan-2023/trao/{event.pk}/nhan-hop-may.pdf")
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == (len(kept) + 9) // 10
    text = "".join(page.extract_text() for page in reader.pages)
    for r in kept:
        assert r.resident.full_name in text
        assert f"IMEI {r.device.imei}" in text
    assert sum(len(page.images) for page in reader.pages) == len(kept)  # one QR each
    audit = AuditEvent.objects.filter(action="handover.labels", object_id=str(event.pk)).get()
    assert audit.changes["_"]["labels"] == len(kept)
    assert login("xa-songcau").get(f"/p/bac-kan-2023/trao/{event.pk}/nhan-hop-may.pdf").status_code == 404

    from django.test import Client

    from phocap.accounts.services import api_token_create

    _, secret = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="xã")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    by_api = api.get(f"/api/v1/programmes/bac-kan-2023/handover/events/{event.pk}/labels.pdf")
    assert by_api.status_code == 200
    assert by_api.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="handover.labels", object_id=str(event.pk)).count() == 2
