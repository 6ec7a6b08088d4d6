import datetime as dt
import json
from decimal import Decimal

import pytest

from phocap.allocation.selectors import expected as allocation_expected
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.handover import services as handover
from phocap.onboarding import selectors, services
from phocap.onboarding.models import StepRecord, Verification
from phocap.registry.models import Resident
from phocap.reports import indicators
from tests.allocation.test_rounds import registry  # noqa: F401 - the fixture
from tests.handover.test_handover import approved, event  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
VILLAGE = "Thôn 1 (ví dụ)"  # the demo team member's village
HELD = dt.date(2023, 11, 10)


@pytest.fixture
def handed(event, user):  # noqa: F811
    """Every person expected at the Giáo Hiệu event receives their phone; they live in the team's village."""
    people = []
    for n, reservation in enumerate(list(allocation_expected(event.commune))):
        Resident.objects.filter(pk=reservation.resident_id).update(village=VILLAGE, id_hash="")
        handover.handover_record(
            actor=user("xa-giaohieu"),
            event=event,
            reservation_id=reservation.pk,
            id_number="",
            scanned=False,
            imei=reservation.device.imei,
            sim_activated=True,
            confirmation="signature",
            key=f"k{n}",
        )
        people.append(reservation.resident_id)
    return people


def test_a_team_member_records_steps_for_a_household_at_once_in_their_village_only(handed, user, programme):
    member = user("to-cns")
    seen = selectors.recipients(actor=member, programme=programme, on=dt.date(2023, 11, 20))
    assert sorted(r.resident.pk for r in seen) == sorted(handed)
    assert selectors.recipients(actor=user("xa-songcau"), programme=programme) == []
    household = handed[:2]
    written = services.steps_record(
        actor=member,
        programme=programme,
        resident_ids=household,
        steps=["vneid_installed", "eid_level2"],
        done_on=dt.date(2023, 11, 12),
    )
    assert written == 4
    record = StepRecord.objects.get(resident_id=handed[0], step="eid_level2")
    assert (record.done_on, record.recorded_by) == (dt.date(2023, 11, 12), "to-cns")
    # the same again changes nothing; a mistake is undone
    assert (
        services.steps_record(
            actor=member,
            programme=programme,
            resident_ids=household,
            steps=["eid_level2"],
            done_on=dt.date(2023, 11, 12),
        )
        == 0
    )
    services.step_undo(actor=member, programme=programme, resident_id=handed[1], step="eid_level2")
    assert not StepRecord.objects.filter(resident_id=handed[1], step="eid_level2").exists()
    outsider = Resident.objects.exclude(pk__in=handed).filter(commune__unit__code="01870").first()
    Resident.objects.filter(pk=outsider.pk).update(village="Thôn 2 (ví dụ)")
    with pytest.raises(NotFound):
        services.steps_record(
            actor=member, programme=programme, resident_ids=[outsider.pk], steps=["eid_level2"], done_on=HELD
        )
    Resident.objects.filter(pk=outsider.pk).update(village=VILLAGE)
    with pytest.raises(ValidationFailed, match="Chưa nhận máy"):
        services.steps_record(
            actor=member, programme=programme, resident_ids=[outsider.pk], steps=["eid_level2"], done_on=HELD
        )


def test_follow_ups_fall_due_from_the_handover_date_and_a_visit_is_recorded_once(handed, user, programme):
    member = user("to-cns")
    first = next(r for r in selectors.recipients(actor=member, programme=programme, on=dt.date(2023, 11, 30)))
    assert first.handed_on == HELD
    assert [(d["days"], d["due_on"], d["overdue"]) for d in first.due] == [(7, dt.date(2023, 11, 17), True)]
    visit = services.followup_record(
        actor=member,
        programme=programme,
        resident_id=first.resident.pk,
        days=7,
        visited_on=dt.date(2023, 11, 20),
        outcome="using",
        steps=["portal_account"],
    )
    assert visit.on_time  # 3 days late, within the 7 days' grace
    assert StepRecord.objects.filter(resident_id=first.resident.pk, step="portal_account").exists()
    with pytest.raises(Conflict):
        services.followup_record(
            actor=member, programme=programme, resident_id=first.resident.pk, days=7, visited_on=HELD, outcome="using"
        )
    with pytest.raises(ValidationFailed):
        services.followup_record(
            actor=member, programme=programme, resident_id=first.resident.pk, days=14, visited_on=HELD, outcome="using"
        )


