"""People at real size, in a browser (issue #14): the commune officer finds people typing without diacritics and
records consent for everyone a filter finds; the manager creates a village-team member who then signs in and
sees only their village. On the demo server, at a phone's width."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, Demo, shot, sign_in

pytestmark = pytest.mark.e2e
CODE = "bac-kan-2023"


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def test_search_without_diacritics_finds_the_person(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo.base, "xa-giaohieu")
    page.goto(f"{demo.base}/p/{CODE}/danh-sach/")
    first = page.locator("table tbody tr td a").first.inner_text().strip()
    plain = fold(first)  # the whole name, typed on a phone without its marks
    assert plain != first.lower()
    page.fill("input[name=q]", plain)
    page.click("form.filters button.primary")
    names = [n.strip() for n in page.locator("table tbody tr td a").all_inner_texts()]
    assert first in names
    assert all(plain in fold(n) for n in names)
    shot(page, "people-1-search-without-diacritics")


def test_bulk_consent_for_everyone_a_filter_finds(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo.base, "xa-giaohieu")
    page.goto(f"{demo.base}/p/{CODE}/danh-sach/?consent=none")
    count = int(re.search(r"(\d+) người", page.inner_text("p.count")).group(1))
    assert count > 0
    page.check("fieldset.bulk input[name=all]")
    page.fill("fieldset.bulk input[name=given_on]", "2023-10-02")
    shot(page, "people-2a-bulk-consent-chosen")
    page.click("fieldset.bulk button[value=consent]")
    assert f"Đã ghi nhận {count} người đồng ý" in page.inner_text("ul.messages")
    assert page.url.endswith("consent=none")
    assert "0 người" in page.inner_text("p.count")
    shot(page, "people-2b-bulk-consent-recorded")


def test_a_manager_creates_a_team_member_who_sees_only_their_village(demo: Demo, open_page: Any):
    page = open_page()
    sign_in(page, demo.base, "quanly")
    page.goto(f"{demo.base}/p/{CODE}/danh-sach/?commune=01870")
    village = page.locator("table tbody tr td").nth(4).inner_text().strip()  # after the tick box
    page.goto(f"{demo.base}/p/{CODE}/nguoi-dung/")
    page.click("text=Tạo tài khoản >> nth=0")
    form = page.locator("form:has(input[name=action][value=create])")
    form.locator("input[name=full_name]").fill("Hoàng Thị Vân")
    form.locator("select[name=role]").select_option("digital_team_member")
    form.locator("select[name=commune]").select_option("01870")
    form.locator("input[name=village]").fill(village)
    form.locator("button.primary").click()
    username = page.inner_text("#passwords code.username").strip()
    password = page.inner_text("#passwords code.password").strip()
    shot(page, "people-3a-team-member-created")

    member = open_page(**PHONE)
    member.goto(demo.base + "/accounts/login/")
    member.fill("#id_username", username)
    member.fill("#id_password", password)
    member.click("button[type=submit]")
    member.wait_for_load_state()
    member.goto(f"{demo.base}/p/{CODE}/danh-sach/")
    villages = {v.strip() for v in member.locator("table tbody tr td:nth-child(4)").all_inner_texts()}
    assert villages == {village}
    tabs = member.locator("nav.tabs a").all_inner_texts()
    assert "Người dùng" not in tabs
    for link in member.locator("nav.tabs a").all():
        box = link.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 390  # every tab in sight on the phone
    shot(member, "people-3b-team-member-sees-their-village")


def test_a_step_refused_keeps_what_was_ticked_and_shows_the_error_by_the_form(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo.base, "to-cns")
    page.goto(f"{demo.base}/p/{CODE}/huong-dan/")
    form = page.locator("section.household form").filter(has=page.locator("input[name=step]")).last
    step = form.locator("input[name=step]").first
    value = step.get_attribute("value")
    step.check()
    form.locator("input[name=detail]").fill("VNeID mức 2, có cán bộ công an xã")
    form.locator("input[name=done_on]").fill("2001-01-01")  # before the phone was handed over: refused
    form.locator("button.primary").click()
    page.wait_for_load_state()
    error = page.locator("form p.form-error")
    assert "trước ngày nhận máy" in error.inner_text()
    again = error.locator("xpath=..")
    assert again.locator(f"input[name=step][value={value}]").is_checked()
    assert again.locator("input[name=detail]").input_value() == "VNeID mức 2, có cán bộ công an xã"
    assert again.locator("input[name=done_on]").input_value() == "2001-01-01"
    box = error.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < PHONE["viewport"]["height"]  # scrolled to, not left at the top of a long page
    shot(page, "people-4-step-refused-form-kept")


def test_chart_labels_are_readable_on_a_phone(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo.base, "quanly")
    page.goto(f"{demo.base}/p/{CODE}/chi-so/")
    assert page.locator("svg.chart.wide").first.is_hidden()
    narrow = page.locator("svg.chart.narrow").first
    assert narrow.is_visible()
    heights = narrow.locator("text").evaluate_all("ts => ts.map(t => t.getBoundingClientRect().height)")
    assert min(heights) >= 12  # drawn near 13 px, not a 640-unit drawing shrunk to half
    widths = narrow.evaluate("svg => [svg.getBoundingClientRect().width, svg.viewBox.baseVal.width]")
    assert widths[0] <= PHONE["viewport"]["width"]
    shot(page, "people-5-charts-on-a-phone")
