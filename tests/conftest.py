"""Shared fixtures. The Bắc Kạn 2023 programme and its demo users are built once per test session through the
real services (`programme_init`, `demo_users_create`), as `phocap init --demo` does; each test runs in a
transaction rolled back at its end."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from phocap.core.actors import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROGRAMME = "bac-kan-2023"
SONG_CAU, GIAO_HIEU = "01837", "01870"
PILOT_CODES = ["01837", "01870", "01912", "01951", "02017", "02071", "02122", "02173"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests (races, database-level behaviour) are deselected on SQLite, and the few SQLite-only
    ones (counting its virtual machine's steps) on PostgreSQL: deselected, not skipped."""
    from django.conf import settings

    other = "sqlite" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "postgres"
    keep = [i for i in items if other not in i.keywords]
    dropped = [i for i in items if other in i.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from phocap.accounts.demo import demo_users_create
    from phocap.fundraising.demo import demo_fundraising_create
    from phocap.programmes.services import programme_init

    with django_db_blocker.unblock():
        programme = programme_init(actor=SYSTEM, name_or_path=PROGRAMME)
        demo_users_create(actor=SYSTEM, programme=programme)
        demo_fundraising_create(actor=SYSTEM, programme=programme)


@pytest.fixture
def programme(db: None) -> Any:
    from phocap.programmes.models import Programme

    return Programme.objects.get(code=PROGRAMME)


@pytest.fixture
def user(db: None) -> Callable[[str], Any]:
    from phocap.accounts.models import User

    return lambda username: User.objects.get(username=username)


class BrowserClient(Client):
    """What a signed-in browser is to the server: CSRF checks enforced, and every unsafe request carrying the token
    the pages hand out (the forms' hidden field, htmx's header), taken from the cookie a page set — opening the
    home page first, as a person would, when no page was opened yet. A test that means to forget the token says
    so with `csrf=False`."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def generic(self, method: str, path: str, *args: Any, csrf: bool = True, **extra: Any) -> Any:
        named = "HTTP_X_CSRFTOKEN" in extra or "X-CSRFToken" in (extra.get("headers") or {})
        if method.upper() not in self.SAFE and csrf and not named:
            if "csrftoken" not in self.cookies:
                self.get("/", follow=True)
            extra["HTTP_X_CSRFTOKEN"] = self.cookies["csrftoken"].value
        return super().generic(method, path, *args, **extra)


def verify_second_factor(client: Client, user: Any) -> None:
    """What typing the authenticator's code does (`django_otp.login`), for a user who must use one: a confirmed
    device, and this session verified with it. The second factor itself is tested in tests/security/."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from phocap.accounts.signin import needs_second_factor

    if not needs_second_factor(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def login(db: None) -> Callable[[str], Client]:
    """A browser-like client signed in as a demo user (see `BrowserClient`)."""
    from phocap.accounts.models import User

    def make(username: str) -> Client:
        client = BrowserClient()
        user = User.objects.get(username=username)
        client.force_login(user)
        verify_second_factor(client, user)
        return client

    return make


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real `phocap` console script in a subprocess against a database of its own."""

    def run(
        *args: str,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        check: bool = False,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "PHOCAP_DATA_DIR": str(tmp_path), **(env or {})}
        if database_url:
            full_env["DATABASE_URL"] = database_url
        full_env.pop("DJANGO_SETTINGS_MODULE", None)
        phocap = Path(sys.executable).with_name("phocap")
        return subprocess.run(
            [str(phocap), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            check=check,
            timeout=300,
        )

    return run


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction rolled back at the end, inside which services still run — what Django's TestCase does for
    each test (its transaction is marked as the test case's, which a service's durable transaction may nest in):
    for property tests whose every example must start from the same database."""
    from django.db import transaction

    block = transaction.atomic()
    block._from_testcase = True
    with block:
        yield
        transaction.set_rollback(True)
