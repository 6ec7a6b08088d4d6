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
