"""A follow-up that finds the phone broken, lost or sold leads to its next step (issue #15): on the checklist the
commune officer takes the phone back for repair or records the loss; through the API too. Both phones keep their
history and the person is counted once."""

import datetime as dt

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.devices.models import Device
from phocap.handover.models import Handover
from phocap.onboarding import services as onboarding
from phocap.registry.models import Resident
from tests.allocation.test_rounds import registry  # noqa: F401 - the fixture
from tests.handover.test_handover import _first, approved, event, give  # noqa: F401 - the fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(event, user):  # noqa: F811
    handover = give(event, user, _first(event))
    onboarding.followup_record(
        actor=user("xa-giaohieu"),
        programme=event.programme,
        resident_id=handover.resident_id,
        days=7,
        visited_on=dt.date(2023, 11, 17),
        outcome="broken",
    )
    return handover


def test_the_checklist_offers_the_next_step_and_takes_the_phone_back_for_repair(broken, login):
    officer = login("xa-giaohieu")
    url = f"/p/{broken.programme.code}/huong-dan/"
    page = officer.get(url).content.decode()
    section = page.split('id="buoc-tiep-theo"')[1].split("</section>")[0]
    assert broken.resident.full_name in section
    assert "Nhận lại máy để sửa" in section
    assert "Xã chưa có máy sẵn sàng để đổi" in section  # every phone of the commune is kept for someone
    assert 'id="buoc-tiep-theo"' not in login("to-cns").get(url).content.decode()  # the officer's step
    done = officer.post(
        url, {"action": "take_back", "handover": broken.pk, "reason": "Máy hỏng: nhận lại để sửa"}, follow=True
    )
    assert "Đã nhận lại máy để sửa" in done.content.decode()
    assert Handover.objects.get(pk=broken.pk).status == "returned"
    assert Device.objects.get(pk=broken.device_id).state == "needs_repair"
    assert 'id="buoc-tiep-theo"' not in officer.get(url).content.decode()  # nothing left to do


def test_a_lost_phone_is_recorded_through_the_api_and_the_person_lacks_one_again(broken, user):
    _, secret = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="xã")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/programmes/{broken.programme.code}/handovers/{broken.pk}/lost"
    assert api.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    answer = api.post(url, {"reason": "Bị mất khi đi nương", "on": "2023-11-17"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "lost"
    assert Device.objects.get(pk=broken.device_id).state == "lost"
    assert Resident.objects.get(pk=broken.resident_id).smartphone_status == "lacks"
    assert api.post(url, {"reason": "lại"}, content_type="application/json").status_code == 409
