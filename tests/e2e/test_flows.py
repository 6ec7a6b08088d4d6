"""The main flows, in order, as the people of the programme would go through them in a browser, on one demo
server: the commune imports its list and fixes a rejected row; the Fatherland Front records a pledge, imports the
bank statement and confirms the proposed match; the manager runs an allocation round and a second person approves
it; the commune hands a phone over on a phone-sized screen; the village team records onboarding steps; the public
page shows the new totals. Each step leaves a screenshot under test-results/flow-*.png; every page is watched for
console errors and requests leaving this machine (tests/e2e/conftest.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, Demo, shot, sign_in

pytestmark = pytest.mark.e2e
CODE = "bac-kan-2023"
GIAO_HIEU = "01870"


def _people_file(path: Path, birth_of_second: str) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Thôn/Bản"])
    sheet.append([1, "Hà Thị Mến", "12/05/1971", "Nữ", "Thôn Nà Coóc"])
    sheet.append([2, "Nông Văn Tủa", birth_of_second, "Nam", "Thôn Nà Coóc"])
    sheet.append([3, "Lường Thị Pha", "1959", "Nữ", "Thôn Nà Coóc"])
    book.save(path)
    return path


def _result(page: Any) -> dict[str, str]:
    terms = page.eval_on_selector_all("section.result dt", "els => els.map(e => e.innerText.trim())")
    values = page.eval_on_selector_all("section.result dd", "els => els.map(e => e.innerText.trim())")
    return dict(zip(terms, values, strict=True))


def test_1_commune_officer_imports_a_list_and_fixes_the_rejected_row(demo: Demo, open_page: Any, tmp_path: Path):
    page = open_page()
    sign_in(page, demo.base, "xa-giaohieu")
    page.goto(f"{demo.base}/p/{CODE}/danh-sach/nhap/")
    page.set_input_files("#id_file", str(_people_file(tmp_path / "ds-giao-hieu.xlsx", "31/02/1968")))
    page.select_option("#id_commune", GIAO_HIEU)
    page.click("form button.primary")
    result = _result(page)
    assert (result["Người mới"], result["Bị loại"]) == ("2", "1")
    assert "Dòng 3" in page.inner_text("ul.errors")
    assert "Ngày sinh không có thật: 31/02/1968" in page.inner_text("ul.errors")
    shot(page, "flow-1a-import-checked")
    page.click("section.result form button.primary")  # write the two good rows
    assert "Đã ghi" in page.inner_text("section.result h2")
    shot(page, "flow-1b-import-written")

    # the officer corrects the date in the same file and imports it again: only the fixed row is new
    page.set_input_files("#id_file", str(_people_file(tmp_path / "ds-giao-hieu-sua.xlsx", "28/02/1968")))
    page.select_option("#id_commune", GIAO_HIEU)
    page.click("form button.primary")
    result = _result(page)
    assert (result["Người mới"], result["Bị loại"]) == ("1", "0")
    page.click("section.result form button.primary")
    assert "Đã ghi" in page.inner_text("section.result h2")
    shot(page, "flow-1c-fixed-row-written")
    listed = demo.phocap("registry", "export", "--programme", CODE, "--commune", GIAO_HIEU, "--format", "csv")
    assert listed.count("Nông Văn Tủa") == listed.count("Hà Thị Mến") == 1  # nobody written twice


def test_2_fundraising_officer_imports_a_statement_and_confirms_the_match(demo: Demo, open_page: Any, tmp_path: Path):
    from phocap.fundraising.sample_statements import Row, render

    page = open_page()
    sign_in(page, demo.base, "mttq")
    page.goto(f"{demo.base}/p/{CODE}/quyen-gop/cam-ket/")
    page.select_option("#id_donor_kind", "enterprise")
    page.fill("#id_donor_name", "Công ty TNHH Mặt Trời Xanh")
    page.type("#id_amount", "25.000.000")  # typed key by key, as Vietnamese write it
    read = page.locator("#id_amount ~ .amount-read")
    read.wait_for()
    page.wait_for_function("document.querySelector('.amount-read').textContent.includes('đồng')")
    assert read.inner_text() == "= 25.000.000 ₫ — Hai mươi lăm triệu đồng"  # before anything is saved
    page.click("form button.primary")
    assert "Đã ghi cam kết" in page.inner_text("ul.messages")
    shot(page, "flow-2a-pledge")

    # the company transfers without the reference code: the line waits for a person, with a proposal
    statement = tmp_path / "sao-ke-thang-11.xlsx"
    statement.write_bytes(
        render(
            "vietinbank",
            "113000000001",
            [Row(dt.date(2023, 11, 20), "FT23324001", 25_000_000, "CONG TY TNHH MAT TROI XANH CHUYEN TIEN UNG HO")],
        )
    )
    page.goto(f"{demo.base}/p/{CODE}/quyen-gop/sao-ke/")
    page.set_input_files("#id_file", str(statement))
    page.click("form button.primary")
    result = _result(page)
    assert (result["Chờ xử lý"], result["Khoản ủng hộ mới"]) == ("1", "0")
    shot(page, "flow-2b-statement-imported")
    page.click("section.result a.button.primary")  # "Xử lý các dòng chờ"
    line = page.locator("section.review-line", has_text="MAT TROI XANH")
    assert "Công ty TNHH Mặt Trời Xanh" in line.inner_text()  # proposed by amount and name
    assert line.locator("select[name=action]").input_value() == "pledge"
    assert "Mặt Trời Xanh" in line.locator("select[name=pledge] option:checked").inner_text()
    shot(page, "flow-2c-review-proposal")
    line.locator("button.primary").click()
    assert "Đã xử lý dòng sao kê ngày 20/11/2023" in page.inner_text("ul.messages")
    assert page.locator("section.review-line", has_text="MAT TROI XANH").count() == 0
    shot(page, "flow-2d-review-confirmed")


def test_3_manager_runs_a_round_and_another_person_approves_it(demo: Demo, open_page: Any):
    manager = open_page()
    sign_in(manager, demo.base, "quanly")
    manager.goto(f"{demo.base}/p/{CODE}/phan-bo/")
    manager.fill("input[name=seed]", "XSKT Bắc Kạn 28/12/2023")
    manager.click("form:has(input[value=propose]) button.primary")
    text = manager.inner_text("main")
    assert "XSKT Bắc Kạn 28/12/2023" in text
    assert manager.locator("button[value=approve]").count() == 1  # the proposer sees the button …
    manager.click("button[value=approve]")
    assert "khác người đề xuất" in manager.inner_text("main")  # … but may not approve their own round
    shot(manager, "flow-3a-round-proposed")

    checker = open_page()
    sign_in(checker, demo.base, "admin")
    checker.goto(f"{demo.base}/p/{CODE}/phan-bo/")
    checker.click("button[value=approve]")
    assert "Đã duyệt" in checker.inner_text("main")
    shot(checker, "flow-3b-round-approved")


def test_4_commune_officer_hands_a_phone_over_on_a_phone(demo: Demo, open_page: Any):
    rows = list(csv.DictReader(io.StringIO(demo.phocap("registry", "export", "--programme", CODE, "--format", "csv"))))
    page = open_page(**PHONE)
    sign_in(page, demo.base, "xa-giaohieu")
    page.goto(f"{demo.base}/p/{CODE}/trao/")
    page.click("a:has-text('10/11/2023')")
    waiting = page.locator("details.card").first
    name = waiting.locator(":scope > summary strong").inner_text()
    person = next(r for r in rows if r["full_name"] == name and r["commune_code"] == GIAO_HIEU)
    waiting.locator(":scope > summary").click()
    shot(page, "flow-4a-handover-form")
    reserved = demo.phocap("manage", "shell", "-c", _IMEI_OF.format(resident=person["resident_id"])).strip()
    if person["id_number"]:  # the officer reads the number off the person's card
        waiting.locator("input[name=id_number]").fill(person["id_number"])
    kept = reserved.splitlines()[-1]
    assert f"IMEI …{kept[-5:]}" in waiting.locator(":scope > summary").inner_text()  # the box to pick is named
    assert waiting.locator("input[name=imei]").is_checked()  # and preselected: confirmed, not typed
    waiting.locator("input[name=sim_number]").fill("0912 345 678")
    waiting.locator("input[value=signature]").check()
    waiting.locator("button.primary").click()
    assert f"Đã trao máy cho {name}." in page.inner_text("ul.messages")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the handover page scrolls sideways on a phone"
    shot(page, "flow-4b-handed-over")


# the IMEI the officer reads off the phone's box (*#06#): here, from the reservation
_IMEI_OF = (
    "from phocap.allocation.models import Reservation; "
    "print(Reservation.objects.get(resident_id={resident}, status='active').device.imei)"
)


def test_4b_a_no_show_asks_first_and_is_undone_at_the_hall(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo.base, "xa-giaohieu")
    page.goto(f"{demo.base}/p/{CODE}/trao/")
    page.click("a:has-text('10/11/2023')")
    waiting = page.locator("details.card").first
    name = waiting.locator(":scope > summary strong").inner_text()
    waiting.locator(":scope > summary").click()
    assert "IMEI …" in waiting.locator(":scope > summary").inner_text()
    waiting.locator("details.absent summary").click()
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    waiting.locator("details.absent button").click()
    assert name in asked[0]  # it asked, naming the person; dismissed: nothing happened
    assert page.locator("details.card summary strong", has_text=name).count() == 1
    page.once("dialog", lambda d: d.accept())
    waiting.locator("details.absent button").click()
    page.wait_for_load_state()
    assert "Đã trả máy về kho" in page.inner_text("ul.messages")
    absent = page.locator("ul.absent-list li", has_text=name)
    assert absent.count() == 1
    shot(page, "flow-4c-no-show-recorded")
    absent.locator("button").click()
    assert f"Đã hoàn tác: máy lại được giữ cho {name}." in page.inner_text("ul.messages")
    assert page.locator("details.card summary strong", has_text=name).count() == 1
    assert page.locator("ul.absent-list li", has_text=name).count() == 0
    shot(page, "flow-4d-no-show-undone")


def test_4c_the_officer_closes_an_event_on_a_phone_after_being_asked(demo: Demo, open_page: Any):
    # a round approved by an earlier step has its list to post first: the commune posts it on Monday 13/11/2023
    listed = json.loads(demo.phocap("--as", "xa-giaohieu", "posting", "list", "--programme", CODE, "--json"))
    for posting in listed:
        if posting["posted_on"] is None:
            on = ("--programme", CODE, "--on", "2023-11-13", "--json")
            demo.phocap("--as", "xa-giaohieu", "posting", "posted", str(posting["posting"]), *on)
    made = json.loads(
        demo.phocap(
            "--as",
            "xa-giaohieu",
            "handover",
            "event-add",
            "--programme",
            CODE,
            "--commune",
            GIAO_HIEU,
            "--date",
            "2023-11-24",
            "--place",
            "Nhà văn hóa thôn Nà Pài (buổi bù)",
            "--json",
        )
    )
    page = open_page(**PHONE)
    sign_in(page, demo.base, "xa-giaohieu")
    page.goto(f"{demo.base}/p/{CODE}/trao/{made['event']}/")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click("form.close-event button")
    assert "không hoàn tác được" in asked[0]
    assert page.locator("form.close-event").count() == 1  # dismissed: still open
    page.once("dialog", lambda d: d.accept())
    page.click("form.close-event button")
    page.wait_for_load_state()
    assert "Đã kết thúc buổi trao; biên bản đã được lập." in page.inner_text("ul.messages")
    assert "Buổi trao đã kết thúc lúc" in page.inner_text("main")
    assert page.locator("form[data-draft]").count() == 0  # no handover form left
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the closed event scrolls sideways on a phone"
    shot(page, "flow-4e-event-closed")


def test_5_team_member_records_onboarding_steps_for_a_household(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo.base, "to-cns")
    page.goto(f"{demo.base}/p/{CODE}/huong-dan/")
    household = page.locator("section.household").first
    person = household.locator("ul.people li").first
    done = [t.strip() for t in person.locator("span.badge.ok").all_inner_texts()]
    chips = [t.strip() for t in household.locator("label.chip").all_inner_texts()]
    todo = next(n for n, label in enumerate(chips) if f"✓ {label}" not in done)  # a step this person has not done
    household.locator("label.chip").nth(todo).locator("input").check()
    household.locator("input[name=done_on]").fill("2023-12-20")
    household.locator("input[name=detail]").fill("Agribank")
    shot(page, "flow-5a-steps-chosen")
    household.locator("button.primary").click()
    assert re.search(r"Đã ghi \d+ bước", page.inner_text("ul.messages"))
    person = page.locator("section.household").first.locator("ul.people li").first
    assert f"✓ {chips[todo]}" in [t.strip() for t in person.locator("span.badge.ok").all_inner_texts()]
    assert person.locator("span.badge.ok").count() == len(done) + 1
    shot(page, "flow-5b-steps-recorded")


def test_6_the_public_page_shows_the_new_totals(demo: Demo, open_page: Any):
    page = open_page(**PHONE)
    page.goto(f"{demo.base}/cong-khai/{CODE}/")
    text = page.inner_text("main")
    assert "895.100.000 ₫" in text  # 870.100.000 ₫ of the demo + the 25.000.000 ₫ confirmed in step 2
    assert "Công ty TNHH Mặt Trời Xanh" in text
    assert "Nông Văn Tủa" not in text  # no personal data
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    shot(page, "flow-6-public-page")
