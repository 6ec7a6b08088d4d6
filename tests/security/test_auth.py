"""API authentication as the world calls it: a partner's script sends a bearer token and never meets CSRF; a
browser session always does. Every client here enforces CSRF checks as a real browser session meets them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.fundraising.models import Pledge
from tests.conftest import verify_second_factor

pytestmark = pytest.mark.django_db
API = "/api/v1/programmes/bac-kan-2023"
PLEDGE = {"donor_kind": "enterprise", "donor_name": "Công ty Đối Tác Ghi", "amount": 5_000_000}


def _post(client: Client, **headers: str) -> object:
    return client.post(f"{API}/pledges", json.dumps(PLEDGE), content_type="application/json", headers=headers)


@pytest.fixture
def secret(user) -> str:
    return api_token_create(actor=SYSTEM, user=user("mttq"), name="VNPost")[1]


def test_a_partner_writes_with_its_bearer_token_and_no_csrf(secret):
    response = _post(Client(enforce_csrf_checks=True), Authorization=f"Bearer {secret}")
    assert response.status_code == 201, response.content
    assert Pledge.objects.filter(donor__name=PLEDGE["donor_name"]).count() == 1


def test_a_bearer_token_wins_over_a_session_cookie_without_csrf(secret, user):
    """A script run from a signed-in machine still writes with its token (the token's user acts)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("quanly"))
    verify_second_factor(client, user("quanly"))
    response = _post(client, Authorization=f"Bearer {secret}")
    assert response.status_code == 201, response.content
    assert AuditEvent.objects.filter(action="pledge.create").latest("pk").actor_label == "mttq"


def test_a_session_write_without_the_csrf_token_is_refused_as_a_problem(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("mttq"))
    verify_second_factor(client, user("mttq"))
    response = _post(client)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "csrf_failed"
    assert not Pledge.objects.filter(donor__name=PLEDGE["donor_name"]).exists()


def test_a_session_write_with_the_pages_csrf_token_goes_through(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("mttq"))
    verify_second_factor(client, user("mttq"))
    assert client.get("/", follow=True).status_code == 200  # the page a browser opened first hands out the token
    response = _post(client, **{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 201, response.content


def test_an_anonymous_write_is_told_to_sign_in_not_about_csrf():
    response = _post(Client(enforce_csrf_checks=True))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_wrong_bearer_token_is_unauthenticated_even_beside_a_session(user):
    """A bad token is not quietly replaced by the browser's session: the caller meant the token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("mttq"))
    verify_second_factor(client, user("mttq"))
    client.get("/", follow=True)
    response = _post(client, Authorization="Bearer not-a-token", **{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 401


def test_reads_work_both_ways(secret, user):
    partner = Client(enforce_csrf_checks=True)
    assert partner.get(f"{API}/pledges", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    session = Client(enforce_csrf_checks=True)
    session.force_login(user("mttq"))
    verify_second_factor(session, user("mttq"))
    assert session.get(f"{API}/pledges").status_code == 200
