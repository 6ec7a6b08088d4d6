"""The stock through the API, each role with its own bearer token (issue #15): phone models and their reference
price, purchase orders paid from the funds, phones sent to a commune and confirmed there by its officer — the
same services as the phones and transfers pages."""

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.devices.models import Device, PhoneModel
from tests.devices.test_devices import imeis

pytestmark = pytest.mark.django_db
P = "/api/v1/programmes/bac-kan-2023"
GIAO_HIEU = "01870"


def bearer(user):
    _, secret = api_token_create(actor=SYSTEM, user=user, name="thử")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")


def send(api, url, body, status=200):
    answer = api.post(url, body, content_type="application/json")
    assert answer.status_code == status, answer.content
    return answer.json()


def test_models_orders_and_transfers_through_the_api(user):
    manager, officer = bearer(user("quanly")), bearer(user("xa-giaohieu"))
    made = send(manager, f"{P}/devices/models", {"name": "Vsmart Joy 4"}, status=201)
    assert (made["brand"], made["model"], made["price"]) == ("Vsmart", "Joy 4", None)
    priced = send(manager, f"{P}/devices/models/{made['id']}/price", {"price": 1_900_000})
    assert priced["price"] == 1_900_000
    assert PhoneModel.objects.get(pk=made["id"]).price == 1_900_000
    assert AuditEvent.objects.filter(action="phone_model.price", object_id=str(made["id"])).exists()
    send(manager, f"{P}/devices/models/{made['id']}/price", {"price": 0}, status=422)
    send(officer, f"{P}/devices/models/{made['id']}/price", {"price": 1_500_000}, status=403)
    assert any(m["id"] == made["id"] for m in manager.get(f"{P}/devices/models").json())

    order = send(
        manager,
        f"{P}/devices/purchase-orders",
        {"model": "Vsmart Joy 4", "quantity": 3, "unit_price": 1_900_000, "supplier": "Nhà cung cấp thử"},
        status=201,
    )
    assert (order["quantity"], order["total"], order["received"]) == (3, 5_700_000, 0)
    assert order["entry"]
    send(officer, f"{P}/devices/purchase-orders", {**order, "model": "Vsmart Joy 4", "supplier": "x"}, status=403)
    numbers = imeis(3, 61_000_000_000_000)
    send(
        manager,
        f"{P}/devices/receive",
        {
            "model": "Vsmart Joy 4",
            "imeis": numbers,
            "purchase_order": order["id"],
            "ready": True,
            "colour": " Xanh  lá ",
        },
    )
    found = manager.get(f"{P}/devices/search", {"imei": numbers[0][-5:]}).json()["devices"]
    assert [(d["imei"], d["colour"]) for d in found] == [(numbers[0], "Xanh lá")]
    listed = {o["id"]: o for o in manager.get(f"{P}/devices/purchase-orders").json()}
    assert listed[order["id"]]["received"] == 3

    sent = send(manager, f"{P}/devices/transfers", {"imeis": [*numbers[:2], "123", numbers[0]], "to": GIAO_HIEU})
    assert sent["sent"] == 2
    assert [r["imei"] for r in sent["rejected"]] == ["123", numbers[0]]  # bad, and already on its way there
    theirs = send(officer, f"{P}/devices/transfers", {"imeis": numbers[2:], "to": GIAO_HIEU})
    assert theirs == {"sent": 0, "rejected": [{"imei": numbers[2], "reason": "Không tìm thấy điện thoại."}]}
    coming = officer.get(f"{P}/devices/in-transit").json()["devices"]
    assert sorted(d["imei"] for d in coming) == sorted(numbers[:2])
    arrived = send(officer, f"{P}/devices/transfers/confirm", {"imeis": [numbers[0], numbers[2]]})
    assert arrived["confirmed"] == 1
    assert arrived["rejected"] == [{"imei": numbers[2], "reason": "Máy không đang chuyển đến nơi bạn nhận."}]
    here = Device.objects.get(imei=numbers[0])
    assert (here.state, here.location.unit.code) == ("ready", GIAO_HIEU)
    assert Device.objects.get(imei=numbers[1]).state == "in_transit"
    assert [d["imei"] for d in bearer(user("xa-songcau")).get(f"{P}/devices/in-transit").json()["devices"]] == []
    back = send(officer, f"{P}/devices/transfers", {"imeis": [numbers[0]], "to": None})  # the commune sends it back
    assert back["sent"] == 1
    coming_back = manager.get(f"{P}/devices/in-transit").json()["devices"]
    assert sorted(d["imei"] for d in coming_back) == sorted(numbers[:2])  # the manager receives for every place
