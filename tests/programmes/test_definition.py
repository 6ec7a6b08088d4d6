import datetime as dt
from decimal import Decimal

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.models import AuditEvent
from phocap.programmes import definition as definitions
from phocap.programmes import selectors
from phocap.programmes.models import Assignment, Programme
from phocap.programmes.services import programme_define, programme_init
from tests.conftest import PILOT_CODES, ROOT

pytestmark = pytest.mark.django_db


def test_bac_kan_2023_has_the_eight_pilot_communes_with_their_districts(programme):
    communes = list(selectors.commune_list(actor=SYSTEM, programme=programme))
    assert [c.unit.code for c in communes] == PILOT_CODES
    by_code = {c.unit.code: c for c in communes}
    assert by_code["01912"].unit.name == "Xã Thượng Giáo"
    assert by_code["01912"].district.name == "Huyện Ba Bể"
    assert by_code["01837"].district.code == "058"
    assert {c.district.code for c in communes} == {"058", "060", "061", "062", "063", "064", "065", "066"}


def test_bac_kan_2023_programme_facts(programme):
    assert programme.campaign_start == dt.date(2023, 8, 11)
    assert programme.campaign_end == dt.date(2023, 12, 31)
    assert programme.reference_date == dt.date(2023, 8, 11)
    assert programme.phone_package_price == 2_000_000
    assert programme.target_percent == Decimal(100)
    baseline = sum(c.baseline_without_smartphone for c in programme.communes.all())
    assert 4_000 < baseline < 4_500  # "hơn 4.000 người" without a smartphone
    points = programme.collection_points.all()
    assert points.filter(kind="provincial").count() == 1
    assert points.filter(kind="district").count() == 8


def test_every_demo_assignment_is_labelled_as_an_example(programme):
    assignments = Assignment.objects.filter(commune__programme=programme)
    assert assignments.count() >= 16
    assert all(a.is_example for a in assignments)
    for commune in programme.communes.all():
        assert selectors.department_of(commune) is not None


def test_defining_again_is_idempotent(programme):
    before = AuditEvent.objects.count()
    programme_define(actor=SYSTEM, definition=definitions.load("bac-kan-2023"))
    assert AuditEvent.objects.count() == before
    assert Programme.objects.filter(code="bac-kan-2023").count() == 1


def test_a_changed_definition_updates_in_place_and_ends_dropped_assignments(programme):
    d = definitions.load("bac-kan-2023")
    kept = tuple(a for a in d.assignments if not (a.commune == "01870" and a.role == "enterprise"))
    changed = type(d)(**{**d.__dict__, "name": "Tên mới", "assignments": kept})
    programme_define(actor=SYSTEM, definition=changed)
    programme.refresh_from_db()
    assert programme.name == "Tên mới"
    giao_hieu = programme.communes.get(unit__code="01870")
    assert selectors.enterprises_of(giao_hieu) == []
    ended = Assignment.objects.get(commune=giao_hieu, role="enterprise")
    assert ended.ended_at is not None  # ended, not deleted
    assert AuditEvent.objects.filter(action="assignment.end", object_id=str(ended.pk)).exists()


def test_post_2025_example_definition_for_thai_nguyen():
    programme = programme_init(actor=SYSTEM, name_or_path=str(ROOT / "docs/examples/thai-nguyen-2026.toml"))
    (commune,) = programme.communes.select_related("unit")
    assert commune.unit.name == "Xã Chợ Rã"  # the same code, 01912, after 1/7/2025
    assert commune.district is None
    assert programme.province.code == "19"


def bad(**changes):
    data = {
        "programme": {
            "code": "x",
            "name": "X",
            "province": "06",
            "campaign_start": dt.date(2023, 8, 11),
            "campaign_end": dt.date(2023, 12, 31),
        },
        "communes": [{"code": "01870", "adult_population": 100, "baseline_without_smartphone": 10}],
    }
    for key, value in changes.items():
        section, field = key.split("__")
        target = data[section][0] if isinstance(data[section], list) else data[section]
        target[field] = value
    return definitions.parse(data)


def test_definition_errors_are_clear_and_in_vietnamese():
    with pytest.raises(ValidationFailed, match="lớn hơn số người trưởng thành"):
        bad(communes__baseline_without_smartphone=500)
    with pytest.raises(ValidationFailed, match="campaign_end phải sau campaign_start"):
        bad(programme__campaign_end=dt.date(2023, 1, 1))
    with pytest.raises(ValidationFailed, match="mã số gồm 5 chữ số"):
        bad(communes__code="1870x")
    with pytest.raises(ValidationFailed, match="không quá 100"):
        bad(programme__target_percent=120)
    with pytest.raises(ValidationFailed, match="Không tìm thấy tệp định nghĩa"):
        definitions.load("khong-co")


def test_units_are_resolved_in_the_definitions_own_period():
    # Province 06 (Bắc Kạn) no longer exists in 2026: a definition dated 2026 cannot use it.
    d = bad(programme__units_as_of=dt.date(2026, 1, 1))
    with pytest.raises(NotFound, match="có hiệu lực ngày 01/01/2026"):
        programme_define(actor=SYSTEM, definition=d)
