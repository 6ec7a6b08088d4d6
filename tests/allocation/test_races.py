"""Concurrent approvals on PostgreSQL: the invariants hold."""

import pytest

from phocap.accounts.models import Membership, Role, User
from phocap.allocation import services
from phocap.allocation.models import Reservation
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
