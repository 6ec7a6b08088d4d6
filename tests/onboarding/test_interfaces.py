"""Onboarding through the API and `phocap onboarding`: the same services as the web pages, scoped by role."""

import datetime as dt
import json

import pytest

from phocap.reports import indicators
from tests.onboarding.test_onboarding import HELD

pytestmark = pytest.mark.django_db
BASE = "/api/v1/programmes/bac-kan-2023/onboarding"


def _post(client, path, body):
    return client.post(f"{BASE}/{path}", data=json.dumps(body), content_type="application/json")


def test_a_team_member_records_a_household_and_a_visit_through_the_api(handed, login, programme):
    member = login("to-cns")
    seen = member.get(f"{BASE}/recipients").json()
    assert sorted(r["resident_id"] for r in seen) == sorted(handed)
    assert all("id_number" not in r and "phone" not in r for r in seen)
    assert login("xa-songcau").get(f"{BASE}/recipients").json() == []  # another commune's people are not theirs

    written = _post(member, "steps", {"resident_ids": handed[:2], "steps": ["eid_level2"], "done_on": "2023-11-20"})
    assert written.status_code == 200, written.content
    assert written.json() == {"written": 2}
    bad = _post(member, "steps", {"resident_ids": handed[:1], "steps": ["fly"], "done_on": "2023-11-20"})
    assert bad.status_code == 422
    assert "Chọn bước" in bad.json()["title"]
    early = _post(member, "steps", {"resident_ids": handed[:1], "steps": ["eid_level2"], "done_on": "2023-11-01"})
    assert early.status_code == 422  # before the phone was handed over (10/11): the indicators rely on it
    assert "trước ngày nhận máy" in early.json()["title"]

    visit = _post(
        member,
        "followups",
        {
            "resident_id": handed[0],
            "days": 7,
            "visited_on": "2023-11-18",
            "outcome": "using",
            "steps": ["vneid_installed"],
        },
    )
    assert visit.status_code == 200, visit.content
    assert visit.json() == {"days": 7, "visited_on": "2023-11-18", "outcome": "using"}
    first = next(r for r in member.get(f"{BASE}/recipients").json() if r["resident_id"] == handed[0])
    assert first["steps"] == {"eid_level2": "2023-11-20", "vneid_installed": "2023-11-18"}
    assert first["visits"] == [{"days": 7, "visited_on": "2023-11-18", "outcome": "using"}]

    # the indicators see what the API recorded
    gh = next(c for c in indicators.compute(programme, dt.date(2023, 12, 1)).communes if c.code == "01870")
    assert gh.indicators["eid_level2"].numerator == 2
    assert gh.indicators["still_using"].as_dict()["numerator"] == 1


def test_overdue_rounds_per_village_agree_with_the_indicator_and_carry_no_names(handed, login, programme):
    on = HELD + dt.timedelta(days=7 + 7 + 1)  # the +7 round's window closed yesterday, nobody visited
    rows = login("quanly").get(f"{BASE}/overdue?date={on.isoformat()}").json()
    assert rows == [{"commune": "01870", "commune_name": "Xã Giáo Hiệu", "village": "Thôn 1 (ví dụ)", "overdue": 3}]
    gh = next(c for c in indicators.compute(programme, on).communes if c.code == "01870")
    assert gh.overdue_followups == sum(r["overdue"] for r in rows) == len(handed)
    page = login("quanly").get(f"/p/bac-kan-2023/chi-so/xa/01870/?ngay={on.isoformat()}").content.decode()
    assert "Lần theo dõi quá hạn, theo thôn" in page
    assert "Thôn 1 (ví dụ)" in page
    assert login("xa-songcau").get(f"{BASE}/overdue?date={on.isoformat()}").json() == []


def test_phocap_onboarding_commands(handed, programme, capsys):
    from phocap.cli import main

    assert main(["--as", "to-cns", "onboarding", "recipients", "--programme", programme.code, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(handed)
    args = ["--as", "to-cns", "onboarding", "steps", "--programme", programme.code, "--date", "2023-11-25"]
    for rid in handed:
        args += ["--resident", str(rid)]
    assert main([*args, "--step", "cashless_payment", "--step", "payment_account", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"written": 2 * len(handed)}
    visit = ["--as", "to-cns", "onboarding", "followup", "--programme", programme.code, "--resident", str(handed[1])]
    assert main([*visit, "--days", "7", "--date", "2023-11-30", "--outcome", "sold", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["on_time"] is False  # due 17/11, window closed 24/11
    assert main(["--as", "xa-songcau", *visit[2:], "--days", "30", "--outcome", "using"]) != 0  # not their commune
    assert "Không tìm thấy" in capsys.readouterr().err
    assert main(["onboarding", "overdue", "--programme", programme.code, "--date", "2023-11-30"]) == 0
    assert "Thôn 1 (ví dụ)" in capsys.readouterr().out
