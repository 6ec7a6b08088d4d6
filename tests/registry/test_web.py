import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from phocap.registry.models import Resident
from phocap.registry.samples import messy_list_xlsx

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023/danh-sach"


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.PHOCAP_UPLOAD_DIR = tmp_path


def test_check_then_confirm_then_fix_with_the_problems_workbook(login):
    client = login("xa-giaohieu")
    checked = client.post(
        f"{P}/nhap/",
        {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx()), "commune": "01870", "smartphone_status": "lacks"},
    )
    page = checked.content.decode()
    assert "Kết quả kiểm tra (chưa ghi)" in page
    assert "Thiếu họ và tên" in page
    assert Resident.objects.count() == 0  # nothing written before confirmation
    digest = page.split('name="confirm" value="')[1].split('"')[0]
    workbook = client.get(f"{P}/nhap/{digest}/kiem-tra.xlsx?xa=01870&dt=lacks")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(workbook.content)).get_sheet_by_index(0).to_python()
    assert rows[9][-1].startswith("LỖI: Thiếu họ và tên")  # sheet row 10
    assert "006070012345" not in page
    confirmed = client.post(f"{P}/nhap/", {"confirm": digest, "commune": "01870", "smartphone_status": "lacks"})
    assert "Đã ghi" in confirmed.content.decode()
    assert Resident.objects.filter(commune__unit__code="01870").count() == 4
    listing = client.get(f"{P}/").content.decode()
    assert "006*******45" in listing
    assert "006070012345" not in listing


def test_another_communes_officer_can_neither_import_here_nor_see_these_people(login):
    login("xa-giaohieu").post(
        f"{P}/nhap/",
        {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx()), "commune": "01870", "smartphone_status": "lacks"},
    )
    other = login("xa-songcau")
    response = other.post(
        f"{P}/nhap/",
        {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx()), "commune": "01870", "smartphone_status": "lacks"},
    )
    assert "Kết quả kiểm tra" not in response.content.decode()
    assert "Nông Văn An" not in other.get(f"{P}/").content.decode()
    assert login("vnpt").get(f"{P}/nhap/").status_code == 404


def test_the_template_has_the_canonical_headers(login):
    data = login("xa-giaohieu").get(f"{P}/mau.xlsx").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1][:3] == ["STT", "Họ và tên", "Ngày sinh"]


def test_the_api_imports_and_lists_residents_with_masked_numbers(login):
    client = login("xa-giaohieu")
    checked = client.post(
        "/api/v1/programmes/bac-kan-2023/residents/import?commune=01870&smartphone_status=lacks&dry_run=true",
        {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx())},
    )
    assert checked.status_code == 200, checked.content
    assert (checked.json()["created"], checked.json()["rejected"]) == (4, 4)
    assert Resident.objects.count() == 0
    done = client.post(
        "/api/v1/programmes/bac-kan-2023/residents/import?commune=01870&smartphone_status=lacks",
        {"file": SimpleUploadedFile("ds.xlsx", messy_list_xlsx())},
    )
    assert done.json()["created"] == 4
    listed = client.get("/api/v1/programmes/bac-kan-2023/residents").json()
    assert listed["count"] == 4
    assert {r["id_number_masked"] for r in listed["items"]} >= {"006*******45"}
    assert "006070012345" not in str(listed)
    assert login("xa-songcau").get("/api/v1/programmes/bac-kan-2023/residents").json()["count"] == 0
