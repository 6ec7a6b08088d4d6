"""One upload limit on every path a file comes in — web form, API, command line — with a Vietnamese message, and
nothing kept of a refused file. The limit is lowered here so the files stay small; the rule is the same."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023"
API = "/api/v1/programmes/bac-kan-2023"
LIMIT = 200_000


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path):
    settings.PHOCAP_MAX_UPLOAD_BYTES = LIMIT
    settings.PHOCAP_UPLOAD_DIR = tmp_path / "uploads"
    return settings


def _csv(size: int) -> bytes:
    head = "Họ và tên,Năm sinh,Giới tính,Thôn\n".encode()
    row = "Nguyễn Văn An,1980,Nam,Nà Pài\n".encode()
    return head + row * ((size - len(head)) // len(row) + 1)


def _kept(settings) -> list[str]:
    folder = settings.PHOCAP_UPLOAD_DIR
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_the_web_import_form_says_the_file_is_too_large_and_keeps_nothing(login, small_limit):
    page = login("xa-giaohieu").post(
        f"{P}/danh-sach/nhap/",
        {"file": SimpleUploadedFile("ds.csv", _csv(LIMIT + 50_000)), "commune": "01870", "smartphone_status": "lacks"},
    )
    assert page.status_code == 200
    assert "vượt giới hạn" in page.content.decode()
    assert _kept(small_limit) == []


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(login):
    """The declared length is enough to refuse: a Vietnamese page, 413."""
    page = login("xa-giaohieu").post(
        f"{P}/danh-sach/nhap/",
        {"file": SimpleUploadedFile("ds.csv", _csv(LIMIT + 2 * 1024 * 1024)), "commune": "01870"},
    )
    assert page.status_code == 413
    assert "Tệp quá lớn" in page.content.decode()


def test_the_statement_form_says_it_too(login):
    page = login("mttq").post(f"{P}/quyen-gop/sao-ke/", {"file": SimpleUploadedFile("sk.csv", _csv(LIMIT + 1))})
    assert page.status_code == 200
    assert "vượt giới hạn" in page.content.decode()


def test_the_devices_page_says_it_too(login, user, programme):
    from phocap.devices.services import phone_model_create

    model = phone_model_create(actor=user("quanly"), programme=programme, name="Samsung Galaxy A05")
    page = login("quanly").post(
        f"{P}/may/",
        {"action": "receive", "model": model.pk, "file": SimpleUploadedFile("imei.csv", _csv(LIMIT + 1))},
        follow=True,
    )
    assert "vượt giới hạn" in page.content.decode()


@pytest.mark.parametrize("path", ["residents/import?commune=01870", "statements"])
@pytest.mark.parametrize("extra", [1, 2 * 1024 * 1024])
def test_the_api_answers_413_as_a_problem(user, path, extra, small_limit):
    _, secret = api_token_create(actor=SYSTEM, user=user("quanly"), name="thử")
    response = Client(enforce_csrf_checks=True).post(
        f"{API}/{path}",
        {"file": SimpleUploadedFile("x.csv", _csv(LIMIT + extra))},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 413, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "too_large"
    assert "vượt giới hạn" in body["title"]
    assert _kept(small_limit) == []


def test_the_command_line_refuses_before_reading(cli, tmp_path):
    big = tmp_path / "ds.csv"
    big.write_bytes(_csv(1024 * 1024 + 10))
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    env = {"PHOCAP_MAX_UPLOAD_MB": "1"}
    for args in (
        ("registry", "import", str(big), "--programme", "bac-kan-2023", "--commune", "01870"),
        ("fundraising", "import-statement", str(big), "--programme", "bac-kan-2023"),
        (
            "devices",
            "receive",
            "--programme",
            "bac-kan-2023",
            "--model",
            "x",
            "--imei-file",
            str(big),
            "--donated-by",
            "y",
        ),
    ):
        result = cli(*args, "--json", database_url=url, env=env)
        assert result.returncode != 0, args
        assert "vượt giới hạn 1 MB" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
