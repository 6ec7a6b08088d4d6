"""Browser tests: the real `phocap demo` server, driven in Debian's Chromium through Playwright.
Run by `.ci/run` (which installs Chromium if absent): `./run test -m e2e tests/e2e`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PILOT_CODES, ROOT
from tests.e2e.conftest import ARTIFACTS, PHONE, sign_in

pytestmark = pytest.mark.e2e


def test_manager_signs_in_and_sees_the_eight_communes(demo_server: str, open_page: Any) -> None:
    page = open_page()
    sign_in(page, demo_server, "quanly")
    page.wait_for_selector("li.commune")
    codes = page.eval_on_selector_all("li.commune", "els => els.map(e => e.dataset.code)")
    assert codes == PILOT_CODES
    text = page.inner_text("main")
    assert "Xã Thượng Giáo" in text
    assert "Huyện Ba Bể" in text
    assert "nay thuộc Xã Chợ Rã" in text  # "now part of" from the 2025 mapping
    assert "ví dụ" in text  # example assignments are labelled
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "programme-desktop.png"), full_page=True)


def test_commune_officer_on_a_phone_sees_only_their_commune_and_saves_figures(demo_server: str, open_page: Any):
    page = open_page(**PHONE)
    sign_in(page, demo_server, "xa-giaohieu")
    page.wait_for_selector("li.commune")
    assert page.eval_on_selector_all("li.commune", "els => els.map(e => e.dataset.code)") == ["01870"]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "page scrolls sideways on a phone"
    page.click("li.commune h2 a")
    page.fill("#id_baseline_without_smartphone", "99999")
    page.click("form button.primary")
    assert "không được lớn hơn số người trưởng thành" in page.inner_text("main")
    page.fill("#id_baseline_without_smartphone", "790")
    page.click("form button.primary")
    assert "Đã lưu số liệu" in page.inner_text("main")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "commune-phone.png"), full_page=True)


def test_public_statement_on_a_phone_and_a_statement_import(demo_server: str, open_page: Any) -> None:
    page = open_page(**PHONE)
    page.goto(demo_server + "/cong-khai/bac-kan-2023/")
    text = page.inner_text("main")
    assert "870.100.000 ₫" in text
    assert "Nhà hảo tâm" in text
    overflow = page.evaluate("document.body.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "public page scrolls sideways on a phone"
    page.screenshot(path=str(ARTIFACTS / "public-phone.png"), full_page=True)
    sign_in(page, demo_server, "mttq")
    page.goto(demo_server + "/p/bac-kan-2023/quyen-gop/sao-ke/")
    page.set_input_files("#id_file", str(ROOT / "docs" / "samples" / "sao-ke-vietcombank.xlsx"))
    page.click("form button.primary")
    result = page.inner_text("section.result")
    assert "vietcombank" in result
    assert "8" in result  # eight lines, all already imported by the demo


def test_the_watch_catches_console_errors_and_requests_leaving_the_machine(browser: object) -> None:
    from tests.e2e.conftest import Watch

    page = browser.new_page()  # type: ignore[attr-defined]
    watch = Watch(page)
    page.set_content(
        '<img src="http://cdn.example.invalid/logo.png"><script>console.error("broken")</script>',
        wait_until="load",
    )
    page.wait_for_timeout(300)
    assert any("request left the machine: http://cdn.example.invalid/logo.png" in p for p in watch.problems)
    assert any("console error: broken" in p for p in watch.problems)
