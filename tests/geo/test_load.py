import csv
import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from phocap.core.actors import SYSTEM
from phocap.core.errors import PermissionDenied, ValidationFailed
from phocap.geo import selectors
from phocap.geo.models import REFORM_2025, AdminUnit, UnitSuccession
from phocap.geo.services import geo_load
from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.django_db
BEFORE = dt.date(2023, 8, 11)


def test_bac_kan_2023_has_8_districts_and_108_communes():
    province = selectors.unit_on(level="province", code="06", day=BEFORE)
    assert province.name == "Tỉnh Bắc Kạn"
    districts = AdminUnit.objects.filter(parent=province)
    assert districts.count() == 8
    assert AdminUnit.objects.filter(level="commune", parent__parent=province).count() == 108


def test_thai_nguyen_today_has_92_communes_and_no_districts():
    province = selectors.unit_on(level="province", code="19", day=dt.date(2026, 1, 1))
    assert province.name == "Tỉnh Thái Nguyên"
    children = AdminUnit.objects.filter(parent=province)
    assert children.count() == 92
    assert set(children.values_list("level", flat=True)) == {"commune"}


def test_a_code_means_different_units_in_different_periods():
    assert selectors.unit_on(level="commune", code="01912", day=BEFORE).name == "Xã Thượng Giáo"
    assert selectors.unit_on(level="commune", code="01912", day=REFORM_2025).name == "Xã Chợ Rã"
    assert selectors.unit_on(level="commune", code="01912", day=dt.date(2025, 6, 30)).name == "Xã Thượng Giáo"


def test_the_fixture_is_the_official_table_shared_with_the_project():
    fixture = (FIXTURES / "backan_units_2023_to_2025.csv").read_bytes()
    shared = ROOT.parent / "shared" / "data" / "backan_units_2023_to_2025.csv"
    # beside a checkout (developers, CI) the project's shared data must not have moved on from our copy
    assert not shared.exists() or shared.read_bytes() == fixture
    assert fixture.count(b"\n") == 109
    assert b"pilot_2023" in fixture


def test_loaded_bac_kan_matches_the_official_2023_to_2025_table():
    # official public table of the 108 communes of 2023 and their successors (a copy of shared/data/)
    with (FIXTURES / "backan_units_2023_to_2025.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 108
    for row in rows:
        old = selectors.unit_on(level="commune", code=row["old_ward_code"], day=BEFORE)
        assert old.name == row["old_ward_name"], row
        assert old.kind == row["old_type"], row
        assert old.parent.code == row["old_district_code"], row
        assert old.parent.name == row["old_district_name"], row
        successors = {s.successor.code: s.successor for s in selectors.successors(old)}
        assert row["new_ward_code"] in successors, row
        new = successors[row["new_ward_code"]]
        assert new.name == row["new_ward_name"], row
        assert new.parent.code == row["new_province_code"], row
        assert new.valid_from == REFORM_2025
    pilots = sorted(r["old_ward_code"] for r in rows if r["pilot_2023"] == "yes")
    assert pilots == ["01837", "01870", "01912", "01951", "02017", "02071", "02122", "02173"]


def test_loading_again_changes_nothing():
    before_units = AdminUnit.objects.count()
    before_links = UnitSuccession.objects.count()
    (summary,) = geo_load(actor=SYSTEM, province="06", legacy=True)
    assert (summary.created, summary.updated, summary.successions_created) == (0, 0, 0)
    assert summary.communes == 108
    assert AdminUnit.objects.count() == before_units
    assert UnitSuccession.objects.count() == before_links


def test_a_renamed_unit_is_updated_in_place_not_duplicated():
    unit = selectors.unit_on(level="commune", code="01870", day=BEFORE)
    AdminUnit.objects.filter(pk=unit.pk).update(name="Tên sai")
    (summary,) = geo_load(actor=SYSTEM, province="06", legacy=True)
    assert summary.updated == 1
    unit.refresh_from_db()
    assert unit.name == "Xã Giáo Hiệu"


def test_database_refuses_a_second_unit_with_the_same_level_code_and_period():
    unit = selectors.unit_on(level="commune", code="01870", day=BEFORE)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminUnit.objects.create(
            level="commune",
            code="01870",
            name="X",
            kind="xã",
            parent=unit.parent,
            valid_from=None,
            valid_to=REFORM_2025,
        )


def test_partly_merged_units_are_marked():
    # Every Bắc Kạn commune with several successors is flagged partial on each of them.
    for old in AdminUnit.objects.filter(level="commune", valid_to=REFORM_2025, parent__parent__code="06"):
        links = list(UnitSuccession.objects.filter(predecessor=old))
        assert links, old
        assert all(link.partial == (len(links) > 1) for link in links)


def test_only_a_system_administrator_may_load(user):
    with pytest.raises(PermissionDenied):
        geo_load(actor=user("quanly"), province="06", legacy=True)


def test_unknown_province_is_a_clear_error():
    with pytest.raises(ValidationFailed, match="Không có tỉnh mã '99'"):
        geo_load(actor=SYSTEM, province="99")
    with pytest.raises(ValidationFailed):
        geo_load(actor=SYSTEM, province="06", load_all=True)


def test_whole_country_loads_both_periods_and_the_mapping():
    summaries = geo_load(actor=SYSTEM, load_all=True)
    legacy, current = summaries
    assert (legacy.provinces, legacy.districts, legacy.communes) == (63, 696, 10051)
    assert (current.provinces, current.communes) == (34, 3321)
    # Every pre-2025 commune that the official conversion table lists is linked to today's communes; the
    # few the table does not list (units already merged before 2025) are the only ones left unlinked.
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW  # independent check on the raw table

    orphans = set(
        AdminUnit.objects.filter(level="commune", valid_to=REFORM_2025, successions__isnull=True).values_list(
            "code", flat=True
        )
    )
    legacy_codes = set(AdminUnit.objects.filter(level="commune", valid_to=REFORM_2025).values_list("code", flat=True))
    assert orphans == {c for c in legacy_codes if int(c) not in OLD_TO_NEW}
    assert len(orphans) < 50
    again = geo_load(actor=SYSTEM, load_all=True)
    assert sum(s.created + s.updated + s.successions_created for s in again) == 0
