"""One phone per person across programmes (issue #14): a later programme's list is checked against the phones
every other programme of the installation handed over — by ID number, and for people listed without one by name,
birth and village in the same commune or one it merged into."""

import datetime as dt
from pathlib import Path

import pytest

import phocap
from phocap.allocation import selectors, services
from phocap.allocation.models import PriorPhoneMatch
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict
from phocap.geo.models import AdminUnit, UnitSuccession
from phocap.programmes.services import programme_init
from phocap.registry.consents import consent_bulk
from phocap.registry.importing import import_residents
from phocap.registry.models import Resident
from tests.allocation.test_rounds import GIAO_HIEU, SONG_CAU, registry  # noqa: F401 - the fixture
from tests.handover.test_handover import NUMBER, _first, approved, event, give  # noqa: F401 - the fixtures
from tests.registry.test_dedup import _book

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def holder(event, user):  # noqa: F811
    """A Giáo Hiệu resident of the 2023 programme who received a phone (a year of birth, a village, a number)."""
    reservation = _first(event)
    Resident.objects.filter(pk=reservation.resident_id).update(village="Thôn Nà Coóc")
    give(event, user, reservation)
    return Resident.objects.get(pk=reservation.resident_id)


@pytest.fixture
def later(tmp_path: Path):
    original = (Path(phocap.__file__).parent / "programmes" / "definitions" / "bac-kan-2023.toml").read_text("utf-8")
    path = tmp_path / "bac-kan-2026.toml"
    path.write_text(original.replace('code = "bac-kan-2023"', 'code = "bac-kan-2026"'), encoding="utf-8")
    return programme_init(actor=SYSTEM, name_or_path=str(path))


def imported(programme, rows, commune=GIAO_HIEU):
    report = import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([["STT", "Họ và tên", "Năm sinh", "Thôn", "Số CCCD"], *rows]),
        filename="danh-sach-2026.xlsx",
        commune_code=commune,
        smartphone_status="lacks",
    )
    consent_bulk(
        actor=SYSTEM, programme=programme, given_on=DAY, method="paper", ids=[r.pk for r in programme.residents.all()]
    )
    return report


def flagged(report):
    return {n.row: n.message for n in report.notes if n.code == "phone_from_other_programme"}


def eligible(programme):
    return sorted(selectors.eligible_residents(programme).values_list("full_name", flat=True))


def test_someone_listed_without_a_number_is_known_by_name_birth_and_village(holder, later):
    plain = holder.full_name.replace("Hoàng", "Hoang").replace("Văn", "Van")  # typed without diacritics
    report = imported(
        later,
        [
            [1, plain, holder.birth_year, "Nà Coóc", ""],  # the same person: flagged
            [2, holder.full_name, holder.birth_year, "Thôn Khuổi Bây", ""],  # same name elsewhere: not them
            [3, holder.full_name, holder.birth_year + 1, "Thôn Nà Coóc", ""],  # another year: not them
            [4, holder.full_name, holder.birth_year, "Thôn Nà Coóc", "006190099999"],  # another number: not them
        ],
    )
    assert list(flagged(report)) == [2]  # sheet row 2 is the first person
    assert "Đã nhận máy từ chương trình" in flagged(report)[2]
    assert "ngoại lệ" in flagged(report)[2]
    same = later.residents.get(full_name=plain)
    match = PriorPhoneMatch.objects.get(resident=same)
    assert match.how == "identity"
    assert match.earlier.resident_id == holder.pk
    assert plain not in eligible(later)
    assert len(eligible(later)) == 3

    imported(later, [[1, plain, holder.birth_year, "Nà Coóc", ""]])  # the same list again: no second finding
    assert PriorPhoneMatch.objects.filter(resident=same).count() == 1

    services.prior_phone_exception(actor=SYSTEM, programme=later, resident_id=same.pk, reason="Máy mất, đã báo")
    assert plain in eligible(later)


def test_a_number_is_matched_even_when_the_phone_is_handed_over_after_the_import(event, user, later):  # noqa: F811
    reservation = _first(event)
    earlier = Resident.objects.get(pk=reservation.resident_id)
    report = imported(later, [[1, "Người Khác Tên", 1970, "", NUMBER]])
    assert not flagged(report)
    assert "Người Khác Tên" in eligible(later)
    give(event, user, reservation)
    assert "Người Khác Tên" not in eligible(later)  # the number: live, whatever the name
    again = later.residents.get()
    with pytest.raises(Conflict):
        services.prior_phone_exception(actor=SYSTEM, programme=event.programme, resident_id=earlier.pk, reason="x")
    services.prior_phone_exception(actor=SYSTEM, programme=later, resident_id=again.pk, reason="Máy trả lại")
    assert "Người Khác Tên" in eligible(later)


def test_a_commune_merged_into_another_is_the_same_place(holder, later):
    """After a reorganisation the same people are listed under the commune their old one became part of."""
    old = AdminUnit.objects.get(pk=holder.commune.unit_id)
    new = later.communes.get(unit__code=SONG_CAU).unit
    UnitSuccession.objects.create(predecessor=old, successor=new, effective_date=dt.date(2025, 7, 1))
    report = imported(later, [[1, holder.full_name, holder.birth_year, "Thôn Nà Coóc", ""]], commune=SONG_CAU)
    assert list(flagged(report)) == [2]
    assert holder.full_name not in eligible(later)


def test_a_person_who_never_received_a_phone_needs_no_exception(later):
    imported(later, [[1, "Lò Thị Mai", 1980, "Bản Tiến", ""]])
    person = later.residents.get()
    with pytest.raises(Conflict, match="chưa nhận máy"):
        services.prior_phone_exception(actor=SYSTEM, programme=later, resident_id=person.pk, reason="x")


def test_the_manager_records_the_exception_on_the_rounds_page(holder, later, login, user):
    from phocap.accounts.models import Membership, Role

    Membership.objects.create(user=user("quanly"), role=Role.PROGRAMME_MANAGER, programme=later)
    imported(later, [[1, holder.full_name, holder.birth_year, "Nà Coóc", ""]])
    person = later.residents.get()
    browser = login("quanly")
    page = browser.get(f"/p/{later.code}/phan-bo/").content.decode()
    assert "Đã nhận máy từ chương trình khác" in page
    assert holder.full_name in page
    assert "trùng họ tên" in page
    listed = browser.get(f"/p/{later.code}/danh-sach/?status=elsewhere").content.decode()
    assert f"/danh-sach/{person.pk}/" in listed

    empty = browser.post(f"/p/{later.code}/phan-bo/", {"action": "prior_phone", "resident": person.pk, "reason": " "})
    assert "Cần ghi lý do" in browser.get(empty.url).content.decode()
    assert person.pk not in selectors.eligible_residents(later).values_list("pk", flat=True)
    done = browser.post(
        f"/p/{later.code}/phan-bo/", {"action": "prior_phone", "resident": person.pk, "reason": "Máy mất, đã báo"}
    )
    assert "Đã ghi ngoại lệ" in browser.get(done.url).content.decode()
    assert person.pk in selectors.eligible_residents(later).values_list("pk", flat=True)
    assert login("xa-giaohieu").get(f"/p/{later.code}/phan-bo/").status_code == 404
