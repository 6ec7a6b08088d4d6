"""Concurrent approvals on PostgreSQL: the invariants hold."""

import pytest

from phocap.accounts.models import Membership, Role, User
from phocap.allocation import postings, services
from phocap.allocation.models import Reservation
from phocap.allocation.selectors import expected as allocation_expected
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict
from phocap.registry.models import Consent, Resident
from tests.allocation.test_rounds import GIAO_HIEU, HEADER, people, stock
from tests.programmes.test_races import run_together, seeded  # noqa: F401 - the fixture
from tests.registry.test_dedup import _book

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_checkers_approving_the_same_round_at_once_reserve_each_device_once(seeded):  # noqa: F811
    from phocap.registry.importing import import_residents

    programme = seeded
    import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([HEADER, *people("Hoàng", 10)]),
        filename="gh.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )
    for r in Resident.objects.filter(programme=programme):
        Consent.objects.create(resident=r, purpose="Nhận máy", given_on="2023-09-15", method="ký giấy", recorded_by="x")
    stock(programme, 6)
    checkers = []
    for name in ("duyet1", "duyet2"):
        user = User.objects.create_user(username=name, password="x")
        Membership.objects.create(user=user, role=Role.PROGRAMME_MANAGER, programme=programme)
        checkers.append(user)
    round_ = services.round_propose(actor=SYSTEM, programme=programme, seed="s")
    outcomes = run_together(
        lambda: services.round_approve(actor=checkers[0], round_=round_),
        lambda: services.round_approve(actor=checkers[1], round_=round_),
    )
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    held = Reservation.objects.filter(round=round_)
    assert held.count() == 6
    assert held.values("device").distinct().count() == 6
    assert held.values("resident").distinct().count() == 6


def test_two_phones_submitting_the_same_handover_at_once_hand_over_once(seeded):  # noqa: F811
    import datetime as dt

    from phocap.handover import services as handover
    from phocap.handover.models import Handover
    from phocap.registry.importing import import_residents

    programme = seeded
    import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([HEADER, *people("Hoàng", 3)]),
        filename="gh.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )
    for r in Resident.objects.filter(programme=programme):
        Consent.objects.create(resident=r, purpose="Nhận máy", given_on="2023-09-15", method="ký giấy", recorded_by="x")
    stock(programme, 3)
    checker = User.objects.create_user(username="duyet", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=programme)
    round_ = services.round_propose(actor=SYSTEM, programme=programme, seed="s")
    services.round_approve(actor=checker, round_=round_)
    for posting in round_.postings.all():  # the lists posted for objections before the hall
        postings.posting_record(actor=SYSTEM, posting=posting, posted_on=dt.date(2023, 10, 23))
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    event = handover.event_create(
        actor=SYSTEM, programme=programme, commune=commune, held_on=dt.date(2023, 11, 1), place="Nhà văn hóa"
    )
    reservation = allocation_expected(event.commune).first()

    def give(key):
        return lambda: handover.handover_record(
            actor=SYSTEM,
            event=event,
            reservation_id=reservation.pk,
            id_number="",
            scanned=False,
            imei=reservation.device.imei,
            sim_activated=True,
            confirmation="signature",
            key=key,
        )

    outcomes = run_together(give("phone-a"), give("phone-b"), give("phone-a"))
    assert Handover.objects.filter(resident=reservation.resident).count() == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) >= 1
    assert not any(isinstance(o, Exception) and not isinstance(o, Conflict) for o in outcomes), outcomes