def test_indicators_count_holders_steps_follow_ups_and_money_on_any_date(handed, user, programme):
    member = user("to-cns")
    n = len(handed)
    gh = programme.communes.get(unit__code="01870")
    before = indicators.compute(programme, dt.date(2023, 11, 9), [gh]).communes[0].indicators
    assert before["handover_progress"].numerator == 0
    services.steps_record(
        actor=member, programme=programme, resident_ids=handed[:2], steps=["eid_level2"], done_on=dt.date(2023, 11, 15)
    )
    services.steps_record(
        actor=member, programme=programme, resident_ids=handed[:1], steps=["cashless_payment"], done_on=HELD
    )
    # +7 visits: one on time and still using, one late and the phone sold; the others not visited
    services.followup_record(
        actor=member,
        programme=programme,
        resident_id=handed[0],
        days=7,
        visited_on=dt.date(2023, 11, 18),
        outcome="using",
    )
    services.followup_record(
        actor=member,
        programme=programme,
        resident_id=handed[1],
        days=7,
        visited_on=dt.date(2023, 12, 1),
        outcome="sold",
    )
    on = dt.date(2023, 12, 5)
    got = indicators.compute(programme, on, [gh]).communes[0].indicators
    assert (got["handover_progress"].numerator, got["handover_progress"].denominator) == (
        n,
        gh.baseline_without_smartphone,
    )
    owners = gh.adult_population - gh.baseline_without_smartphone + n - 1  # one sold
    assert (got["smartphone_coverage"].numerator, got["smartphone_coverage"].denominator) == (
        owners,
        gh.adult_population,
    )
    assert (got["eid_level2"].numerator, got["eid_level2"].denominator) == (2, n)
    assert (got["cashless_payment"].numerator, got["cashless_payment"].denominator) == (1, n)
    assert (got["still_using"].numerator, got["still_using"].denominator) == (1, 2)
    # the +7 window (17/11 + 7 days) closed on 24/11: n rounds due, one visited within it
    assert (got["followup_on_time"].numerator, got["followup_on_time"].denominator) == (1, n)
    report = indicators.compute(programme, on, [gh])
    assert report.communes[0].overdue_followups == n - 2
    # on an earlier date the step done later does not count yet
    earlier = indicators.compute(programme, dt.date(2023, 11, 14), [gh]).communes[0].indicators
    assert earlier["eid_level2"].numerator == 0
    assert earlier["cashless_payment"].numerator == 1
    assert got["eid_level2"].percent == round(200 / n, 1)
    assert got["eid_level2"].target == 90.0


def test_a_returned_phone_stops_counting_from_the_day_it_came_back(handed, user, programme):
    from phocap.handover.models import Handover

    done = Handover.objects.get(resident_id=handed[0])
    handover.handover_return(
        actor=user("xa-giaohieu"), handover=done, reason="Không dùng", device_ok=True, on=dt.date(2023, 12, 1)
    )
    gh = programme.communes.get(unit__code="01870")
    holders = [
        indicators.compute(programme, day, [gh]).communes[0].indicators["handover_progress"].numerator
        for day in (dt.date(2023, 11, 30), dt.date(2023, 12, 1))
    ]
    assert holders == [len(handed), len(handed) - 1]


def test_the_verification_sample_is_sized_by_confidence_and_margin_and_redrawn_from_its_seed(handed, user, programme):
    assert services.sample_size(1000, Decimal(95), Decimal(5)) == 278
    assert services.sample_size(100_000, Decimal(95), Decimal(5)) == 383
    assert services.sample_size(10, Decimal(95), Decimal(5)) == 10
    with pytest.raises(ValidationFailed):
        services.sample_size(10, Decimal(80), Decimal(5))
    manager = user("quanly")
    one = services.sample_draw(actor=manager, programme=programme, confidence=Decimal(95), margin=Decimal(20), seed="s")
    two = services.sample_draw(actor=manager, programme=programme, confidence=Decimal(95), margin=Decimal(20), seed="s")
    assert one.population == len(handed)
    assert list(one.items.values_list("handover_id", flat=True).order_by("handover_id")) == list(
        two.items.values_list("handover_id", flat=True).order_by("handover_id")
    )
    item = one.items.first()
    with pytest.raises(ValidationFailed, match="Ghi rõ"):
        services.verification_record(actor=manager, item=item, method="call", result="not_received")
    services.verification_record(
        actor=manager, item=item, method="call", result="not_received", note="Người dân nói chưa nhận"
    )
    assert [v.pk for v in selectors.flagged(actor=manager, programme=programme)] == [item.pk]
    assert not selectors.flagged(actor=user("xa-giaohieu"), programme=programme).exists()
    assert Verification.objects.get(pk=item.pk).flagged


def test_phocap_kpi_prints_the_documented_keys(handed, programme, capsys):
    from phocap.cli import main

    assert main(["kpi", "--programme", programme.code, "--date", "2023-12-05", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"programme", "date", "communes", "programme_totals"}
    assert data["date"] == "2023-12-05"
    assert set(data["programme_totals"]) == {
        "smartphone_coverage",
        "handover_progress",
        "funds_received",
        "funds_spent",
        "eid_level2",
        "public_service_account",
        "online_service_used",
        "payment_account",
        "cashless_payment",
        "still_using",
        "followup_on_time",
    }
    gh = next(c for c in data["communes"] if c["code"] == "01870")
    assert set(gh) >= {"code", "name", "indicators"}
    assert set(gh["indicators"]["handover_progress"]) == {"numerator", "denominator", "percent", "target"}
    assert gh["indicators"]["handover_progress"]["numerator"] == len(handed)
    assert main(["kpi", "--programme", programme.code, "--date", "31-12-2023"]) == 2


def test_the_database_refuses_unknown_steps_outcomes_and_unexplained_flags(handed, user, programme):
    from django.db import IntegrityError, transaction

    from phocap.handover.models import Handover
    from phocap.onboarding.models import FollowUpVisit

    person = Resident.objects.get(pk=handed[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        StepRecord.objects.create(
            programme=programme, resident=person, commune=person.commune, step="bogus", done_on=HELD, recorded_by="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpVisit.objects.create(
            programme=programme,
            handover=Handover.objects.get(resident=person),
            resident=person,
            commune=person.commune,
            days=7,
            due_on=HELD,
            window_closes_on=HELD,
            visited_on=HELD,
            outcome="maybe",
            recorded_by="x",
        )
    sample = services.sample_draw(
        actor=user("quanly"), programme=programme, confidence=Decimal(95), margin=Decimal(20), seed="db"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Verification.objects.filter(pk=sample.items.first().pk).update(result="issues", note="")
