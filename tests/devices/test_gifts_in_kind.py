"""Phones received from a donor are their gift in kind (issue #15): valued at the model's reference price (or the
value typed), fulfilling the donor's phone pledge, on the ledger's in-kind account — and never counted twice when
the gift was recorded on the in-kind form before the phones came. Through the service, the API with a bearer
token and the phones page (the CLI: tests/devices/test_devices.py)."""

import datetime as dt

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.errors import PermissionDenied, ValidationFailed
from phocap.devices import services
from phocap.devices.models import Device
from phocap.fundraising import selectors as fundraising
from phocap.fundraising import services as gifts
from phocap.fundraising.models import Donation, JournalLine
from tests.devices.test_devices import imeis

pytestmark = pytest.mark.django_db
DAY = dt.date(2023, 10, 20)  # inside the campaign
P = "/api/v1/programmes/bac-kan-2023"


@pytest.fixture
def pledge(programme):
    return gifts.pledge_create(
        actor=SYSTEM,
        programme=programme,
        donor=gifts.DonorInput(kind="enterprise", name="Công ty Điện tử Thử", tax_code="0100109106"),
        phones=10,
    )


@pytest.fixture
def model(programme):
    return services.phone_model_create(actor=SYSTEM, programme=programme, name="Nokia C32", price=2_000_000)


def status(pledge):
    row = next(r for r in fundraising.pledge_rows(actor=SYSTEM, programme=pledge.programme) if r.pledge == pledge)
    return row.status, row.received


def in_kind_total(programme):
    return sum(
        line.amount
        for line in JournalLine.objects.filter(account__programme=programme, account__code="in_kind").only("amount")
    )


def receive(programme, model, pledge, numbers, **terms):
    return services.device_receive(
        actor=SYSTEM,
        programme=programme,
        phone_model=model,
        imeis=numbers,
        donor=pledge.donor,
        gift=services.GiftTerms(**{"received_on": DAY, **terms}),
    )


def test_receiving_a_donors_phones_fulfils_their_pledge_at_the_reference_price(programme, model, pledge):
    before = in_kind_total(programme)
    first = receive(programme, model, pledge, imeis(6, 51_000_000_000_000))
    assert [(g.phones, g.amount, g.pledge_id, g.channel) for g in first.gifts] == [
        (6, 12_000_000, pledge.pk, "in_kind")
    ]
    assert status(pledge) == ("partly_received", 6)
    assert {d.donation_id for d in first.received} == {first.gifts[0].pk}
    assert in_kind_total(programme) - before == 12_000_000

    second = receive(programme, model, pledge, imeis(5, 52_000_000_000_000))
    assert [(g.phones, g.pledge_id) for g in second.gifts] == [(4, pledge.pk), (1, None)]  # one more than promised
    assert status(pledge) == ("fulfilled", 10)
    assert Device.objects.filter(pledge=pledge).count() == 10
    assert in_kind_total(programme) - before == 22_000_000
    assert second.as_dict()["gifts"][1] == {
        "donation": second.gifts[1].pk,
        "phones": 1,
        "amount": 2_000_000,
        "pledge": None,
    }


def test_phones_completing_a_gift_recorded_on_the_form_are_not_counted_twice(programme, model, pledge):
    form = gifts.donation_record(
        actor=SYSTEM,
        programme=programme,
        channel="in_kind",
        amount=25_000_000,
        phones=10,
        received_on=DAY,
        pledge=pledge,
        phone_model="Nokia C32",
    )
    before = in_kind_total(programme)
    done = receive(programme, model, pledge, imeis(12, 53_000_000_000_000))
    assert [(g.pk == form.pk, g.phones) for g in done.gifts] == [(True, 10), (False, 2)]
    assert in_kind_total(programme) - before == 4_000_000  # only the two the form did not record
    assert status(pledge) == ("fulfilled", 10)
    assert Device.objects.filter(donation=form).count() == 10


def test_a_model_without_a_price_needs_the_value_typed_and_nothing_is_half_written(programme, pledge):
    bare = services.phone_model_create(actor=SYSTEM, programme=programme, name="Máy cũ không rõ giá")
    numbers = imeis(3, 54_000_000_000_000)
    with pytest.raises(ValidationFailed, match="chưa có giá tham khảo") as refused:
        receive(programme, bare, pledge, numbers)
    assert refused.value.field == "unit_value"
    assert not Device.objects.filter(imei__in=numbers).exists()
    assert not Donation.objects.filter(donor=pledge.donor).exists()
    valued = receive(programme, bare, pledge, numbers, unit_value=800_000)
    assert valued.gifts[0].amount == 2_400_000


