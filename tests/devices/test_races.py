"""Concurrent spending and receiving on PostgreSQL."""

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict
from phocap.devices import services
from phocap.devices.models import Device
from phocap.fundraising.selectors import funds_available
from tests.devices.test_devices import imeis
from tests.programmes.test_races import run_together, seeded  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_purchases_at_once_cannot_spend_the_same_money(seeded):  # noqa: F811
    programme = seeded
    model = services.phone_model_create(actor=SYSTEM, programme=programme, name="Samsung Galaxy A05")
    available = funds_available(programme).general
    price = 1_000_000
    each = available // price // 2 + 1  # each order alone fits; both together do not

    def buy():
        return services.purchase_order_create(
            actor=SYSTEM, programme=programme, phone_model=model, quantity=each, unit_price=price, supplier_name="x"
        )

    outcomes = run_together(buy, buy)
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    assert funds_available(programme).general >= 0


def test_the_same_imei_received_twice_at_once_is_stored_once(seeded):  # noqa: F811
    programme = seeded
    model = services.phone_model_create(actor=SYSTEM, programme=programme, name="Samsung Galaxy A05")
    order = services.purchase_order_create(
        actor=SYSTEM, programme=programme, phone_model=model, quantity=2, unit_price=1_000_000, supplier_name="x"
    )
    number = imeis(1, 40_000_000_000_000)

    def receive():
        return services.device_receive(
            actor=SYSTEM, programme=programme, phone_model=model, imeis=number, purchase_order=order
        )

    outcomes = run_together(receive, receive)
    assert Device.objects.filter(imei=number[0]).count() == 1
    received = [o for o in outcomes if not isinstance(o, Exception)]
    assert sum(len(o.received) for o in received) == 1
