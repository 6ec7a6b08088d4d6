"""The indicators read tallies the database keeps in the same statement as the facts (issue #18): on every date
they must give what counting the facts gives, whatever happened to the people (returns, swaps, late visits, visits
recorded out of order, a step taken back or re-dated); a tally gone wrong is found by `phocap kpi-check` and put
right by a system administrator."""

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from phocap.cli import main
from phocap.core.errors import PermissionDenied
from phocap.onboarding import services
from phocap.onboarding.models import StepRecord
from phocap.reports import indicators, tallies
from phocap.reports import services as reports
from phocap.reports.models import TallyTotal
from tests.allocation.test_rounds import registry  # noqa: F401 - the fixture
from tests.handover.test_handover import approved, event  # noqa: F401 - fixtures
from tests.onboarding.test_onboarding import HELD, handed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _a_busy_commune(people, user, programme):
    """Everything that moves a count: steps (one taken back, one re-dated), visits in time, late, out of order and
    superseded, a phone given back, one lost, one swapped."""
    from phocap.devices.models import Device
    from phocap.handover import services as handover
    from phocap.handover.models import Handover
    from tests.allocation.test_rounds import stock

    member, officer = user("to-cns"), user("xa-giaohieu")
    steps = dict(actor=member, programme=programme)
    services.steps_record(**steps, resident_ids=people, steps=["eid_level2"], done_on=dt.date(2023, 11, 15))
    services.steps_record(**steps, resident_ids=people[:2], steps=["cashless_payment"], done_on=dt.date(2023, 11, 20))
    services.steps_record(**steps, resident_ids=people[:1], steps=["eid_level2"], done_on=dt.date(2023, 11, 25))
    services.step_undo(**steps, resident_id=people[1], step="cashless_payment")
    visit = dict(actor=member, programme=programme)
    services.followup_record(**visit, resident_id=people[0], days=30, visited_on=dt.date(2023, 12, 12), outcome="sold")
    services.followup_record(**visit, resident_id=people[0], days=7, visited_on=dt.date(2023, 11, 18), outcome="using")
    services.followup_record(**visit, resident_id=people[1], days=7, visited_on=dt.date(2023, 12, 2), outcome="using")
    services.followup_record(
        **visit, resident_id=people[2], days=7, visited_on=HELD + dt.timedelta(days=7), outcome="using"
    )
    handover.handover_return(
        actor=officer,
        handover=Handover.objects.get(resident_id=people[2], status="current"),
        reason="chuyển đi",
        device_ok=True,
        on=dt.date(2023, 12, 10),
    )
    handover.handover_lost(
        actor=officer,
        handover=Handover.objects.get(resident_id=people[0], status="current"),
        reason="bị trộm",
        on=dt.date(2023, 12, 20),
    )
    stock(programme, 1, start=42_000_000_000_000)
    spare = Device.objects.filter(state="ready").order_by("-pk").first()
    first = Handover.objects.get(resident_id=people[1], status="current")
    Device.objects.filter(pk=spare.pk).update(location=first.event.commune)
    handover.handover_replace(actor=officer, handover=first, imei=spare.imei, reason="Màn hình lỗi")


def test_the_tallies_give_what_the_facts_give_on_every_date(handed, user, programme):  # noqa: F811
    assert len(handed) == 3
    _a_busy_commune(handed, user, programme)
    day, today = dt.date(2023, 11, 1), dt.date.today()
    dates = [day + dt.timedelta(days=i) for i in range(75)] + [today - dt.timedelta(days=1), today]
    for on in dates:
        assert (
            indicators.compute(programme, on).as_dict() == indicators.compute(programme, on, from_facts=True).as_dict()
        ), on
    result = reports.tallies_check(actor=user("quanly"), programme=programme, on=dt.date(2023, 12, 5))
    assert result.agree
    assert result.tallies.checked_totals > 0
    assert not result.repaired


def test_the_dashboard_counts_steps_and_visits_from_the_tallies_not_the_rows(handed, user, programme):  # noqa: F811
    """The programme-wide counts over steps and visits are not read from their tables: only the few people who gave a
    phone back are looked up there."""
    services.steps_record(
        actor=user("to-cns"), programme=programme, resident_ids=handed, steps=["eid_level2"], done_on=HELD
    )
    with CaptureQueriesContext(connection) as queries:
        report = indicators.compute(programme, dt.date(2023, 12, 5))
    assert report.totals.indicators["eid_level2"].numerator == len(handed)
    over_facts = [
        q["sql"]
        for q in queries
        if ('FROM "onboarding_steprecord"' in q["sql"] or 'FROM "onboarding_followupvisit"' in q["sql"])
        and '"resident_id" IN' not in q["sql"]
    ]
    assert over_facts == []
    assert any('"reports_tallytotal"' in q["sql"] for q in queries)


def test_a_tally_is_written_with_its_fact_and_rolled_back_with_it(handed, programme):  # noqa: F811
    """Bulk writes are counted too (one statement of many rows), and a transaction that fails leaves no count."""
    from phocap.registry.models import Resident

    commune_id = Resident.objects.get(pk=handed[0]).commune_id

    def kept():
        return tallies.on(programme.pk, dt.date(2023, 12, 31)).get((commune_id, "step:payment_account"), 0)

    rows = [
        StepRecord(
            programme=programme,
            resident_id=r,
            commune_id=commune_id,
            step="payment_account",
            done_on=HELD,
            recorded_by="t",
        )
        for r in handed
    ]

    def written_then_failed():
        with transaction.atomic():
            StepRecord.objects.bulk_create(rows)
            assert kept() == len(handed)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        written_then_failed()
    assert kept() == 0
    StepRecord.objects.bulk_create(rows)
    assert kept() == len(handed)
    StepRecord.objects.filter(step="payment_account").update(done_on=HELD + dt.timedelta(days=40))
    assert tallies.on(programme.pk, HELD + dt.timedelta(days=39)).get((commune_id, "step:payment_account"), 0) == 0
    StepRecord.objects.filter(step="payment_account").delete()
    assert kept() == 0


def test_a_tally_gone_wrong_is_found_and_put_right_by_an_administrator(handed, user, programme, capsys):  # noqa: F811
    services.steps_record(
        actor=user("to-cns"), programme=programme, resident_ids=handed, steps=["eid_level2"], done_on=HELD
    )
    TallyTotal.objects.filter(programme_id=programme.pk, key="step:eid_level2").update(n=1)  # around the triggers

    assert main(["kpi-check", "--programme", programme.code, "--date", "2023-12-05", "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert not found["agree"]
    assert not found["indicators_agree"]
    assert found["differences"] == [
        {
            "scope": found["differences"][0]["scope"],
            "key": "step:eid_level2",
            "day": None,
            "kept": 1,
            "facts": len(handed),
        }
    ]
    with pytest.raises(PermissionDenied):
        reports.tallies_check(actor=user("quanly"), programme=programme, repair=True)

    assert main(["kpi-check", "--programme", programme.code, "--repair"]) == 0
    assert "Đã ghi lại các số đếm từ dữ liệu gốc." in capsys.readouterr().out
    assert main(["kpi-check", "--programme", programme.code, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["agree"]
