"""Browser tests: the real `phocap demo` server, driven in Debian's Chromium through Playwright.
Run by `.ci/run` (which installs Chromium if absent): `./run test -m e2e tests/e2e`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PILOT_CODES, ROOT

pytestmark = pytest.mark.e2e
CHROMIUM = os.environ.get("PHOCAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = ROOT / "test-results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {**os.environ, "PHOCAP_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)  # the demo makes its own fresh SQLite file
    env.pop("DJANGO_SETTINGS_MODULE", None)
    phocap = Path(sys.executable).with_name("phocap")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [str(phocap), "demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=2) as r:  # noqa: S310 - our own local server
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data / "server.log").read_text()) from None
            time.sleep(0.5)
    yield base
    os.killpg(proc.pid, 15)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def sign_in(page: object, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", "phocap-demo-2023")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def test_manager_signs_in_and_sees_the_eight_communes(demo_server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
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
    page.close()


def test_commune_officer_on_a_phone_sees_only_their_commune_and_saves_figures(demo_server: str, browser: object):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
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
    page.close()


def test_public_statement_on_a_phone_and_a_statement_import(demo_server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
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
    page.close()
