import datetime as dt

import pytest

from phocap.allocation.models import Reservation
from phocap.handover.models import Handover
from tests.allocation.test_rounds import registry  # noqa: F401 - the fixture
from tests.handover.test_handover import NUMBER, _first, approved, event  # noqa: F401 - fixtures

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
    model = devices.phone_model_get_or_create(name="Samsung Galaxy A05")
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
    done = manager.post(f"{base}/allocation/rounds/{proposed['round']}/approve")
    assert done.json()["status"] == "approved"
    commune = registry.communes.get(unit__code=GIAO_HIEU)
    hall = services.event_create(
        actor=user("xa-giaohieu"),
        programme=registry,
        commune=commune,
        held_on=dt.date(2023, 11, 1),
        place="Nhà văn hóa",
    )
    reservation = services.expected(hall).first()
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
