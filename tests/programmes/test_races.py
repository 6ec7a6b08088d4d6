"""Concurrency on PostgreSQL (SQLite serialises writers, so these run only there; `.ci/run` runs them)."""

import itertools
import threading

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict
from phocap.programmes import selectors, services
from phocap.programmes.models import Assignment, Programme
from tests.conftest import GIAO_HIEU, PROGRAMME

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db):
    """Transactional tests flush the database afterwards; make sure the programme is there for this one."""
    from phocap.accounts.demo import demo_users_create
    from phocap.fundraising.demo import demo_fundraising_create
    from phocap.programmes.services import programme_init

    programme = Programme.objects.filter(code=PROGRAMME).first()
    if programme is None:
        programme = programme_init(actor=SYSTEM, name_or_path=PROGRAMME)
        demo_users_create(actor=SYSTEM, programme=programme)
        demo_fundraising_create(actor=SYSTEM, programme=programme)
    return programme


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def worker(i, call):
        from django.db import connection

        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_managers_assigning_a_department_at_once_leaves_exactly_one(seeded):
    programme = seeded
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    services.assignment_end(actor=SYSTEM, programme=programme, assignment=selectors.department_of(commune))

    def assign(key):
        return lambda: services.assignment_create(
            actor=SYSTEM, programme=programme, commune_code=GIAO_HIEU, organisation_key=key, role="department"
        )

    for _ in range(5):
        outcomes = run_together(assign("bk-so-tttt"), assign("bk-so-yte"))
        created = [o for o in outcomes if isinstance(o, Assignment)]
        refused = [o for o in outcomes if isinstance(o, Conflict)]
        assert (len(created), len(refused)) == (1, 1), outcomes
        active = Assignment.objects.filter(commune=commune, role="department", ended_at__isnull=True)
        assert active.count() == 1
        services.assignment_end(actor=SYSTEM, programme=programme, assignment=active.get())


def test_concurrent_corrections_of_a_commune_are_serialised_and_each_audited(seeded):
    from phocap.core.models import AuditEvent

    programme = seeded
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    before = AuditEvent.objects.filter(action="commune.update", object_id=str(commune.pk)).count()
    outcomes = run_together(
        *[
            (lambda n=n: services.commune_update_figures(actor=SYSTEM, commune=commune, adult_population=3000 + n))
            for n in range(4)
        ]
    )
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    commune.refresh_from_db()
    assert commune.adult_population in {3000, 3001, 3002, 3003}
    events = AuditEvent.objects.filter(action="commune.update", object_id=str(commune.pk)).order_by("id")
    assert events.count() == before + 4
    # each correction saw the value the previous one left: the audit trail forms one chain
    chain = [e.changes["adult_population"] for e in events[before:]]
    for earlier, later in itertools.pairwise(chain):
        assert earlier[1] == later[0]


def test_receipts_issued_at_once_get_distinct_consecutive_numbers(seeded):
    from phocap.fundraising import services
    from phocap.fundraising.models import Donation, Receipt

    programme = seeded
    point = programme.collection_points.get(key="tinh")
    gifts = [
        services.donation_record(
            actor=SYSTEM,
            programme=programme,
            channel="cash",
            amount=100_000 + n,
            received_on=programme.campaign_start,
            collection_point=point,
            cash_receipt_number=f"R-{n}",
        )
        for n in range(6)
    ]
    before = Receipt.objects.filter(programme=programme).count()
    outcomes = run_together(*[(lambda g=g: services.receipt_issue(actor=SYSTEM, donation=g)) for g in gifts])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    numbers = sorted(Receipt.objects.filter(programme=programme).values_list("number", flat=True))
    assert numbers == list(range(1, before + len(gifts) + 1))
    assert Donation.objects.filter(pk__in=[g.pk for g in gifts], receipt__isnull=False).count() == len(gifts)
