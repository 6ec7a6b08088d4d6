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


def test_the_review_queue_shows_pairs_masked_and_decides_in_one_tap(login, programme):
    from phocap.core.actors import SYSTEM
    from phocap.registry.dedup import dedup_run
    from phocap.registry.models import DuplicatePair
    from tests.registry.test_dedup import AGAIN, PEOPLE, _import

    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    dedup_run(actor=SYSTEM, programme=programme)
    client = login("xa-giaohieu")
    page = client.get(f"{P}/trung/").content.decode()
    assert "Nong Thi Hoa" in page
    assert "006*******57" in page
    assert "006175012357" not in page
    assert "giống: họ, tên đệm, tên gọi" in page  # the name in its three parts (#18)
    assert "Tìm người trùng trong cả chương trình" not in page  # the manager runs it, not the commune
    pair = DuplicatePair.objects.get(a__full_name="Nông Thị Hoa")
    done = client.post(f"{P}/trung/", {"pair": pair.pk, "decision": "same"}, follow=True).content.decode()
    assert "Đã gộp hai bản ghi" in done
    assert "Hủy quyết định" in done
    pair.refresh_from_db()
    assert pair.decision == "same"
    assert pair.decided_by.username == "xa-giaohieu"
    client.post(f"{P}/trung/", {"pair": pair.pk, "decision": "reopen"})
    pair.refresh_from_db()
    assert pair.decision == ""
    assert 'value="same"' not in login("xa-songcau").get(f"{P}/trung/").content.decode()


def test_the_manager_starts_matching_as_a_background_job(login, programme, django_capture_on_commit_callbacks):
    from phocap.core.models import BackgroundJob

    with django_capture_on_commit_callbacks(execute=True):
        response = login("quanly").post(f"{P}/trung/", {"run": "1"})
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="registry.dedup")
    assert job.status == "succeeded"
    assert job.result == {"residents": 0, "pairs": 0}


def _hoa(programme):
    from tests.registry.test_dedup import PEOPLE, _import

    _import(programme, PEOPLE, "a.xlsx")
    return Resident.objects.get(full_name="Nông Thị Hoa")


def test_an_officer_corrects_a_resident_and_the_change_is_audited_masked(login, programme):
    from phocap.core.models import AuditEvent

    hoa = _hoa(programme)
    client = login("xa-giaohieu")
    page = client.get(f"{P}/{hoa.pk}/").content.decode()
    assert "006*******57" in page
    assert "006175012357" not in page
    form = {
        "action": "correct",
        "full_name": "NÔNG THỊ HOA",
        "birth": "02/03/1975",
        "sex": "Nữ",
        "id_number": "",
        "ethnicity": "HMông",
        "village": "Thôn Nà Coóc",
        "phone": "912 345 678",
        "smartphone_status": "unknown",
        "notes": "",
    }
    response = client.post(f"{P}/{hoa.pk}/", form, follow=True)
    assert "Đã lưu sửa đổi" in response.content.decode()
    hoa.refresh_from_db()
    assert (hoa.phone, hoa.ethnicity_code, hoa.id_number) == ("0912345678", "08", "006175012357")
    event = AuditEvent.objects.get(action="resident.correct")
    assert set(event.changes) == {"phone", "phone_carrier", "ethnicity_code"}
    assert "0912345678" not in str(event.changes)
    bad = client.post(f"{P}/{hoa.pk}/", {**form, "birth": "31/02/1975"}).content.decode()
    assert "không có thật" in bad or "không hợp lệ" in bad
    under = client.post(f"{P}/{hoa.pk}/", {**form, "birth": "2015"}).content.decode()
    assert "Chưa đủ 18 tuổi" in under


def test_other_communes_and_digital_team_members_cannot_correct(login, programme):
    hoa = _hoa(programme)
    assert login("xa-songcau").get(f"{P}/{hoa.pk}/").status_code == 404
    assert login("to-cns").get(f"{P}/{hoa.pk}/").status_code == 404  # not her village
    Resident.objects.filter(pk=hoa.pk).update(village="Thôn 1 (ví dụ)", ethnicity_code="08")
    member = login("to-cns")
    page = member.get(f"{P}/{hoa.pk}/").content.decode()  # a team member of her village sees her…
    assert "Nông Thị Hoa" in page
    assert "Sửa thông tin" not in page  # …cannot change her data…
    assert "Mông" not in page  # …nor see the sensitive fields
    assert member.post(f"{P}/{hoa.pk}/", {"action": "export"}).status_code == 404


