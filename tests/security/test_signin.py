"""Signing in: throttled per account and per address (a Vietnamese 429 page), every sign-in, failure and lockout
audited; managers, fundraising officers and administrators enrol and use a TOTP second factor; everyone changes
their own password; API tokens expire."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from phocap.accounts.demo import DEMO_PASSWORD
from phocap.accounts.models import ApiToken
from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _sign_in(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def _unthrottle(device: TOTPDevice, **more: int) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None, **more
    )


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_then_fails():
    client = BrowserClient()
    answers = [_sign_in(client, "xa-giaohieu", f"sai-{i}").status_code for i in range(30)]
    assert answers[:7] == [200] * 7  # the form again, with its message
    assert set(answers[8:]) == {429}
    locked = _sign_in(client, "xa-giaohieu", DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "tạm bị khóa" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 8
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    assert "sai-" not in json.dumps([e.changes for e in AuditEvent.objects.all()])  # never a password


def test_one_address_trying_many_accounts_is_locked_too():
    client = BrowserClient()
    for i in range(8):
        _sign_in(client, f"khong-co-{i}", "x", REMOTE_ADDR="10.9.8.7")
    assert _sign_in(client, "xa-songcau", DEMO_PASSWORD, REMOTE_ADDR="10.9.8.7").status_code == 429
    assert _sign_in(BrowserClient(), "xa-songcau", DEMO_PASSWORD, REMOTE_ADDR="10.9.8.8").status_code == 302


def test_behind_a_proxy_the_client_address_is_the_one_the_proxy_saw(settings):
    settings.PHOCAP_PROXY_COUNT = 1
    for i in range(8):  # one attacker, through the province's proxy
        _sign_in(
            BrowserClient(), f"khong-co-{i}", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
        )
    same = _sign_in(
        BrowserClient(), "xa-songcau", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    other = _sign_in(
        BrowserClient(), "xa-songcau", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert (same.status_code, other.status_code) == (429, 302)  # the officer at another address still signs in


def test_a_commune_officer_signs_in_with_a_password_and_it_is_audited():
    client = BrowserClient()
    assert _sign_in(client, "xa-giaohieu", DEMO_PASSWORD).status_code == 302
    assert client.get("/p/bac-kan-2023/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor_label="xa-giaohieu").count() == 1


def test_a_manager_enrols_a_second_factor_then_needs_it_at_every_sign_in():
    client = BrowserClient()
    assert _sign_in(client, "quanly", DEMO_PASSWORD).status_code == 302
    first = client.get("/p/bac-kan-2023/")
    assert first.status_code == 302
    assert first["Location"].startswith("/accounts/2fa/enrol/")
    page = client.get(first["Location"]).content.decode()
    assert "<svg" in page
    assert "Bật xác thực hai lớp" in page
    device = TOTPDevice.objects.get(user__username="quanly", confirmed=False)
    assert client.post("/accounts/2fa/enrol/", {"code": "000000", "next": "/p/bac-kan-2023/"}).status_code == 200
    _unthrottle(device)  # a wrong code makes the next try wait a second (django-otp's throttling)
    enrolled = client.post("/accounts/2fa/enrol/", {"code": _code(device), "next": "/p/bac-kan-2023/"})
    assert enrolled["Location"] == "/p/bac-kan-2023/"
    assert client.get("/p/bac-kan-2023/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_enrol").count() == 1
    # the next sign-in asks for the code
    client.post("/accounts/logout/")
    _sign_in(client, "quanly", DEMO_PASSWORD)
    asked = client.get("/p/bac-kan-2023/quyen-gop/")
    assert asked["Location"].startswith("/accounts/2fa/?next=")
    # and an API call on that session is refused until it is given
    assert client.get("/api/v1/programmes/bac-kan-2023").json()["code"] == "second_factor_required"
    assert "Mã không đúng" in client.post("/accounts/2fa/", {"code": "123456"}).content.decode()
    _unthrottle(device, last_t=-1)  # (and the code of this half-minute was used at enrolment: never twice)
    done = client.post("/accounts/2fa/", {"code": _code(device), "next": "https://evil.example/"})
    assert done["Location"] == "/"  # never sent off-site
    assert client.get("/api/v1/programmes/bac-kan-2023").status_code == 200


def test_a_lost_phone_is_reset_by_an_administrator(user, capsys):
    from phocap.cli import main

    TOTPDevice.objects.create(user=user("mttq"), name="x", confirmed=True)
    assert main(["user", "reset-2fa", "mttq", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["devices_removed"] == 1
    assert not TOTPDevice.objects.filter(user__username="mttq").exists()


def test_everyone_changes_their_own_password(user):
    client = BrowserClient()
    _sign_in(client, "xa-giaohieu", DEMO_PASSWORD)
    page = client.get("/accounts/password/").content.decode()
    assert "Đổi mật khẩu" in page
    new = "một mật khẩu mới rất dài 2026"
    answer = client.post(
        "/accounts/password/", {"old_password": DEMO_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert answer.status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_change", actor_label="xa-giaohieu").count() == 1
    assert _sign_in(BrowserClient(), "xa-giaohieu", DEMO_PASSWORD).status_code == 200  # refused
    assert _sign_in(BrowserClient(), "xa-giaohieu", new).status_code == 302


def test_api_tokens_expire_after_a_year_or_on_the_day_given(user, capsys):
    from phocap.cli import main

    token, secret = api_token_create(actor=SYSTEM, user=user("vnpt"), name="t")
    assert (token.expires_at - timezone.now()).days in (364, 365)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/programmes").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.get("/api/v1/programmes").status_code == 401
    day = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert main(["token", "create", "--user", "vnpt", "--name", "đối soát", "--expires", day, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["expires"] == day
    assert main(["token", "create", "--user", "vnpt", "--name", "x", "--expires", "2020-01-01", "--json"]) != 0
