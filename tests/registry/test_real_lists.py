"""Imports that fit real lists (issue #14): the officer's only commune chosen for them, duplicates named, warnings
listed, a problems workbook that points at the cells, a Vietnamese message for a file that cannot be read."""

import io

import pytest
from openpyxl import load_workbook

from phocap.core.errors import ValidationFailed
from phocap.registry.importing import import_residents
from tests.registry.test_consent import REAL_LIST
from tests.registry.test_dedup import _book

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023/danh-sach"
LIST = [
    ["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Thôn"],
    [1, "Nông Văn An", 1960, None, "Nà Pài"],
    [2, "Hoàng Thị Bé", None, None, "Nà Pài"],
    [3, "Nông Văn An", 1960, None, "Nà Pài"],
    [4, "Lý Văn Cường", 1961, "006061abc", "Nà Pài"],
]


def test_an_officers_only_commune_is_chosen_for_them(programme, user):
    report = import_residents(actor=user("xa-giaohieu"), programme=programme, data=_book(LIST), filename="l.xlsx")
    assert not [e for e in report.errors if e.code == "commune_missing"]
    assert (report.created, report.rejected) == (1, 2)


def test_the_report_names_duplicate_rows_and_of_whom(programme, user):
    officer = user("xa-giaohieu")
    report = import_residents(actor=officer, programme=programme, data=_book(LIST), filename="l.xlsx")
    assert [(d.row, d.code) for d in report.repeats] == [(4, "repeat_in_file")]
    assert "dòng 2" in report.repeats[0].message
    again = import_residents(actor=officer, programme=programme, data=_book(LIST), filename="l.xlsx")
    assert [d.code for d in again.repeats] == ["already_listed", "repeat_in_file"]


def test_an_unreadable_file_says_so_in_vietnamese_with_its_name(programme, user):
    with pytest.raises(ValidationFailed) as caught:
        import_residents(
            actor=user("xa-giaohieu"),
            programme=programme,
            data=b"PK\x03\x04 not really a zip" * 10,
            filename="DS Giáo Hiệu.xlsx",
        )
    assert "DS Giáo Hiệu.xlsx" in caught.value.message
    assert "Không đọc được" in caught.value.message
    assert "detect" not in caught.value.message.lower()


def test_the_web_import_names_the_workbook_lists_warnings_and_links_to_its_people(login, programme):
    client = login("xa-giaohieu")
    upload = io.BytesIO(_book(REAL_LIST))
    upload.name = "DS Giáo Hiệu đợt 1.xlsx"
    page = client.post(P + "/nhap/", {"file": upload, "smartphone_status": "lacks"})
    text = page.content.decode()
    assert "Không hiểu ô đồng ý" in text  # a warning listed, not only counted
    token = page.context["token"]
    book = client.get(f"{P}/nhap/{token}/kiem-tra.xlsx")
    assert "DS%20Gi%C3%A1o%20Hi%E1%BB%87u%20%C4%91%E1%BB%A3t%201%20-%20kiem%20tra.xlsx" in book["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(book.content)).active
    rows = list(sheet.iter_rows())
    header = rows[3]
    assert header[-1].value == "Cần sửa / lưu ý"
    unknown = rows[13]  # Dương Văn Bốn: "??" in the consent column
    assert "Không hiểu ô đồng ý" in unknown[-1].value
    assert unknown[6].fill.fgColor.rgb.endswith("FDE68A")
    done = client.post(P + "/nhap/", {"confirm": token, "commune": "", "smartphone_status": "lacks"})
    text = done.content.decode()
    assert "Trường này là bắt buộc" not in text
    assert f"?batch={done.context['report'].batch}" in text
    people = client.get(P + "/", {"batch": done.context["report"].batch}).content.decode()
    assert "7 người" in people
