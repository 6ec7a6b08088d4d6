"""Uploaded lists are kept encrypted under a random token, for their uploader only, audited when their problems
workbook is read, and not kept longer than the work needs; a large list sent to the API is written by the worker
(202 and the job), like a large statement."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent, BackgroundJob, KeptFile
from phocap.registry import services
from phocap.registry.importing import kept
from phocap.registry.models import Resident
from phocap.registry.samples import messy_list_xlsx

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023/danh-sach"
NUMBER = b"006070012345"  # a full identity number in the sample list


@pytest.fixture(autouse=True)
def folder(settings, tmp_path):
    settings.PHOCAP_UPLOAD_DIR = tmp_path / "uploads"
    return settings.PHOCAP_UPLOAD_DIR


def _check(client) -> str:
    page = client.post(
        f"{P}/nhap/",
        {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx()), "commune": "01870", "smartphone_status": "lacks"},
    ).content.decode()
    return page.split('name="confirm" value="')[1].split('"')[0]


def test_a_kept_list_is_encrypted_private_to_the_service_and_named_by_a_random_token(login, folder):
    token = _check(login("xa-giaohieu"))
    files = list(folder.iterdir())
    assert [f.name for f in files] == [f"{token}.enc"]
    digest = hashlib.sha256(messy_list_xlsx()).hexdigest()
    assert digest not in token
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    raw = files[0].read_bytes()
    assert NUMBER not in raw
    assert b"PK\x03\x04" not in raw  # not the XLSX itself
    stored = " ".join(str(e.changes) + str(e.object_repr) for e in AuditEvent.objects.all())
    assert digest not in stored
    assert token not in stored


def test_only_the_uploader_fetches_the_problems_workbook_and_every_download_is_audited(login, user):
    token = _check(login("xa-giaohieu"))
    url = f"{P}/nhap/{token}/kiem-tra.xlsx?xa=01870&dt=lacks"
    assert login("xa-songcau").get(url).status_code == 404
    assert login("quanly").get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert not AuditEvent.objects.filter(action="registry.problems").exists()
    assert login("xa-giaohieu").get(url).status_code == 200
    event = AuditEvent.objects.get(action="registry.problems")
    assert event.actor_label == "xa-giaohieu"
    assert event.object_repr.startswith("Tệp tải lên #")


def test_a_written_list_leaves_nothing_behind_unless_rows_need_fixing(login, folder, user, programme):
    client = login("xa-giaohieu")
    token = _check(client)
    client.post(f"{P}/nhap/", {"confirm": token, "commune": "01870", "smartphone_status": "lacks"})
    # the sample has refused rows: the file stays (encrypted) so that their workbook can still be fetched …
    assert client.get(f"{P}/nhap/{token}/kiem-tra.xlsx?xa=01870&dt=lacks").status_code == 200
    # … until a person of the commune is erased, or the retention period ends
    person = Resident.objects.filter(commune__unit__code="01870").first()
    services.resident_erase(actor=user("xa-giaohieu"), resident=person, reason="Yêu cầu của người dân")
    assert list(folder.iterdir()) == []
    assert not KeptFile.objects.exists()
    again = _check(client)
    KeptFile.objects.filter(token=again).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert client.get(f"{P}/nhap/{again}/kiem-tra.xlsx").status_code == 404
    _check(client)  # a new upload purges what has expired
    assert not KeptFile.objects.filter(token=again).exists()
    assert len(list(folder.iterdir())) == 1


def test_a_large_list_sent_to_the_api_is_written_by_the_worker(user, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(kept, "BACKGROUND_BYTES", 100)
    _, token = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="t")
    api = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            "/api/v1/programmes/bac-kan-2023/residents/import?commune=01870&smartphone_status=lacks",
            {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx())},
        )
    assert answer.status_code == 202, answer.content
    job = BackgroundJob.objects.get(pk=answer.json()["job_id"])
    assert job.status == "succeeded", job.message
    assert job.result["created"] == Resident.objects.filter(commune__unit__code="01870").count() > 0
    assert not KeptFile.objects.exists() or job.result["rejected"]