def test_consent_is_recorded_withdrawn_and_the_person_gets_their_data(login, programme):
    import json

    from phocap.core.models import AuditEvent

    hoa = _hoa(programme)
    client = login("xa-giaohieu")
    client.post(
        f"{P}/{hoa.pk}/",
        {"action": "consent", "kind": "allocation", "refused": "0", "given_on": "2023-06-01", "method": "paper"},
    )
    consent = hoa.consents.get()
    assert (consent.recorded_by, consent.withdrawn_on, consent.kind) == ("xa-giaohieu", None, "allocation")
    client.post(f"{P}/{hoa.pk}/", {"action": "withdraw", "consent": consent.pk})
    consent.refresh_from_db()
    assert consent.withdrawn_on is not None
    data = json.loads(client.post(f"{P}/{hoa.pk}/", {"action": "export"}).content)
    assert data["id_number"] == "006175012357"
    assert data["consents"][0]["withdrawn_on"]
    assert AuditEvent.objects.filter(action="resident.data_export", object_id=str(hoa.pk)).count() == 1
    client.post(f"{P}/{hoa.pk}/", {"action": "erase", "reason": "Đơn ngày 01/07/2023"})
    hoa.refresh_from_db()
    assert (hoa.full_name, hoa.id_number) == ("(đã xóa)", "")
    assert client.get(f"{P}/{hoa.pk}/").status_code == 404


def test_the_api_runs_matching_decides_pairs_and_corrects_residents(login, programme):
    import json

    from tests.registry.test_dedup import AGAIN, PEOPLE, _import

    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    base = "/api/v1/programmes/bac-kan-2023"
    assert login("xa-giaohieu").post(f"{base}/residents/dedup").status_code == 403
    run = login("quanly").post(f"{base}/residents/dedup")
    assert run.status_code == 200, run.content
    assert run.json()["residents"] == 9
    officer = login("xa-giaohieu")
    queue = officer.get(f"{base}/duplicates").json()
    assert queue["count"] == len(run.json()["pairs"]) >= 3
    first = queue["items"][0]
    decided = officer.post(
        f"{base}/duplicates/{first['id']}/decision", json.dumps({"decision": "different"}), "application/json"
    )
    assert decided.json()["decision"] == "different"
    again = officer.post(
        f"{base}/duplicates/{first['id']}/decision", json.dumps({"decision": "same"}), "application/json"
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("already_decided")
    hoa = Resident.objects.get(full_name="Nông Thị Hoa")
    patched = officer.patch(
        f"{base}/residents/{hoa.pk}", json.dumps({"phone": "+84 912 345 678", "ethnicity": "Tày"}), "application/json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["ethnicity_code"] == "02"  # Tày
    bad = officer.patch(f"{base}/residents/{hoa.pk}", json.dumps({"birth": "15/13/1975"}), "application/json")
    assert bad.status_code == 422
    assert "006175012357" not in bad.content.decode()


def test_an_unknown_column_is_mapped_once_and_remembered_for_the_commune(login, programme):
    from tests.registry.test_dedup import _book

    rows = [
        ["DANH SÁCH"],
        ["TT", "Tên người dân", "Năm sinh", "Nơi ở hiện nay", "Giới tính"],
        [1, "Hoàng Văn Lâm", 1950, "Thôn Nà Coóc", "Nam"],
        [2, "Ma Thị Hoa", 1955, "Thôn Khuổi Bốc", "Nữ"],
    ]
    client = login("xa-giaohieu")
    upload = {"file": SimpleUploadedFile("ds.xlsx", _book(rows)), "commune": "01870", "smartphone_status": "lacks"}
    first = client.post(f"{P}/nhap/", upload).content.decode()
    assert "Không tìm thấy dòng tiêu đề" in first
    assert "“Tên người dân”" in first
    digest = first.split('name="recheck" value="')[1].split('"')[0]
    cells = ["TT", "Tên người dân", "Năm sinh", "Nơi ở hiện nay", "Giới tính"]
    mapping = {f"h{i}": c for i, c in enumerate(cells)}
    mapping.update({"f1": "name", "f3": "village"})
    rechecked = client.post(
        f"{P}/nhap/",
        {"recheck": digest, "commune": "01870", "smartphone_status": "lacks", "n": len(cells), **mapping},
    ).content.decode()
    assert "Đã lưu cách đọc 2 cột" in rechecked
    assert "Kết quả kiểm tra (chưa ghi)" in rechecked
    again = client.post(
        f"{P}/nhap/",
        {"file": SimpleUploadedFile("ds2.xlsx", _book(rows)), "commune": "01870", "smartphone_status": "lacks"},
    ).content.decode()
    assert "Kết quả kiểm tra (chưa ghi)" in again  # remembered
    assert "Cột chưa đọc được" not in again
    other = login("xa-songcau").post(
        f"{P}/nhap/",
        {"file": SimpleUploadedFile("ds3.xlsx", _book(rows)), "commune": "01837", "smartphone_status": "lacks"},
    )
    assert "Không tìm thấy dòng tiêu đề" in other.content.decode()  # another commune has not mapped it
    from phocap.core.actors import SYSTEM
    from phocap.registry.importing import import_residents

    report = import_residents(
        actor=SYSTEM, programme=programme, data=_book(rows), filename="ds.xlsx", commune_code="01870"
    )
    assert report.created == 2
    assert Resident.objects.get(full_name="Hoàng Văn Lâm").village == "Thôn Nà Coóc"
