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


def test_teams_sessions_and_the_verification_sample_through_the_api(handed, login, programme):
    from phocap.onboarding.models import StepRecord

    officer = login("xa-giaohieu")
    team = _post(officer, "teams", {"commune": "01870", "village": "Thôn Nà Coóc", "name": ""})
    assert team.status_code == 201, team.content
    assert team.json()["name"] == "Tổ công nghệ số cộng đồng Thôn Nà Coóc"
    again = _post(officer, "teams", {"commune": "01870", "village": "Thôn  Nà Coóc"})
    assert again.status_code == 409  # one team per village
    member = _post(officer, f"teams/{team.json()['id']}/members", {"name": "Hoàng Thị Lan", "is_leader": True})
    assert member.json()["members"] == [
        {"id": member.json()["members"][0]["id"], "name": "Hoàng Thị Lan", "is_leader": True, "username": None}
    ]
    assert _post(login("to-cns"), "teams", {"commune": "01870", "village": "Thôn 9"}).status_code == 404
    assert _post(login("xa-songcau"), f"teams/{team.json()['id']}/members", {"name": "X"}).status_code == 404

    session = _post(
        officer,
        "sessions",
        {
            "commune": "01870",
            "held_on": "2023-11-25",
            "topic": "Cài VNeID",
            "organiser_kind": "team",
            "village": "Thôn 1 (ví dụ)",
            "head_count": 12,
            "attendee_ids": handed[:2],
        },
    )
    assert session.status_code == 201, session.content
    assert session.json()["attendees"] == 2
    assert StepRecord.objects.filter(resident_id__in=handed[:2], step="guidance_attended").count() == 2

    manager = login("quanly")
    sample = _post(manager, "samples", {"confidence": "95", "margin": "5", "seed": "công bố 01/12/2023"})
    assert sample.status_code == 201, sample.content
    drawn = sample.json()
    assert drawn["population"] >= len(handed)
    assert drawn["size"] == len(drawn["items"]) <= drawn["population"]
    item = drawn["items"][0]["id"]
    unexplained = _post(manager, f"verifications/{item}", {"method": "call", "result": "not_received"})
    assert unexplained.status_code == 422
    flagged = _post(manager, f"verifications/{item}", {"method": "call", "result": "issues", "note": "Máy hỏng"})
    assert flagged.json()["result"] == "issues"
    assert _post(login("kiemtoan"), "samples", {}).status_code == 403


def test_phocap_onboarding_team_session_and_sample_commands(handed, programme, capsys):
    from phocap.cli import main

    base = ["--programme", programme.code, "--json"]
    assert (
        main(["--as", "xa-giaohieu", "onboarding", "team-add", *base, "--commune", "01870", "--village", "Bản Chang"])
        == 0
    )
    team = json.loads(capsys.readouterr().out)
    assert (
        main(
            ["--as", "xa-giaohieu", "onboarding", "member-add", *base, "--team", str(team["id"]), "--name", "Lý Văn A"]
        )
        == 0
    )
    assert [m["name"] for m in json.loads(capsys.readouterr().out)["members"]] == ["Lý Văn A"]
    session = ["--commune", "01870", "--topic", "Thanh toán QR", "--organiser", "enterprise", "--date", "2023-12-02"]
    assert (
        main(["--as", "xa-giaohieu", "onboarding", "session-add", *base, *session, "--attendee", str(handed[0])]) == 0
    )
    assert json.loads(capsys.readouterr().out)["attendees"] == 1
    assert main(["--as", "quanly", "onboarding", "sample-draw", *base, "--seed", "s1"]) == 0
    drawn = json.loads(capsys.readouterr().out)
    assert drawn["seed"] == "s1"
    item = str(drawn["items"][0]["id"])
    assert (
        main(
            [
                "--as",
                "quanly",
                "onboarding",
                "verify",
                *base,
                "--item",
                item,
                "--method",
                "visit",
                "--result",
                "received",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == {"id": int(item), "result": "received", "flagged": False}
