"""Checks by whoever receives (issue #15): phones received without "ready" are checked in bulk by IMEI — web,
API, CLI (the CLI in tests/allocation/test_rounds.py) — and only then reach a round; a repaired phone becomes
ready; what cannot be checked is listed with its reason."""

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.allocation import selectors as allocation
from phocap.core.actors import SYSTEM
from phocap.core.errors import ValidationFailed
from phocap.core.models import AuditEvent
from phocap.devices import services
from phocap.devices.models import Device
from tests.devices.test_devices import imeis, model, order_of  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
GIAO_HIEU = "01870"


@pytest.fixture
def received(programme, model):  # noqa: F811
    numbers = imeis(5, start=36_000_000_000_000)
    services.device_receive(
        actor=SYSTEM,
        programme=programme,
        phone_model=model,
        imeis=numbers,
        purchase_order=order_of(programme, model, 5),
    )
    return numbers


def states(numbers):
    return dict(Device.objects.filter(imei__in=numbers).values_list("imei", "state"))


def test_phones_received_unchecked_are_readied_in_bulk_and_only_then_counted(programme, received, user):
    ready_before = allocation.ready_devices(programme).count()
    manager = user("quanly")
    report = services.devices_check(
        actor=manager, programme=programme, imeis=[*received[:3], "123", received[0]], result="ready", note="lô 1"
    )
    assert report["checked"] == 3
    assert [r["imei"] for r in report["rejected"]] == ["123", received[0]]  # unreadable; twice in the list
    assert allocation.ready_devices(programme).count() == ready_before + 3
    device = Device.objects.get(imei=received[0])
    assert (device.factory_reset, device.activation_lock_free, device.battery_ok, device.screen_ok) == (True,) * 4
    assert (
        device.events.last().note
        == "Đạt kiểm tra (đã khôi phục cài đặt gốc, không khóa tài khoản, pin và màn hình tốt). lô 1"
    )
    assert AuditEvent.objects.filter(action="device.check", object_id=str(device.pk)).count() == 1

    again = services.devices_check(actor=manager, programme=programme, imeis=received[:3], result="ready")
    assert again == {"checked": 3, "rejected": []}  # a retried scan writes nothing
    assert device.events.count() == 2  # received, ready

    services.devices_check(actor=manager, programme=programme, imeis=[received[3]], result="needs_repair")
    services.devices_check(actor=manager, programme=programme, imeis=[received[4]], result="locked")
    assert states(received[3:]) == {received[3]: "needs_repair", received[4]: "locked"}
    repaired = services.devices_check(
        actor=manager, programme=programme, imeis=received[3:], result="ready", note="thay pin"
    )
    assert repaired["checked"] == 2
    assert set(states(received).values()) == {"ready"}
    services.devices_check(actor=manager, programme=programme, imeis=[received[4]], result="rejected")
    stuck = services.devices_check(actor=manager, programme=programme, imeis=[received[4]], result="ready")
    assert stuck["checked"] == 0
    assert "không ghi kết quả kiểm tra được" in stuck["rejected"][0]["reason"]
    with pytest.raises(ValidationFailed):
        services.devices_check(actor=manager, programme=programme, imeis=received, result="tốt")


def test_an_officer_checks_only_the_phones_in_their_commune(programme, received, user):
    officer = user("xa-giaohieu")
    outside = services.devices_check(actor=officer, programme=programme, imeis=received[:1], result="ready")
    assert outside["checked"] == 0
    assert "ngoài phạm vi" in outside["rejected"][0]["reason"]
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    Device.objects.filter(imei=received[1]).update(location=commune)
    inside = services.devices_check(actor=officer, programme=programme, imeis=received[1:2], result="ready")
    assert inside["checked"] == 1


def test_the_api_checks_with_a_bearer_token(programme, received, user):
    _, secret = api_token_create(actor=SYSTEM, user=user("quanly"), name="kho")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/programmes/{programme.code}/devices/check"
    answer = api.post(url, {"imeis": received[:2], "result": "needs_repair"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"checked": 2, "rejected": []}
    assert api.post(url, {"imeis": received, "result": "ok"}, content_type="application/json").status_code == 422


def test_the_stock_page_checks_pasted_imeis_and_lists_what_it_could_not(programme, received, login):
    page = login("quanly")
    shown = page.get(f"/p/{programme.code}/may/").content.decode()
    assert "Kiểm tra máy" in shown
    bad = received[0][:-1] + str((int(received[0][-1]) + 1) % 10)
    answer = page.post(
        f"/p/{programme.code}/may/",
        {"action": "check", "result": "ready", "imeis": "\n".join([*received[:2], bad]), "note": ""},
    )
    text = answer.content.decode()
    assert "Đã ghi kết quả kiểm tra cho 2 máy" in text
    assert bad in text
    assert "Luhn" in text
    assert set(states(received[:2]).values()) == {"ready"}


def test_the_stock_page_shows_what_needs_attention_and_finds_a_phone_by_its_last_digits(
    programme, received, login, user
):
    services.devices_check(actor=user("quanly"), programme=programme, imeis=received[:1], result="needs_repair")
    page = login("quanly")
    shown = page.get(f"/p/{programme.code}/may/").content.decode()
    assert "4 máy chờ kiểm tra lâu nhất" in shown
    assert "1 máy cần sửa hoặc bị khóa" in shown
    assert received[1] in shown
    found = page.get(f"/p/{programme.code}/may/?imei={received[0][-5:]}").content.decode()
    assert received[0] in found.split('id="tim-may"')[1].split("</section>")[0]
    assert "Cần sửa" in found.split('id="tim-may"')[1].split("</section>")[0]
    nothing = page.get(f"/p/{programme.code}/may/?imei=12").content.decode()
    assert "gõ ít nhất 4 chữ số" in nothing


def test_a_commune_officer_gets_the_checks_form_without_the_provinces_stock(programme, received, login):
    page = login("xa-giaohieu")
    shown = page.get(f"/p/{programme.code}/may/")
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "Kiểm tra máy" in text
    assert "Kho:" not in text
    assert "Tiền đã chi" not in text
    reader = login("mttq").get(f"/p/{programme.code}/may/").content.decode()  # sees the stock, checks nothing
    assert "Kho:" in reader
    assert "Kiểm tra máy" not in reader


def test_the_api_lists_what_needs_acting_on_and_finds_a_phone_by_its_last_digits(programme, received, user):
    services.devices_check(actor=user("quanly"), programme=programme, imeis=received[:1], result="locked")
    _, secret = api_token_create(actor=SYSTEM, user=user("quanly"), name="kho")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/programmes/{programme.code}/devices"
    lists = api.get(f"{base}/attention").json()
    assert [d["imei"] for d in lists["repair"]] == [received[0]]
    assert set(received[1:]) <= {d["imei"] for d in lists["waiting"]}
    found = api.get(f"{base}/search?imei={received[0][-5:]}").json()["devices"]
    assert [d["imei"] for d in found] == [received[0]]
    assert [e["state"] for e in found[0]["events"]] == ["received", "locked"]
    assert api.get(f"{base}/search?imei=12").status_code == 422
