"""A phone's whole life through the API, each step by its real role with its own bearer token (issue #15): a
list imported and consented, phones received unchecked and checked in bulk, a round previewed, proposed,
cancelled, proposed again and approved by another manager; a handover event, a handover with its SIM, a no-show
undone, a phone found broken at the 7-day follow-up and replaced from stock."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from phocap.accounts.models import Membership, Role, User
from phocap.accounts.services import api_token_create
from phocap.allocation import selectors as allocation
from phocap.core.actors import SYSTEM
from phocap.devices.models import Device
from tests.devices.test_devices import imeis
from tests.registry.test_dedup import _book

pytestmark = pytest.mark.django_db
GIAO_HIEU = "01870"
P = "/api/v1/programmes/bac-kan-2023"
NUMBERS = ["006190011111", "006190022222", "006190033333"]


def bearer(user):
    _, secret = api_token_create(actor=SYSTEM, user=user, name="đối tác")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")


def pdf_text(data):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def post(api, url, body=None, status=200):
    answer = api.post(url, body or {}, content_type="application/json")
    assert answer.status_code == status, answer.content
    return answer.json()


def test_a_phone_from_stock_to_a_replacement_through_the_api(programme, user):
    officer, manager = bearer(user("xa-giaohieu")), bearer(user("quanly"))
    checker = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=programme)
    other_manager = bearer(checker)

    rows = [["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Đồng ý tham gia"]]
    rows += [
        [i + 1, name, 1950 + i, NUMBERS[i], "x"] for i, name in enumerate(["Nông Văn Một", "Lý Thị Hai", "Ma Văn Ba"])
    ]
    upload = SimpleUploadedFile("gh.xlsx", _book(rows))
    imported = officer.post(f"{P}/residents/import?smartphone_status=lacks", {"file": upload})
    assert imported.status_code == 200, imported.content
    assert imported.json()["consents"] == 3

    order = post(
        manager,
        f"{P}/devices/purchase-orders",
        {"model": "Samsung Galaxy A05", "quantity": 4, "unit_price": 2_000_000, "supplier": "Nhà cung cấp thử"},
        status=201,
    )
    numbers = imeis(4, start=37_000_000_000_000)
    received = post(
        manager,
        f"{P}/devices/receive",
        {"model": "Samsung Galaxy A05", "imeis": numbers, "purchase_order": order["id"]},
    )
    assert received["received"] == 4
    empty = post(manager, f"{P}/allocation/rounds", {"seed": "0"})  # proposed before any phone was checked
    assert empty["devices"] == 0
    first = manager.get(f"{P}/allocation/preview").json()
    assert first["ready_devices"] == 0
    assert "Chưa có máy nào sẵn sàng" in first["warning"]
    checked = post(manager, f"{P}/devices/check", {"imeis": numbers, "result": "ready"})
    assert checked == {"checked": 4, "rejected": []}
    assert manager.get(f"{P}/allocation/preview").json()["ready_devices"] == 4

    pending = post(manager, f"{P}/allocation/rounds", {"seed": "1"}, status=409)  # the empty one is still pending
    assert pending["code"] == "round_pending"
    post(manager, f"{P}/allocation/rounds/{empty['round']}/cancel", {"reason": "Chưa có máy sẵn sàng"})
    second = post(manager, f"{P}/allocation/rounds", {"seed": "2"})
    assert (second["ready_devices"], second["selected"]) == (4, 3)
    assert manager.post(f"{P}/allocation/rounds/{second['round']}/approve").status_code == 403
    assert post(other_manager, f"{P}/allocation/rounds/{second['round']}/approve")["status"] == "approved"
    # the commune posts the list for objections; handovers come after the 5 working days
    (mine,) = officer.get(f"{P}/postings").json()
    posted = post(officer, f"{P}/postings/{mine['posting']}/posted", {"posted_on": "2023-10-23"})
    assert posted["ends_on"] == "2023-10-27"

    event = post(
        officer,
        f"{P}/handover/events",
        {"commune": GIAO_HIEU, "held_on": "2023-11-10", "place": "Nhà văn hóa thôn Nà Coóc"},
        status=201,
    )
    expected = {e["full_name"]: e for e in event["expected"]}
    assert len(expected) == 3
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    kept = {r.resident_id: r.device.imei for r in allocation.expected(commune)}  # what the boxes' labels say
    one, two = expected["Nông Văn Một"], expected["Lý Thị Hai"]
    assert one["imei_last5"] == kept[one["resident"]][-5:]

    url = f"{P}/handover/events/{event['event']}"
    absent = post(officer, f"{url}/absent", {"resident_id": two["resident"]})
    assert absent["status"] == "released"
    assert officer.get(url).json()["expected"] != event["expected"]
    undone = post(officer, f"{url}/absent/undo", {"resident_id": two["resident"]})
    assert undone["status"] == "active"

    given = post(
        officer,
        f"{url}/handovers",
        {
            "reservation_id": one["reservation"],
            "id_number": NUMBERS[0],
            "imei": kept[one["resident"]],
            "confirmation": "thumbprint",
            "sim_number": "0912345678",
            "sim_carrier": "MobiFone",  # a number ported from VinaPhone: the carrier said wins over the prefix
            "key": "a1",
        },
    )
    assert given["status"] == "current"
    sim = Device.objects.get(imei=kept[one["resident"]])
    assert (sim.sim_number, sim.sim_carrier) == ("0912345678", "MobiFone")
    draft = officer.get(f"{url}/minutes.pdf")
    assert draft.status_code == 200
    assert draft["Content-Type"] == "application/pdf"
    closed = post(officer, f"{url}/close")
    assert closed["closed_at"]
    assert {e["full_name"] for e in closed["expected"]} == set(expected) - {"Nông Văn Một"}  # kept for a later event
    again = post(officer, f"{url}/close")
    assert again["closed_at"] == closed["closed_at"]  # a double tap closes once
    late = post(officer, f"{url}/absent", {"resident_id": two["resident"]}, status=409)
    assert "đã kết thúc" in late["title"]
    kept_minutes = officer.get(f"{url}/minutes.pdf").content
    assert "BẢN NHÁP" in pdf_text(draft.content)
    assert "BẢN NHÁP" not in pdf_text(kept_minutes)

    visit = post(
        officer,
        f"{P}/onboarding/followups",
        {"resident_id": one["resident"], "days": 7, "visited_on": "2023-11-17", "outcome": "broken"},
    )
    assert visit["outcome"] == "broken"
    spare = next(n for n in numbers if n not in kept.values())
    assert post(manager, f"{P}/devices/transfers", {"imeis": [spare], "to": GIAO_HIEU})["sent"] == 1
    assert post(officer, f"{P}/devices/transfers/confirm", {"imeis": [spare]})["confirmed"] == 1
    swapped = post(officer, f"{P}/handovers/{given['id']}/replace", {"imei": spare, "reason": "Màn hình hỏng ngày 7"})
    assert (swapped["device_imei"], swapped["status"]) == (spare, "current")
    assert Device.objects.get(imei=kept[one["resident"]]).state == "needs_repair"
    repaired = post(
        manager, f"{P}/devices/check", {"imeis": [kept[one["resident"]]], "result": "ready", "note": "thay màn hình"}
    )
    assert repaired["checked"] == 1
    returned = post(
        officer, f"{P}/handovers/{swapped['id']}/return", {"reason": "Chuyển đi nơi khác", "device_ok": True}
    )
    assert returned["status"] == "returned"
    assert Device.objects.get(imei=spare).state == "ready"
