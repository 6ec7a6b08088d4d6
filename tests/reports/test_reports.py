import datetime as dt
import json
import re

import pytest

from phocap.onboarding import services
from phocap.reports import indicators
from tests.allocation.test_rounds import registry  # noqa: F401 - the fixture
from tests.handover.test_handover import approved, event  # noqa: F401 - fixtures
from tests.onboarding.test_onboarding import HELD, handed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
ON = "2023-12-05"


@pytest.fixture
def progress(handed, user, programme):  # noqa: F811
    member = user("to-cns")
    services.steps_record(
        actor=member, programme=programme, resident_ids=handed[:2], steps=["eid_level2"], done_on=dt.date(2023, 11, 15)
    )
    services.followup_record(
        actor=member,
        programme=programme,
        resident_id=handed[0],
        days=7,
        visited_on=HELD + dt.timedelta(days=8),
        outcome="using",
    )
    return handed


def _cell(page: str, key: str) -> list[str]:
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<.*?>", "", c).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]


def test_the_dashboard_the_api_and_phocap_kpi_show_the_same_numbers(progress, login, programme, capsys):
    from phocap.cli import main

    assert main(["kpi", "--programme", programme.code, "--date", ON, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    client = login("quanly")
    api = client.get(f"/api/v1/programmes/{programme.code}/kpi?date={ON}").json()
    assert api["programme_totals"] == cli["programme_totals"]
    assert api["communes"] == cli["communes"]
    page = client.get(f"/p/{programme.code}/chi-so/?ngay={ON}").content.decode()
    assert "Số liệu tại ngày 05/12/2023" in page
    for key, value in cli["programme_totals"].items():
        cells = _cell(page, key)
        assert cells[1:3] == [
            f"{value['numerator']:,}".replace(",", "."),
            f"{value['denominator']:,}".replace(",", "."),
        ]
    assert page.count('<svg class="chart wide"') == 6  # coverage, handovers, funnel, money, phones, overdue
    assert page.count('<svg class="chart narrow"') == 6  # the same, laid out for a phone
    commune = client.get(f"/p/{programme.code}/chi-so/xa/01870/?ngay={ON}").content.decode()
    gh = next(c for c in cli["communes"] if c["code"] == "01870")
    assert _cell(commune, "eid_level2")[1] == str(gh["indicators"]["eid_level2"]["numerator"])
    assert client.get(f"/p/{programme.code}/chi-so/?ngay=31-31-2023").status_code == 200  # a message, not a crash


def test_every_role_of_the_programme_sees_figures_but_not_outsiders(progress, login, programme, client):
    for who in ("so-tttt", "vnpt", "kiemtoan", "to-cns"):
        assert login(who).get(f"/p/{programme.code}/chi-so/").status_code == 200
    assert client.get(f"/p/{programme.code}/chi-so/").status_code == 302  # sign in first
    assert client.get(f"/api/v1/programmes/{programme.code}/kpi").status_code == 401


def test_the_public_page_shows_each_communes_progress_without_names(progress, client, programme):
    from django.core.cache import cache

    from phocap.registry.models import Resident

    cache.clear()
    page = client.get(f"/cong-khai/{programme.code}/").content.decode()
    assert "Tiến độ từng xã" in page
    report = indicators.compute(programme)
    gh = next(c for c in report.communes if c.code == "01870")
    assert f"{gh.indicators['smartphone_coverage'].percent:.1f}".replace(".", ",") + " %" in page
    for name in Resident.objects.filter(pk__in=progress).values_list("full_name", flat=True):
        assert name not in page


def test_the_team_member_page_records_a_household_and_a_visit_in_a_few_taps(handed, login, programme):  # noqa: F811
    from phocap.onboarding.models import FollowUpVisit, StepRecord

    client = login("to-cns")
    page = client.get(f"/p/{programme.code}/huong-dan/").content.decode()
    assert "Quá hạn" in page or "đến hạn" in page
    done = client.post(
        f"/p/{programme.code}/huong-dan/",
        {"resident": handed[:2], "step": ["vneid_installed", "eid_level2"], "done_on": "2023-11-20"},
        follow=True,
    ).content.decode()
    assert "Đã ghi 4 bước" in done
    assert StepRecord.objects.filter(resident_id__in=handed[:2]).count() == 4
    client.post(
        f"/p/{programme.code}/huong-dan/",
        {
            "action": "visit",
            "resident": handed[0],
            "days": 7,
            "visited_on": "2023-11-18",
            "outcome": "using",
            "step": ["cashless_payment"],
        },
    )
    assert FollowUpVisit.objects.get(resident_id=handed[0]).outcome == "using"
    assert StepRecord.objects.filter(resident_id=handed[0], step="cashless_payment").exists()
    bad = client.post(
        f"/p/{programme.code}/huong-dan/",
        {"resident": handed[:1], "step": ["eid_level2"], "done_on": "2099-01-01"},
        follow=True,
    ).content.decode()
    assert "Ngày không được ở tương lai" in bad
    assert login("xa-songcau").get(f"/p/{programme.code}/huong-dan/").content.decode().count('name="resident"') == 0


def test_the_commune_sets_up_teams_and_records_a_session(handed, login, programme):  # noqa: F811
    from phocap.onboarding.models import GuidanceSession, StepRecord, Team

    officer = login("xa-giaohieu")
    officer.post(f"/p/{programme.code}/huong-dan/to/", {"commune": "01870", "village": "Thôn 1 (ví dụ)"})
    team = Team.objects.get()
    officer.post(f"/p/{programme.code}/huong-dan/to/", {"action": "member", "team": team.pk, "name": "Hà Thị Số"})
    assert [m.name for m in team.members.all()] == ["Hà Thị Số"]
    again = officer.post(
        f"/p/{programme.code}/huong-dan/to/", {"commune": "01870", "village": "Thôn 1 (ví dụ)"}, follow=True
    ).content.decode()
    assert "đã có tổ" in again
    officer.post(
        f"/p/{programme.code}/huong-dan/buoi/",
        {
            "commune": "01870",
            "held_on": "2023-11-15",
            "topic": "Kích hoạt VNeID",
            "organiser_kind": "team",
            "head_count": "20",
            "attendee": handed[:3],
        },
    )
    session = GuidanceSession.objects.get()
    assert (session.head_count, session.attendees.count()) == (20, 3)
    assert StepRecord.objects.filter(step="guidance_attended").count() == 3
    assert (
        login("xa-songcau")
        .post(f"/p/{programme.code}/huong-dan/buoi/", {"commune": "01870", "topic": "x", "organiser_kind": "team"})
        .status_code
        == 404
    )  # another commune's officer: as if it did not exist
    assert GuidanceSession.objects.count() == 1


def test_the_manager_draws_a_sample_and_flags_a_discrepancy(handed, login, programme):  # noqa: F811
    from phocap.onboarding.models import Verification

    manager = login("quanly")
    manager.post(f"/p/{programme.code}/huong-dan/kiem-chung/", {"action": "draw", "confidence": "95", "margin": "5"})
    item = Verification.objects.first()
    assert Verification.objects.count() == len(handed)  # a small population is checked whole
    page = manager.post(
        f"/p/{programme.code}/huong-dan/kiem-chung/",
        {"action": "record", "item": item.pk, "method": "call", "result": "issues", "note": "Máy chưa có SIM"},
        follow=True,
    ).content.decode()
    assert "Sai lệch cần xử lý" in page
    assert "Máy chưa có SIM" in page
    assert login("xa-giaohieu").get(f"/p/{programme.code}/huong-dan/kiem-chung/").status_code == 404


def test_a_phone_given_back_takes_its_holder_out_of_every_count_from_that_day(progress, user, programme):
    """Steps and visits are counted over the programme and the people not holding a phone on the date are taken
    off: the person who gives the phone back counts before that day and not after."""
    from phocap.handover import services as handover
    from phocap.handover.models import Handover

    first = Handover.objects.get(resident_id=progress[0], status="current")
    before, after = dt.date(2023, 12, 5), dt.date(2023, 12, 20)
    handover.handover_return(
        actor=user("xa-giaohieu"), handover=first, reason="chuyển đi", device_ok=True, on=dt.date(2023, 12, 10)
    )
    gh_before = next(c for c in indicators.compute(programme, before).communes if c.code == "01870")
    gh_after = next(c for c in indicators.compute(programme, after).communes if c.code == "01870")
    assert gh_before.holders == len(progress)
    assert gh_after.holders == len(progress) - 1
    assert gh_before.indicators["eid_level2"].numerator == 2  # both recorded on 15/11
    assert gh_after.indicators["eid_level2"].numerator == 1
    assert gh_before.indicators["still_using"].denominator == 1  # the one visit was the person's who gave back
    assert gh_after.indicators["still_using"].denominator == 0
    assert gh_before.indicators["followup_on_time"].numerator == 1
    assert gh_after.indicators["followup_on_time"].numerator == 0
    # and on a date before anyone was handed a phone, nobody counts
    early = next(c for c in indicators.compute(programme, dt.date(2023, 11, 1)).communes if c.code == "01870")
    assert (early.holders, early.indicators["eid_level2"].numerator) == (0, 0)


def test_a_swapped_phone_counts_its_holder_once(progress, user, programme):
    """A replacement shares the event of the phone it replaces, and both stand until the swap: the person is one
    holder and one phone handed over, on the dashboard's counts and its timeline alike."""
    from phocap.devices.models import Device
    from phocap.handover import services as handover
    from phocap.handover.models import Handover
    from phocap.reports import selectors
    from tests.allocation.test_rounds import stock

    stock(programme, 1, start=42_000_000_000_000)
    spare = Device.objects.filter(state="ready").order_by("-pk").first()
    first = Handover.objects.get(resident_id=progress[1], status="current")
    Device.objects.filter(pk=spare.pk).update(location=first.event.commune)
    handover.handover_replace(actor=user("xa-giaohieu"), handover=first, imei=spare.imei, reason="Màn hình lỗi")
    on = dt.date(2023, 12, 5)  # before the swap (recorded today): the old phone still stands then
    report = indicators.compute(programme, on)
    gh = next(c for c in report.communes if c.code == "01870")
    assert gh.holders == len(progress)
    assert gh.indicators["eid_level2"].numerator == 2
    assert selectors.timeline(programme, on)["phones"][-1][1] == report.totals.holders
    today = next(c for c in indicators.compute(programme, dt.date.today()).communes if c.code == "01870")
    assert today.holders == len(progress)


def test_the_last_visit_by_a_date_whatever_order_the_visits_were_recorded_in(handed, user, programme):  # noqa: F811
    """The +30 visit recorded before the +7 one: on a day between the two visits the +7 one is the last, after
    the +30 one that one is (`FollowUpVisit.superseded_on`, kept by followup_record)."""
    from phocap.onboarding.models import FollowUpVisit

    member, person = user("to-cns"), handed[0]
    record = dict(actor=member, programme=programme, resident_id=person)
    services.followup_record(**record, days=30, visited_on=dt.date(2023, 12, 12), outcome="sold")
    services.followup_record(**record, days=7, visited_on=dt.date(2023, 11, 18), outcome="using")
    assert FollowUpVisit.objects.get(resident_id=person, days=7).superseded_on == dt.date(2023, 12, 12)
    assert FollowUpVisit.objects.get(resident_id=person, days=30).superseded_on is None

    def giao_hieu(on):
        return next(c for c in indicators.compute(programme, on).communes if c.code == "01870")

    between, after = giao_hieu(dt.date(2023, 12, 1)), giao_hieu(dt.date(2023, 12, 20))
    assert between.indicators["still_using"].as_dict() | {"target": 0} == {
        "numerator": 1,
        "denominator": 1,
        "percent": 100.0,
        "target": 0,
    }
    assert (after.indicators["still_using"].numerator, after.indicators["still_using"].denominator) == (0, 1)
    coverage = between.indicators["smartphone_coverage"].numerator - after.indicators["smartphone_coverage"].numerator
    assert coverage == 1  # the phone sold no longer counts as an adult owning one
