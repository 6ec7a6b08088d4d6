"""Settings, production mode, the console script and background jobs, as an operator meets them."""

import json
import secrets

import pytest
from django.conf import settings
from django.db import connection

from phocap.core.models import BackgroundJob
from phocap.core.money import format_vnd
from tests.conftest import PILOT_CODES, PROGRAMME

REAL_SECRETS = {
    "PHOCAP_ENV": "production",
    "PHOCAP_SECRET_KEY": secrets.token_urlsafe(64),
    "PHOCAP_FIELD_KEYS": secrets.token_urlsafe(32),
    "PHOCAP_HMAC_KEY": secrets.token_urlsafe(32),
    "PHOCAP_ALLOWED_HOSTS": "phocap.example.org",
}


def test_fresh_sqlite_file_init_then_show_lists_the_eight_pilot_communes(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'new.sqlite3'}"
    init = cli("init", "--programme", PROGRAMME, database_url=url)
    assert init.returncode == 0, init.stderr
    shown = cli("programme", "show", PROGRAMME, "--json", database_url=url)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert [c["code"] for c in data["communes"]] == PILOT_CODES
    first = data["communes"][0]
    assert set(first) >= {
        "code",
        "name",
        "district_code",
        "district_name",
        "adult_population",
        "baseline_without_smartphone",
        "target_percent",
        "department",
        "enterprises",
    }
    assert (first["name"], first["district_name"]) == ("Phường Sông Cầu", "Thành Phố Bắc Kạn")


def test_cli_errors_are_one_line_on_stderr_with_a_non_zero_exit(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    missing = cli("init", "--programme", "khong-co-chuong-trinh", database_url=url)
    assert missing.returncode == 2
    assert missing.stderr.startswith("phocap: Không tìm thấy tệp định nghĩa")
    assert len(missing.stderr.strip().splitlines()) == 1
    assert missing.stdout == ""


def test_production_refuses_to_start_with_development_secrets(cli, tmp_path):
    result = cli(
        "manage",
        "check",
        env={"PHOCAP_ENV": "production"},
        database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    assert result.returncode == 2
    assert "PHOCAP_SECRET_KEY" in result.stderr
    assert "PHOCAP_FIELD_KEYS" in result.stderr


def test_production_with_real_secrets_passes_the_deploy_check(cli, tmp_path):
    result = cli(
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=REAL_SECRETS,
        database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_sqlite_file_database_is_in_wal_mode(cli, tmp_path):
    import sqlite3

    db = tmp_path / "wal.sqlite3"
    assert cli("manage", "migrate", "--noinput", database_url=f"sqlite:///{db}").returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.django_db
def test_task_list_shows_a_geo_load_job_with_its_progress(login, django_capture_on_commit_callbacks):
    client = login("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/tasks/", {"province": "19"})
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="geo.load")
    assert job.status == BackgroundJob.Status.SUCCEEDED
    assert job.progress_total == 93
    assert job.progress_done == 93
    assert job.result["summaries"][0]["communes"] == 92
    assert job.task_result_id
    page = client.get("/tasks/").content.decode()
    assert "Tải danh mục đơn vị hành chính: tỉnh 19" in page
    assert "Hoàn thành" in page
    # a commune officer neither sees the job nor may start one
    officer = login("xa-giaohieu")
    assert "tỉnh 19" not in officer.get("/tasks/").content.decode()
    assert officer.post("/tasks/", {"province": "19"}).status_code == 404


@pytest.mark.django_db
def test_a_bad_geo_load_request_is_refused_before_queueing(login):
    response = login("admin").post("/tasks/", {"province": "99"})
    assert response.status_code == 200
    assert "Không có tỉnh mã &#x27;99&#x27;" in response.content.decode()
    assert not BackgroundJob.objects.exists()


@pytest.mark.django_db
def test_a_failing_job_is_shown_as_failed(user, django_capture_on_commit_callbacks):
    from phocap.core.jobs import job_start
    from phocap.geo.tasks import geo_load_task

    # started past the service's own checks, so that the task itself fails
    with django_capture_on_commit_callbacks(execute=True):
        job_start(actor=user("admin"), task=geo_load_task, kind="geo.load", label="x", province="99")
    job = BackgroundJob.objects.get(kind="geo.load")
    assert job.status == BackgroundJob.Status.FAILED
    assert "Không có tỉnh" in job.message


def test_money_is_formatted_the_vietnamese_way():
    assert format_vnd(2_000_000) == "2.000.000 ₫"
    assert format_vnd(700_000_000) == "700.000.000 ₫"
    assert format_vnd(0) == "0 ₫"
    assert format_vnd(-15_000) == "-15.000 ₫"


@pytest.mark.django_db
def test_interface_is_vietnamese_first_with_an_english_switch(login):
    client = login("quanly")
    # an English-language browser still gets Vietnamese until the user switches
    vi = client.get(f"/p/{PROGRAMME}/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "Đăng xuất" in vi
    assert "chưa có điện thoại thông minh" in vi
    client.post("/i18n/setlang/", {"language": "en", "next": f"/p/{PROGRAMME}/"})
    en = client.get(f"/p/{PROGRAMME}/").content.decode()
    assert "Sign out" in en
    assert "without a smartphone" in en
    assert "Đăng xuất" not in en


def test_long_in_lists_are_split_within_the_databases_parameter_limits():
    from phocap.core.queries import IN_CHUNK, in_chunks

    chunks = list(in_chunks(range(2 * IN_CHUNK + 3)))
    assert [len(c) for c in chunks] == [IN_CHUNK, IN_CHUNK, 3]
    assert IN_CHUNK < 65_535
