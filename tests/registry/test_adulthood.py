"""One rule of adulthood, everywhere: 18 or older on the programme's reference date (`normalize.latest_adult_birth`).
A person born on 30/12/2005 is an adult on 31/12/2023 — on the list, on their page, and in the allocation round."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from phocap.allocation import selectors as allocation
from phocap.allocation import services as rounds
from phocap.core.actors import SYSTEM
from phocap.devices.services import GiftTerms, device_receive, phone_model_create
from phocap.fundraising.services import donor_create
from phocap.programmes import definition
from phocap.programmes import selectors as programmes
from phocap.programmes.services import programme_define
from phocap.registry import normalize, selectors, services
from phocap.registry.demo import _xlsx as book
from phocap.registry.importing import import_residents
from phocap.registry.models import Resident
from tests.devices.test_devices import imeis

pytestmark = pytest.mark.django_db
ON = dt.date(2023, 12, 31)
BORN = dt.date(2005, 12, 30)
GIAO_HIEU = "01870"


@pytest.fixture
def year_end(programme):
    """The Bắc Kạn programme again, with 31/12/2023 as its reference date."""
    d = dataclasses.replace(definition.load("bac-kan-2023"), code="bac-kan-cuoi-nam", reference_date=ON)
    return programme_define(actor=SYSTEM, definition=d)


@pytest.mark.parametrize(
    ("born", "on", "adult"),
    [
        (BORN, ON, True),
        (dt.date(2005, 12, 31), ON, True),
        (dt.date(2006, 1, 1), ON, False),
        (dt.date(2004, 2, 29), dt.date(2022, 2, 28), False),  # born on 29 February: of age on 1 March
        (dt.date(2004, 2, 29), dt.date(2022, 3, 1), True),
        (dt.date(2006, 2, 28), dt.date(2024, 2, 29), True),
        (dt.date(2006, 3, 1), dt.date(2024, 2, 29), False),
    ],
)
def test_the_rule_in_python_and_in_the_database_agree(year_end, born, on, adult):
    commune = programmes.commune_get(actor=SYSTEM, programme=year_end, code=GIAO_HIEU)
    person = Resident.objects.create(
        programme=year_end, commune=commune, full_name="Hà Thị Tuổi", birth_date=born, birth_year=born.year
    )
    assert normalize.is_adult(normalize.BirthDate(born, born.year), on) is adult
    assert Resident.objects.filter(selectors.adults_q(on), pk=person.pk).exists() is adult


@pytest.mark.parametrize(
    ("year", "on", "adult"),
    [(2005, ON, True), (2005, dt.date(2023, 12, 30), False), (2004, dt.date(2022, 6, 1), False)],
)
def test_a_year_alone_counts_as_the_last_day_of_it(year_end, year, on, adult):
    commune = programmes.commune_get(actor=SYSTEM, programme=year_end, code=GIAO_HIEU)
    person = Resident.objects.create(programme=year_end, commune=commune, full_name="Hà Văn Năm", birth_year=year)
    assert normalize.is_adult(normalize.BirthDate(None, year), on) is adult
    assert Resident.objects.filter(selectors.adults_q(on), pk=person.pk).exists() is adult


def test_born_30_12_2005_is_an_adult_on_31_12_2023_everywhere(year_end, user):
    header = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Mã hộ"]
    report = import_residents(
        actor=SYSTEM,
        programme=year_end,
        data=book([header, [1, "Lý Thị Đủ", "30/12/2005", "Nữ", "H1"], [2, "Lý Văn Chưa", "01/01/2006", "Nam", "H2"]]),
        filename="cuoi-nam.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )
    assert (report.created, report.rejected) == (1, 1)
    assert [e.code for e in report.errors] == ["under_18"]  # the one born a day too late
    commune = programmes.commune_get(actor=SYSTEM, programme=year_end, code=GIAO_HIEU)
    typed = services.resident_register(
        actor=SYSTEM,
        commune=commune,
        full_name="Lý Văn Kịp",
        birth=normalize.BirthDate(BORN, 2005),
        smartphone_status="lacks",
    )
    services.resident_correct(actor=SYSTEM, resident=typed, values={"birth": "30/12/2005"})
    people = list(selectors.resident_list(actor=SYSTEM, programme=year_end))
    for person in people:
        services.consent_record(actor=SYSTEM, resident=person, purpose="Nhận máy", given_on=ON, method="ký giấy")
    assert {p.full_name for p in allocation.eligible_residents(year_end)} == {"Lý Thị Đủ", "Lý Văn Kịp"}
    giver = donor_create(actor=SYSTEM, programme=year_end, kind="enterprise", name="Công ty Tặng Máy")
    model = phone_model_create(actor=SYSTEM, programme=year_end, name="Nokia C32", price=1_500_000)
    phones = imeis(2, 49_000_000_000_000)
    device_receive(
        actor=SYSTEM,
        programme=year_end,
        phone_model=model,
        imeis=phones,
        donor=giver,
        ready=True,
        gift=GiftTerms(received_on=year_end.campaign_start),
    )
    round_ = rounds.round_propose(actor=user("admin"), programme=year_end, seed="cuối năm")
    summary = allocation.round_summary(round_)
    assert summary["selected"] == 2
    assert sorted(summary["selected_residents"]) == sorted(p.pk for p in people)
