"""The people served, in a browser (issue #17), on the demo server: a person checks themselves on a phone with
their ID number and birth year; someone files a complaint from the public page on a phone; the commune officer
finds it in their list and answers it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PHONE, Demo, shot, sign_in

pytestmark = pytest.mark.e2e
CODE = "bac-kan-2023"
FIND = (
    "from phocap.allocation.models import Reservation as R; "
    "r = R.objects.filter(status='active', commune__unit__code='01870').filter(resident__id_kind='cccd')"
    ".select_related('resident').order_by('pk').first(); "
    "print(r.resident.id_number, r.resident.birth_year, r.resident.full_name, sep='|')"
)


def test_a_person_checks_themselves_on_a_phone(demo: Demo, open_page: Any):
    number, year, name = demo.phocap("manage", "shell", "-c", FIND).strip().splitlines()[-1].split("|")
    page = open_page(**PHONE)
    page.goto(f"{demo.base}/cong-khai/{CODE}/")
    page.click("text=Tra cứu: tôi có tên trong danh sách nhận máy không?")
    page.fill("input[name=id_number]", number)
    page.fill("input[name=birth_year]", year)
    page.click("form button.primary")
    result = page.inner_text("#ket-qua")
    assert "Bạn được nhận điện thoại" in result
    assert "Xã Giáo Hiệu" in result
    assert name not in page.content()
    assert number not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "people-served-1-self-check")
    page.fill("input[name=id_number]", number)
    page.fill("input[name=birth_year]", str(int(year) + 1))
    page.click("form button.primary")
    assert "Không tìm thấy" in page.inner_text("#ket-qua")


def test_a_public_complaint_is_answered_by_the_commune_officer(demo: Demo, open_page: Any):
    public = open_page(**PHONE)
    public.goto(f"{demo.base}/cong-khai/{CODE}/phan-anh/")
    public.select_option("select[name=commune]", "01870")
    public.select_option("select[name=category]", "not_received")
    public.fill("textarea[name=text]", "Gia đình tôi được chọn nhưng chưa được báo ngày nhận máy")
    public.fill("input[name=phone]", "0912 345 678")
    public.click("form button.primary")
    filed = public.inner_text("section.card")
    assert "PA-" in filed
    number = filed.split("PA-")[1].split(".")[0].strip()
    shot(public, "people-served-2-complaint-filed")

    officer = open_page(**PHONE)
    sign_in(officer, demo.base, "xa-giaohieu")
    officer.goto(f"{demo.base}/p/{CODE}/phan-anh/")
    officer.click(f"text=PA-{number}")
    assert "chưa được báo ngày nhận máy" in officer.inner_text("main")
    officer.select_option("select[name=status]", "resolved")
    officer.fill("textarea[name=note]", "Đã báo lịch: nhận máy tại nhà văn hóa xã")
    officer.click("form button.primary")
    assert f"Đã ghi bước xử lý cho phản ánh PA-{number}" in officer.inner_text("ul.messages")
    assert "Đã giải quyết" in officer.inner_text("main")
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    shot(officer, "people-served-3-complaint-answered")
    other = open_page()
    sign_in(other, demo.base, "xa-songcau")
    assert other.request.get(f"{demo.base}/p/{CODE}/phan-anh/{number}/").status == 404  # another commune's
