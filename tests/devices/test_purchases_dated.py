"""Purchases dated and documented (issue #16): the spending counts from the order's date in the funds report and
the indicators; the supplier's tax code and invoice kept; an order voided by a reversal before any of its phones is
kept for someone or handed over."""

import datetime as dt
import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, ValidationFailed
from phocap.devices import selectors, services
from phocap.devices.models import Device, PurchaseOrder
from phocap.fundraising.selectors import funds_available
from phocap.handover.selectors import public_progress
from phocap.reports.selectors import kpi
from tests.devices.test_devices import imeis

pytestmark = pytest.mark.django_db
P = "/api/v1/programmes/bac-kan-2023"


def order(programme, **kw):
    return services.purchase_order_create(
        actor=SYSTEM,
        programme=programme,
        phone_model="Nokia C32",
        quantity=kw.pop("quantity", 2),
        unit_price=1_500_000,
        supplier_name="Công ty Điện máy Thử",
        **kw,
    )


def spent(programme, on):
    return kpi(actor=SYSTEM, programme=programme, on=on).totals.indicators["funds_spent"].numerator


def test_the_spending_counts_from_the_orders_date(programme):
    before, earlier = spent(programme, dt.date(2023, 12, 31)), spent(programme, dt.date(2023, 11, 19))
    made = order(programme, ordered_on=dt.date(2023, 11, 20), supplier_tax_code="0100109106", invoice_number="HĐ 0042")
    assert (made.supplier_tax_code, made.invoice_number) == ("0100109106", "HĐ 0042")
    assert spent(programme, dt.date(2023, 12, 31)) - before == 3_000_000
    assert spent(programme, dt.date(2023, 11, 19)) == earlier  # not yet spent the day before it was ordered
    assert made.pk not in [o.pk for o in selectors.purchase_orders_until(programme, dt.date(2023, 11, 19))]
    assert made.pk in [o.pk for o in selectors.purchase_orders_until(programme, dt.date(2023, 12, 31))]
    with pytest.raises(ValidationFailed, match="sau hôm nay"):
        order(programme, ordered_on=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="Mã số thuế"):
        order(programme, supplier_tax_code="0100109107")


def test_an_order_is_voided_by_a_reversal_and_its_phones_given_back(programme):
    funds = funds_available(programme).general
    shown = public_progress(programme)["spent"]
    made = order(programme, ordered_on=dt.date(2023, 11, 20))
    numbers = imeis(2, 64_000_000_000_000)
    services.device_receive(
        actor=SYSTEM, programme=programme, phone_model=made.phone_model, imeis=numbers, purchase_order=made
    )
    voided = services.purchase_order_void(actor=SYSTEM, order=made, reason="Nhập nhầm đơn")
    assert voided.reversal.reverses_id == made.payment_id
    assert funds_available(programme).general == funds
    assert public_progress(programme)["spent"] == shown
    assert set(Device.objects.filter(imei__in=numbers).values_list("state", flat=True)) == {"rejected"}
    assert made.pk in [o.pk for o in selectors.purchase_orders_until(programme, dt.date(2023, 12, 31))]  # then
    assert made.pk not in [o.pk for o in selectors.purchase_orders_until(programme, dt.date.today())]  # not now
    with pytest.raises(Conflict, match="đã hủy"):
        services.purchase_order_void(actor=SYSTEM, order=made, reason="lần hai")
    with pytest.raises(Conflict, match="đã hủy"):
        services.device_receive(
            actor=SYSTEM,
            programme=programme,
            phone_model=made.phone_model,
            imeis=imeis(1, 65_000_000_000_000),
            purchase_order=made,
        )


def test_an_order_with_a_phone_kept_for_someone_cannot_be_voided(programme):
    made = order(programme)
    numbers = imeis(2, 66_000_000_000_000)
    services.device_receive(
        actor=SYSTEM, programme=programme, phone_model=made.phone_model, imeis=numbers, purchase_order=made, ready=True
    )
    Device.objects.filter(imei=numbers[0]).update(state="reserved")
    with pytest.raises(Conflict, match="đã được giữ") as refused:
        services.purchase_order_void(actor=SYSTEM, order=made, reason="x")
    assert refused.value.code == "phones_in_use"


def test_the_api_dates_documents_and_voids_an_order(user):
    _, secret = api_token_create(actor=SYSTEM, user=user("quanly"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    made = api.post(
        f"{P}/devices/purchase-orders",
        json.dumps(
            {
                "model": "Nokia C32",
                "quantity": 1,
                "unit_price": "1,5 triệu",
                "supplier": "Công ty Điện máy Thử",
                "ordered_on": "2023-11-21",
                "invoice_number": "0043",
                "invoice_date": "2023-11-22",
            }
        ),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["ordered_on"], body["invoice_number"], body["unit_price"], body["voided_at"]) == (
        "2023-11-21",
        "0043",
        1_500_000,
        None,
    )
    voided = api.post(
        f"{P}/devices/purchase-orders/{body['id']}/void",
        json.dumps({"reason": "Hủy với nhà cung cấp"}),
        content_type="application/json",
    )
    assert voided.status_code == 200, voided.content
    assert voided.json()["voided_at"]


def test_the_phones_page_dates_an_order_and_voids_it_after_asking(login):
    client = login("quanly")
    page = client.post(
        "/p/bac-kan-2023/may/",
        {
            "action": "purchase",
            "model_name": "Nokia C32",
            "quantity": "1",
            "unit_price": "1.500.000",
            "supplier": "Công ty Điện máy Thử",
            "ordered_on": "2023-11-23",
            "invoice_number": "0044",
        },
        follow=True,
    ).content.decode()
    assert "Đã đặt mua đơn" in page
    assert "23/11/2023 · 1 × Nokia C32 · 1.500.000 ₫ · Công ty Điện máy Thử · HĐ 0044" in page
    made = PurchaseOrder.objects.get(invoice_number="0044")
    assert 'data-confirm="Hủy đơn mua này?' in page
    done = client.post(
        "/p/bac-kan-2023/may/", {"action": "void", "order": made.pk, "reason": "Nhập nhầm"}, follow=True
    ).content.decode()
    assert f"Đã hủy đơn mua #{made.pk}" in done
    assert "đã hủy</strong> (Nhập nhầm)" in done


def test_the_database_refuses_a_void_order_without_its_reversal(programme):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    made = order(programme)
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrder.objects.filter(pk=made.pk).update(voided_at=timezone.now(), void_reason="tay")
