"""Donors explicit (issue #16): a tax code, phone or e-mail that is a known donor's under another name is asked
about — the form shows that donor, the API answers 409 with it, the console names it — never switched silently."""

import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.fundraising import services
from phocap.fundraising.models import Donor, Pledge

pytestmark = pytest.mark.django_db
TAX = "0100109106"
API = "/api/v1/programmes/bac-kan-2023/pledges"


@pytest.fixture
def known(programme):
    return services.donor_create(
        actor=SYSTEM, programme=programme, kind="enterprise", name="Công ty Sao Mai", tax_code=TAX
    )


def pledge(programme, name, **kw):
    return services.pledge_create(
        actor=SYSTEM,
        programme=programme,
        donor=services.DonorInput(kind=kw.pop("kind", "enterprise"), name=name, **kw),
        amount=5_000_000,
    )


def test_a_known_tax_code_under_another_name_is_asked_about(programme, known):
    before = Pledge.objects.count()
    with pytest.raises(services.DonorMismatch) as asked:
        pledge(programme, "Công ty Sao Hôm", tax_code=TAX)
    assert asked.value.data == {
        "candidate": {"id": known.pk, "name": "Công ty Sao Mai", "kind": "enterprise"},
        "new_allowed": False,
    }
    assert "Công ty Sao Mai" in asked.value.message
    assert Pledge.objects.count() == before  # nothing written
    assert pledge(programme, "Công ty Sao Hôm", tax_code=TAX, same_as=known.pk).donor_id == known.pk
    assert pledge(programme, "CÔNG TY  SAO MAI", tax_code=TAX).donor_id == known.pk  # the same name, typed otherwise
    with pytest.raises(services.DonorMismatch):
        pledge(programme, "Công ty Sao Hôm", tax_code=TAX, same_as=services.NEW_DONOR)  # a tax code is one donor's


def test_a_known_phone_under_another_name_is_asked_and_a_new_donor_can_be_chosen(programme):
    first = pledge(programme, "Nguyễn Văn An", kind="individual", contact_phone="0912000111").donor
    with pytest.raises(services.DonorMismatch) as asked:
        pledge(programme, "Trần Thị Bình", kind="individual", contact_phone="0912000111")
    assert asked.value.data["new_allowed"] is True
    again = pledge(programme, "Nguyễn Văn An", kind="individual", contact_phone="0912000111")
    assert again.donor_id == first.pk  # the same person, by name and phone
    other = pledge(
        programme, "Trần Thị Bình", kind="individual", contact_phone="0912000111", same_as=services.NEW_DONOR
    )
    assert other.donor_id != first.pk
    assert Donor.objects.filter(name="Trần Thị Bình").count() == 1


def test_the_api_answers_409_with_the_known_donor(programme, known, user):
    _, secret = api_token_create(actor=SYSTEM, user=user("mttq"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"donor_kind": "enterprise", "donor_name": "Công ty Sao Hôm", "tax_code": TAX, "amount": "5.000.000"}
    asked = api.post(API, json.dumps(body), content_type="application/json")
    assert asked.status_code == 409
    problem = asked.json()
    assert problem["code"] == "donor_mismatch"
    assert problem["candidate"]["id"] == known.pk
    answered = api.post(API, json.dumps({**body, "same_as": known.pk}), content_type="application/json")
    assert answered.status_code == 201, answered.content
    assert Pledge.objects.get(reference=answered.json()["reference"]).donor_id == known.pk


def test_the_pledge_form_shows_the_known_donor_and_asks(login, known):
    client = login("mttq")
    url = "/p/bac-kan-2023/quyen-gop/cam-ket/"
    form = {"donor_kind": "enterprise", "donor_name": "Công ty Sao Hôm", "tax_code": TAX, "amount": "5.000.000"}
    page = client.post(url, form).content.decode()
    assert "đã là của nhà tài trợ «Công ty Sao Mai»" in page
    assert f'type="radio" name="same_as" value="{known.pk}"' in page
    assert "Đúng: ghi cho nhà tài trợ đã có «Công ty Sao Mai»" in page
    assert "đây là nhà tài trợ mới" not in page  # not with the same tax code
    assert not Pledge.objects.filter(donor=known).exists()
    client.post(url, {**form, "same_as": known.pk})
    assert Pledge.objects.filter(donor=known, amount=5_000_000).count() == 1
