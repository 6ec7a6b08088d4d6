"""Background jobs finish or say why: a job whose worker was killed is shown failed with a Vietnamese reason and a
"Chạy lại" button (web), `POST /api/v1/jobs/{id}/retry` and `phocap job retry`; a stop signal marks the job; the
running job beats a heartbeat and reports progress on its own connection; the worker never runs under the
autoreloader."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from phocap.accounts.services import api_token_create
from phocap.core import jobs
from phocap.core.actors import SYSTEM
from phocap.core.models import BackgroundJob
from phocap.geo.tasks import geo_load_task


def _killed(user) -> BackgroundJob:
    """What `kill -9` of the worker leaves: a running job whose heartbeat stopped ten minutes ago."""
    job = jobs.job_start(actor=user("admin"), task=geo_load_task, kind="geo.load", label="Tải tỉnh 19", province="19")
    ten_minutes_ago = timezone.now() - dt.timedelta(minutes=10)
    BackgroundJob.objects.filter(pk=job.pk).update(
        status="running", started_at=ten_minutes_ago, heartbeat_at=ten_minutes_ago
    )
    return job


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_failed_with_a_reason_and_can_be_run_again_from_the_page(
    user, login, django_capture_on_commit_callbacks
):
    job = _killed(user)
    client = login("admin")
    page = client.get("/tasks/").content.decode()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "bị gián đoạn" in job.message
    assert "Chạy lại" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/tasks/{job.pk}/retry/")
    assert answer.status_code == 302
    again = BackgroundJob.objects.get(retry_of=job)
    assert again.status == "succeeded", again.message
    assert again.result["summaries"][0]["communes"] == 92
    assert "Chạy lại</button>" not in client.get("/tasks/").content.decode().split(job.label)[0]
    # once retried, the old job is not retried twice
    assert client.post(f"/tasks/{job.pk}/retry/", follow=True).content.decode().count("đã được chạy lại") == 1


@pytest.mark.django_db
def test_a_retry_through_the_api_and_the_cli_and_only_by_who_may_see_the_job(user, capsys):
    from phocap.cli import main

    job = _killed(user)
    _, token = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="t")
    outsider = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    assert outsider.post(f"/api/v1/jobs/{job.pk}/retry").status_code == 404
    _, token = api_token_create(actor=SYSTEM, user=user("admin"), name="t")
    admin = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    answer = admin.post(f"/api/v1/jobs/{job.pk}/retry")
    assert answer.status_code == 202, answer.content
    assert answer.json()["retry_of"] == job.pk
    assert admin.post(f"/api/v1/jobs/{job.pk}/retry").status_code == 409
    second = _killed(user)
    capsys.readouterr()
    assert main(["--as", "admin", "job", "retry", str(second.pk), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["retry_of"] == second.pk


@pytest.mark.django_db
def test_a_stop_signal_during_a_job_marks_it_stopped_not_running(user):
    job = jobs.job_start(actor=user("admin"), task=geo_load_task, kind="geo.load", label="x", province="19")

    def interrupted(progress):
        raise SystemExit(1)  # what db_worker's SIGTERM handler does to a running task

    with pytest.raises(SystemExit):
        jobs.job_run(job.pk, interrupted)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "dừng giữa chừng" in job.message


@pytest.mark.postgres  # a transactional test: on SQLite the append-only triggers refuse the flush between tests
@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_its_heartbeat(monkeypatch, seeded_admin):
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    job = BackgroundJob.objects.create(kind="x", label="x", actor_label="system")
    beats = []

    def slow(progress):
        for _ in range(6):
            time.sleep(0.1)
            beats.append(BackgroundJob.objects.get(pk=job.pk).heartbeat_at)
        return {}

    jobs.job_run(job.pk, slow)
    assert len({b for b in beats if b}) >= 3  # the beat moved while the work ran


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_work_is_inside_its_transaction(seeded_admin):
    """(PostgreSQL: on SQLite the work's transaction holds the only write lock, so progress waits for it.)"""
    job = BackgroundJob.objects.create(kind="x", label="x", actor_label="system")
    seen = []

    def look():
        try:
            for _ in range(50):
                row = BackgroundJob.objects.get(pk=job.pk)
                if row.progress_done:
                    seen.append((row.progress_done, row.progress_total))
                    return
                time.sleep(0.05)
        finally:
            connection.close()

    def body(progress):
        with transaction.atomic():
            BackgroundJob.objects.create(kind="inner", label="inner", actor_label="system")  # the work's write
            progress(3, 10, "Đang ghi")
            watcher = threading.Thread(target=look)
            watcher.start()
            watcher.join(5)
        return {}

    jobs.job_run(job.pk, body)
    assert seen == [(3, 10)]


@pytest.fixture
def seeded_admin(transactional_db):
    return SYSTEM


def test_the_worker_never_runs_under_the_autoreloader(monkeypatch):
    from phocap.config import cli

    called = []
    monkeypatch.setattr(cli, "call_command", lambda *a, **k: called.append(a))
    monkeypatch.setattr(cli, "jobs_mark_stale", lambda: 0)
    monkeypatch.setattr(cli.uploads, "purge_expired", lambda: 0)
    cli.cmd_worker(type("Args", (), {"batch": False})())
    assert called == [("db_worker", "--no-reload")]