def test_outside_the_campaign_a_gift_in_kind_needs_the_managers_reason(programme, model, pledge, user):
    late = dt.date(2024, 3, 1)
    numbers = imeis(2, 55_000_000_000_000)
    with pytest.raises(ValidationFailed, match="ngoài thời gian vận động"):
        receive(programme, model, pledge, numbers, received_on=late)
    officer = user("xa-giaohieu")
    giao_hieu = programme.communes.get(unit__code="01870")
    with pytest.raises(PermissionDenied):
        services.device_receive(
            actor=officer,
            programme=programme,
            phone_model=model,
            imeis=numbers,
            donor=pledge.donor,
            location=giao_hieu,
            gift=services.GiftTerms(late, None, "Công ty giao muộn"),
        )
    done = receive(programme, model, pledge, numbers, received_on=late, override_reason="Công ty giao muộn")
    assert done.gifts[0].outside_period_reason == "Công ty giao muộn"


def test_a_commune_officer_receiving_donated_phones_at_the_commune_records_the_gift(programme, model, pledge, user):
    officer = user("xa-giaohieu")
    giao_hieu = programme.communes.get(unit__code="01870")
    done = services.device_receive(
        actor=officer,
        programme=programme,
        phone_model=model,
        imeis=imeis(2, 56_000_000_000_000),
        donor=pledge.donor,
        location=giao_hieu,
        gift=services.GiftTerms(DAY),
    )
    assert done.gifts[0].amount == 4_000_000
    assert done.gifts[0].earmark is None  # the pledge's earmark (none here), not where the phones came in
    assert status(pledge) == ("partly_received", 2)


def test_the_api_with_a_bearer_token_receives_donated_phones_as_their_gift(programme, model, pledge, user):
    _, secret = api_token_create(actor=SYSTEM, user=user("quanly"), name="kho")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = api.post(
        f"{P}/devices/receive",
        {
            "model": "Nokia C32",
            "imeis": imeis(3, 57_000_000_000_000),
            "donor_id": pledge.donor_id,
            "received_on": "2023-10-21",
            "unit_value": 1_500_000,
        },
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["received"] == 3
    assert body["gifts"] == [
        {"donation": body["gifts"][0]["donation"], "phones": 3, "amount": 4_500_000, "pledge": pledge.reference}
    ]
    pledges = api.get(f"{P}/pledges").json()
    mine = next(p for p in pledges if p["reference"] == pledge.reference)
    assert mine["status"] == "partly_received"
    bad = api.post(
        f"{P}/devices/receive",
        {"model": "Nokia C32", "imeis": imeis(1, 58_000_000_000_000), "donor_id": pledge.donor_id, "unit_value": 0},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_the_phones_page_says_what_gift_the_phones_made(login, programme, model, pledge):
    client = login("quanly")
    page = client.get("/p/bac-kan-2023/may/").content.decode()
    assert f'value="donor-{pledge.donor_id}"' in page
    assert "Nokia C32 · 2.000.000 ₫" in page
    done = client.post(
        "/p/bac-kan-2023/may/",
        {
            "model": model.pk,
            "source": f"donor-{pledge.donor_id}",
            "imeis": "\n".join(imeis(2, 60_000_000_000_000)),
            "received_on": "2023-10-23",
            "unit_value": "2.500.000",
        },
        follow=True,
    ).content.decode()
    assert "Đã nhận 2 máy." in done
    assert "Đã ghi nhận ủng hộ hiện vật" in done
    assert "2 máy, 5.000.000 ₫" in done


def test_the_manager_sets_a_models_reference_price_on_the_phones_page(login, programme):
    bare = services.phone_model_create(actor=SYSTEM, programme=programme, name="Itel A70")
    client = login("quanly")
    done = client.post(
        "/p/bac-kan-2023/may/", {"action": "price", "model": bare.pk, "price": "1.650.000"}, follow=True
    ).content.decode()
    assert "Giá tham khảo của Itel A70: 1.650.000 ₫." in done
    bare.refresh_from_db()
    assert bare.price == 1_650_000
    refused = client.post("/p/bac-kan-2023/may/", {"action": "price", "model": bare.pk, "price": "0"}, follow=True)
    assert "lớn hơn 0" in refused.content.decode()
    officer = login("xa-giaohieu")
    officer.post("/p/bac-kan-2023/may/", {"action": "price", "model": bare.pk, "price": "1"})
    bare.refresh_from_db()
    assert bare.price == 1_650_000  # a commune officer's phones page has the checks form only
