"""What the browser tests share: a real `phocap demo` server on a free port with its own data directory (one per
test module), Debian's Chromium driven by Playwright, signing in, screenshots under test-results/, and a watch
on each page that fails the test on a console error, an uncaught exception or a request leaving this machine."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("PHOCAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = ROOT / "test-results"
PASSWORD = "phocap-demo-2023"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass(frozen=True)
class Demo:
    base: str
    data: Path

    def phocap(self, *args: str) -> str:
        """Run the `phocap` command against the demo's database (as the console operator would)."""
        from phocap.cli import DEMO_DB

        env = {**os.environ, "PHOCAP_DATA_DIR": str(self.data), "DATABASE_URL": f"sqlite:///{self.data / DEMO_DB}"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        phocap = Path(sys.executable).with_name("phocap")
        done = subprocess.run([str(phocap), *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
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
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=2) as r:  # noqa: S310 - our own local server
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data / "server.log").read_text()) from None
            time.sleep(0.5)
    yield Demo(base, data)
    os.killpg(proc.pid, 15)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def demo_server(demo: Demo) -> str:
    return demo.base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class Watch:
    """Everything a page did that a user should never see: console errors, uncaught exceptions, and requests to
    any host but this machine (no CDN, no tracker, no font service)."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        self.requests = 0
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def _request(self, request: Any) -> None:
        self.requests += 1
        url = urllib.parse.urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname not in LOCAL_HOSTS:
            self.problems.append(f"request left the machine: {request.url}")

    def check(self) -> None:
        assert self.requests > 0, "the watch saw no request at all"
        assert self.problems == []


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """`open_page(**context_options)` → a page in a fresh browser context (its own cookies), watched; the watch is
    checked when the test ends."""
    opened: list[tuple[Any, Watch]] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**{**DESKTOP, **options})
        page = context.new_page()
        opened.append((context, Watch(page)))
        return page

    yield make
    try:
        for _context, watch in opened:
            watch.check()
    finally:
        for context, _watch in opened:
            context.close()


def shot(page: Any, name: str) -> None:
    """A full-page screenshot of the step, kept under test-results/ (CI keeps the folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
