"""Repeat-submit keys are scoped to who sent them and where: another commune's officer who sends the same key to
their own event gets no one else's handover; a retry of one's own form always gets its first record, even when
the retry arrives after the phone is already marked handed over."""

from __future__ import annotations

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.allocation import selectors as allocation_selectors
from phocap.core.actors import SYSTEM
from phocap.handover import services
from phocap.handover.models import Handover
from tests.allocation.test_rounds import SONG_CAU, registry  # noqa: F401 - fixtures
from tests.handover.test_handover import _first, approved, event, give  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _api(user, username):
    _, token = api_token_create(actor=SYSTEM, user=user(username), name="t")
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})


def test_another_communes_key_does_not_return_its_handover(event, user, approved):  # noqa: F811
    mine = give(event, user, _first(event), key="demo-1-56")
    commune = approved.programme.communes.get(unit__code=SONG_CAU)
    theirs = services.event_create(
        actor=user("xa-songcau"),
        programme=approved.programme,
        commune=commune,
        held_on=event.held_on,
        place="UBND xã",
        organisers="",
    )
    reservation = allocation_selectors.expected(commune).first()
    body = {
        "reservation_id": reservation.pk,
        "id_number": "",
        "scanned": False,
        "imei": "000000000000000",
        "sim_activated": True,
        "confirmation": "signature",
        "key": "demo-1-56",
    }
    url = f"/api/v1/programmes/{approved.programme.code}/handover/events/{theirs.pk}/handovers"
    answer = _api(user, "xa-songcau").post(url, body, content_type="application/json")
    assert answer.status_code != 200, answer.content
    assert str(mine.device.imei) not in answer.content.decode()
    assert Handover.objects.count() == 1


def test_a_retry_after_the_first_send_landed_returns_the_first_record(event, user):  # noqa: F811
    reservation = _first(event)
    first = give(event, user, reservation, key="retry-1")
    again = give(event, user, reservation, key="retry-1")
    assert again.pk == first.pk
    # the same key at another actor is another request: the phone is gone, so it is a plain conflict
    from phocap.core.errors import Conflict

    with pytest.raises(Conflict):
        give(event, user, reservation, key="retry-1", actor=user("quanly"))


def test_a_retry_that_waited_behind_its_first_send_gets_it_not_409(event, user, monkeypatch):  # noqa: F811
    """The retry read no record before the first send committed, then found the phone handed over."""
    reservation = _first(event)
    real = Handover.objects.filter
    calls = {"n": 0}

    def not_yet(*args, **kwargs):  # the first look-up happens before the first send committed
        calls["n"] += 1
        return Handover.objects.none() if calls["n"] == 1 else real(*args, **kwargs)

    first = give(event, user, reservation, key="slow")
    monkeypatch.setattr(Handover.objects, "filter", not_yet)
    again = give(event, user, reservation, key="slow")
    assert again.pk == first.pk
