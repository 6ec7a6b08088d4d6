"""Amounts as people type them (issue #16): read the same way by the forms, the API and the console; "5.000.000"
is five million, never five đồng; a small amount is saved only once confirmed."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.amounts import MAX_AMOUNT, read_amount, read_price
from phocap.core.errors import ValidationFailed
from phocap.core.money import format_vnd
from phocap.fundraising.models import Pledge

READ = {
    "5000000": 5_000_000,
    "5.000.000": 5_000_000,
    "5,000,000": 5_000_000,
    "5 000 000": 5_000_000,
    "5\u00a0000\u00a0000": 5_000_000,
    "5 triệu": 5_000_000,
    "5 TRIỆU": 5_000_000,
    "5tr": 5_000_000,
    "2,5 triệu": 2_500_000,
    "2.5tr": 2_500_000,
    "500k": 500_000,
    "500 nghìn": 500_000,
    "1 tỷ 200 triệu": 1_200_000_000,
    "1.500 triệu": 1_500_000_000,
    "5.000.000 đ": 5_000_000,
    "5.000.000₫": 5_000_000,
    "3.000.000 VND": 3_000_000,
    " 700.000.000 đồng ": 700_000_000,
}
REFUSED = ["abc", "5.00.000", "1.5", "5,5", "-5000000", "0", "5 triệu 500", "", "1e6", "5 000.000", "1,2345678 triệu"]


@pytest.mark.parametrize(("typed", "amount"), READ.items())
def test_the_forms_people_type_are_read(typed, amount):
    assert read_amount(typed) == amount


@pytest.mark.parametrize("typed", REFUSED)
def test_anything_else_is_refused_with_a_vietnamese_reason(typed):
    with pytest.raises(ValidationFailed) as refused:
        read_amount(typed, field="amount")
    assert refused.value.field == "amount"
    assert "Số tiền" in refused.value.message or "Cần ghi" in refused.value.message


def test_a_small_amount_is_refused_until_confirmed_and_a_price_never_small():
    with pytest.raises(ValidationFailed) as small:
        read_amount("5.000")
    assert small.value.code == "small_amount"
    assert "Năm nghìn đồng" in small.value.message
    assert read_amount("5.000", small_ok=True) == 5000
    with pytest.raises(ValidationFailed, match="không phải giá một chiếc điện thoại"):
        read_price("5.000")
    with pytest.raises(ValidationFailed, match="quá lớn"):
        read_amount(str(MAX_AMOUNT + 1))


@given(st.integers(min_value=10_000, max_value=MAX_AMOUNT))
def test_what_the_page_shows_reads_back_as_the_same_amount(amount):
    shown = format_vnd(amount).removesuffix(" ₫")
    assert read_amount(shown) == amount
    assert read_amount(shown.replace(".", ",")) == amount
    assert read_amount(shown.replace(".", " ")) == amount


@pytest.mark.django_db
def test_the_public_reader_says_figures_and_words(client):
    answer = client.get("/api/v1/public/amount", {"text": "2,5 triệu"})
    assert answer.json() == {
        "amount": 2_500_000,
        "figures": "2.500.000 ₫",
        "words": "Hai triệu năm trăm nghìn đồng",
        "small": False,
    }
    bad = client.get("/api/v1/public/amount", {"text": "năm củ"})
    assert bad.status_code == 422
    assert "không đọc được" in bad.json()["title"]


@pytest.mark.django_db
def test_the_pledge_form_reads_dots_as_thousands_and_asks_before_a_small_amount(login):
    client = login("mttq")
    url = "/p/bac-kan-2023/quyen-gop/cam-ket/"
    form = {"donor_kind": "enterprise", "donor_name": "Công ty Gõ Dấu Chấm", "publish_name": "on"}
    client.post(url, {**form, "amount": "5.000.000"})
    assert Pledge.objects.get(donor__name="Công ty Gõ Dấu Chấm").amount == 5_000_000
    small = client.post(url, {**form, "donor_name": "Công ty Gõ Thiếu", "amount": "5.000"}).content.decode()
    assert "Số tiền nhỏ: 5.000 ₫ (Năm nghìn đồng)" in small
    assert 'type="checkbox" name="confirm_small"' in small
    assert not Pledge.objects.filter(donor__name="Công ty Gõ Thiếu").exists()
    client.post(url, {**form, "donor_name": "Công ty Gõ Thiếu", "amount": "5.000", "confirm_small": "on"})
    assert Pledge.objects.get(donor__name="Công ty Gõ Thiếu").amount == 5000
    page = client.get(url).content.decode()
    assert "data-amount" in page
    assert 'type="hidden" name="confirm_small"' in page  # no box until it is needed


@pytest.mark.django_db
def test_the_api_takes_typed_amounts_with_a_bearer_token(user):
    _, secret = api_token_create(actor=SYSTEM, user=user("mttq"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = "/api/v1/programmes/bac-kan-2023/pledges"
    base = {"donor_kind": "enterprise", "donor_name": "Công ty Qua API"}

    def send(body):
        return api.post(url, json.dumps(body), content_type="application/json")

    assert send({**base, "amount": "7 triệu"}).json()["amount"] == 7_000_000
    assert send({**base, "donor_name": "Công ty Số", "amount": 3_000_000}).json()["amount"] == 3_000_000
    small = send({**base, "donor_name": "Công ty Nhỏ", "amount": "5.000"})
    assert small.status_code == 422
    assert small.json()["code"] == "small_amount"
    assert send({**base, "donor_name": "Công ty Nhỏ", "amount": "5.000", "confirm_small": True}).status_code == 201
    assert send({**base, "donor_name": "Công ty Sai", "amount": "năm triệu"}).status_code == 422
