"""The whole programme from files, on an empty database, each step by its real role (issues #14, #15): no demo
data, the console for what a province's staff run from files, the API with each person's own bearer token for
what a partner's software sends, against a real server on the same database.

Accounts made and roles granted; a bank statement imported (money for phones) and a phone pledge; a commune's list
imported and consent recorded for it in bulk; phones bought and received unchecked, checked in bulk, donated
phones received as the donor's gift; a round proposed, cancelled, proposed again and approved by another
manager's own token; a village-hall event with handovers, a no-show undone, the event closed; a phone broken at
the 7-day follow-up swapped from stock sent to the commune; the village team's steps; the indicators."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from phocap.fundraising.sample_statements import Row, render
from tests.devices.test_devices import imeis
from tests.registry.test_dedup import _book

CODE = "bac-kan-2023"
GIAO_HIEU = "01870"
NUMBERS = ["006190011111", "006190022222", "006190033333", "006190044444"]
NAMES = ["Nông Văn Một", "Lý Thị Hai", "Ma Văn Ba", "Hoàng Thị Bốn"]


class Server:
    """`phocap manage runserver` on a free port against the test's database file."""

    def __init__(self, url: str, data_dir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": url, "PHOCAP_DATA_DIR": str(data_dir)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        phocap = Path(sys.executable).with_name("phocap")
        self.process = subprocess.Popen(
            [str(phocap), "manage", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/geo/provinces", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class Api:
    """One person's bearer token against the server."""

    def __init__(self, server: Server, secret: str) -> None:
        self.base = f"http://127.0.0.1:{server.port}/api/v1/programmes/{CODE}"
        self.secret = secret

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        request = urllib.request.Request(  # noqa: S310 - our own server
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                got, text = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            got, text = refused.code, refused.read()
        assert got == status, (method, path, got, text[:500])
        return json.loads(text) if text and text[:1] in (b"{", b"[") else text

    def get(self, path: str, status: int = 200) -> Any:
        return self.call("GET", path, status=status)

    def post(self, path: str, body: Any = None, status: int = 200) -> Any:
        return self.call("POST", path, body or {}, status=status)


def test_a_province_runs_the_programme_from_files_on_an_empty_database(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'tinh.sqlite3'}"

    def run(who: str | None, *words: str, stdin: str | None = None) -> Any:
        done = cli(*(("--as", who) if who else ()), *words, "--json", database_url=url, stdin=stdin)
        assert done.returncode == 0, (words, done.stderr)
        return json.loads(done.stdout)

    assert cli("init", database_url=url).returncode == 0
    programme = ("--programme", CODE)
    # the administrator makes the accounts; the first manager's village team comes from a file
    for username, role, place in (
        ("ql1", "programme_manager", ()),
        ("ql2", "programme_manager", ()),
        ("tc1", "fundraising_officer", ()),
        ("xa1", "commune_officer", ("--commune", GIAO_HIEU)),
    ):
        run(None, "user", "add", username, "--name", username.upper(), "--password-stdin", stdin="mat-khau-dai-1\n")
        run(None, "user", "grant", username, "--role", role, *programme, *place)
    team = tmp_path / "to.xlsx"
    team.write_bytes(_book([["TT", "Họ và tên", "Số điện thoại", "Thôn/bản"], [1, "Hoàng Thị Vân", None, "Nà Pài"]]))
    member = run(
        "ql1", "user", "import", str(team), *programme, "--role", "digital_team_member", "--commune", GIAO_HIEU
    )
    helper = member["created"][0]["username"]

    # money: a pledge paid by transfer, read from the bank's statement; phones promised by an enterprise
    pledge = run(
        "tc1",
        "fundraising",
        "pledge-add",
        *programme,
        "--donor-kind",
        "enterprise",
        "--donor-name",
        "Công ty Sao Mai",
        "--tax-code",
        "0100100110",
        "--amount",
        "20000000",
    )
    run(
        "tc1",
        "fundraising",
        "pledge-add",
        *programme,
        "--donor-kind",
        "enterprise",
        "--donor-name",
        "Công ty Máy Cũ",
        "--phones",
        "2",
    )
    statement = tmp_path / "sao-ke.xlsx"
    statement.write_bytes(
        render(
            "vietcombank",
            "113000000001",
            [Row(dt.date(2023, 9, 1), "B1", 20_000_000, f"MBVCB.99.{pledge['reference']}.ung ho")],
        )
    )
    imported = run("tc1", "fundraising", "import-statement", str(statement), *programme)
    assert (imported["matched"], imported["donations_created"]) == (1, 1)

    # the commune's list, as the commune keeps it; consent recorded for the whole batch at once
    rows = [["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Thôn/bản"]]
    rows += [[i + 1, n, 1950 + i, NUMBERS[i], "Nà Pài"] for i, n in enumerate(NAMES)]
    listing = tmp_path / "danh-sach.xlsx"
    listing.write_bytes(_book(rows))
    batch = run(
        "xa1", "registry", "import", str(listing), *programme, "--commune", GIAO_HIEU, "--smartphone-status", "lacks"
    )
    consent = run(
        "xa1",
        "registry",
        "consent",
        *programme,
        "--batch",
        str(batch["batch"]),
        "--date",
        "2023-09-15",
        "--method",
        "paper",
    )
    assert consent["recorded"] == 4

    # phones: bought and received unchecked, donated ones received as their donor's gift
    run("ql1", "devices", "model-add", "Samsung Galaxy A05", *programme, "--price", "2.000.000")
    order = run(
        "ql1",
        "devices",
        "purchase",
        *programme,
        "--model",
        "Samsung Galaxy A05",
        "--quantity",
        "4",
        "--unit-price",
        "2.000.000",
        "--supplier",
        "Nhà cung cấp thử",
    )
    bought, donated = imeis(4, 62_000_000_000_000), imeis(2, 63_000_000_000_000)
    (tmp_path / "mua.txt").write_text("\n".join(bought))
    (tmp_path / "tang.txt").write_text("\n".join(donated))
    received = run(
        "ql1",
        "devices",
        "receive",
        *programme,
        "--model",
        "Samsung Galaxy A05",
        "--imei-file",
        str(tmp_path / "mua.txt"),
        "--purchase-order",
        str(order["purchase_order"]),
    )
    assert received["received"] == 4
    gift = run(
        "ql1",
        "devices",
        "receive",
        *programme,
        "--model",
        "Samsung Galaxy A05",
        "--imei-file",
        str(tmp_path / "tang.txt"),
        "--donated-by",
        "Công ty Máy Cũ",
        "--date",
        "2023-10-01",
    )
    assert [(g["phones"], g["amount"]) for g in gift["gifts"]] == [(2, 4_000_000)]

    tokens = {
        who: run(None, "token", "create", "--user", who, "--name", "thử")["token"]
        for who in ("ql1", "ql2", "xa1", helper)
    }
    server = Server(url, tmp_path)
    try:
        manager, checker, officer, village = (Api(server, tokens[w]) for w in ("ql1", "ql2", "xa1", helper))
        pledges = {p["donor_name"]: p for p in manager.get("/pledges")}
        assert pledges["Công ty Máy Cũ"]["status"] == "fulfilled"
        assert manager.post("/devices/check", {"imeis": bought + donated[:1], "result": "ready"})["checked"] == 5
        manager.post("/devices/check", {"imeis": donated[1:], "result": "locked", "note": "còn tài khoản cũ"})

        # a round proposed, cancelled, proposed again; approved only by the other manager
        assert manager.get("/allocation/preview")["ready_devices"] == 5
        first = manager.post("/allocation/rounds", {"seed": "thu"})
        manager.post(f"/allocation/rounds/{first['round']}/cancel", {"reason": "Sửa danh sách"})
        second = manager.post("/allocation/rounds", {"seed": "XSKT 28/12/2023"})
        manager.post(f"/allocation/rounds/{second['round']}/approve", status=403)
        approved = checker.post(f"/allocation/rounds/{second['round']}/approve")
        assert (approved["status"], approved["selected"]) == ("approved", 4)

        # the commune posts its list for objections (5 working days) before the hall
        for posting in run("xa1", "posting", "list", *programme):
            run("xa1", "posting", "posted", str(posting["posting"]), *programme, "--on", "2023-10-23")
        # the village hall: an event from the console, handovers by the officer's token
        event = run(
            "xa1",
            "handover",
            "event-add",
            *programme,
            "--commune",
            GIAO_HIEU,
            "--date",
            "2023-11-10",
            "--place",
            "Nhà văn hóa thôn Nà Pài",
        )
        hall = f"/handover/events/{event['event']}"
        expected = {e["full_name"]: e for e in officer.get(hall)["expected"]}
        assert set(expected) == set(NAMES)
        officer.post(f"{hall}/absent", {"resident_id": expected[NAMES[3]]["resident"]})
        officer.post(f"{hall}/absent/undo", {"resident_id": expected[NAMES[3]]["resident"]})
        given = {}
        for i, name in enumerate(NAMES[:3]):
            person = expected[name]
            given[name] = officer.post(
                f"{hall}/handovers",
                {
                    "reservation_id": person["reservation"],
                    "id_number": NUMBERS[i],
                    "imei": person["imei"],
                    "confirmation": "signature",
                    "sim_number": f"091234567{i}",
                    "key": f"k{i}",
                },
            )
        closed = run("xa1", "handover", "close", *programme, "--event", str(event["event"]))
        assert (closed["handed"], closed["absent"], closed["waiting"]) == (3, 0, 1)

        # a week on: one phone broken, swapped for a spare the manager sends to the commune
        broken = expected[NAMES[0]]
        village.post(
            "/onboarding/followups",
            {"resident_id": broken["resident"], "days": 7, "visited_on": "2023-11-17", "outcome": "broken"},
        )
        spare = next(n for n in bought + donated[:1] if n not in {e["imei"] for e in expected.values()})
        (tmp_path / "gui.txt").write_text(spare)
        assert (
            run("ql1", "devices", "transfer", *programme, "--imei-file", str(tmp_path / "gui.txt"), "--to", GIAO_HIEU)[
                "sent"
            ]
            == 1
        )
        assert officer.post("/devices/transfers/confirm", {"imeis": [spare]})["confirmed"] == 1
        swapped = run(
            "xa1",
            "handover",
            "replace",
            *programme,
            "--handover",
            str(given[NAMES[0]]["id"]),
            "--imei",
            spare,
            "--reason",
            "Màn hình hỏng",
        )
        assert (swapped["imei"], swapped["status"]) == (spare, "current")

        # the village team's steps for the three who have a phone
        people = [expected[n]["resident"] for n in NAMES[:3]]
        steps = village.post(
            "/onboarding/steps",
            {"resident_ids": people, "steps": ["vneid_installed", "eid_level2"], "done_on": "2023-11-20"},
        )
        assert steps["written"] == 6
    finally:
        server.stop()

    # the people served: a complaint from the public, answered by the commune; the messages due are counted
    where = ("--commune", GIAO_HIEU, "--category", "not_received")
    filed = run(
        None, "complaints", "add", *programme, *where, "--text", "Nhà tôi chưa nhận máy", "--phone", "0912345678"
    )
    assert set(filed) == {"complaint", "acknowledge_by", "resolve_by"}
    note = ("--status", "acknowledged", "--note", "Đã nhận, sẽ báo lịch")
    assert run("xa1", "complaints", "update", str(filed["complaint"]), *programme, *note)["status"] == "acknowledged"
    assert run("ql1", "complaints", "list", *programme, "--overdue") == []
    assert run("ql1", "notify", "send-due", *programme, "--dry-run") == {"queued": 1, "sent": 0, "failed": 0}

    kpi = run("ql1", "kpi", *programme, "--date", "2023-11-30")
    commune = next(c for c in kpi["communes"] if c["code"] == GIAO_HIEU)
    assert commune["indicators"]["handover_progress"]["numerator"] == 3  # three people, the swap counted once
    assert commune["indicators"]["eid_level2"]["numerator"] == 3
    summary = run("tc1", "fundraising", "summary", *programme)
    assert summary["received"] == 24_000_000  # the transfer and the phones in kind
    # the Front's paperwork: both enterprises' certificates were issued as their gifts were recorded, so the batch
    # finds nothing left; the accountant takes the books of the campaign
    certified = run("tc1", "fundraising", "receipt", *programme, "--all", "--out", str(tmp_path / "gcn.pdf"))
    assert (certified["issued"], certified["file"]) == (0, None)
    period = ("--from", "2023-08-11", "--to", "2023-12-31")
    books = run(
        "tc1", "fundraising", "books", *programme, *period, "--format", "csv", "--out", str(tmp_path / "so.csv")
    )
    assert books["journal_rows"] >= 2
    assert (tmp_path / "so.csv").read_text(encoding="utf-8-sig").startswith("Ngày,Số bút toán,Diễn giải")
