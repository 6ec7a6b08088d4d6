"""Text as it arrives: a name longer than its column is that row's error (PostgreSQL crashed the whole import with
a traceback; SQLite kept the overlong name), invisible and bidi characters are dropped, an amount no drive could
hold or a document number longer than its column is a row's error — never a 500 or a half-written import."""

from __future__ import annotations

import datetime as dt

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import ValidationFailed
from phocap.core.text import clean_line
from phocap.fundraising.models import StatementLine
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.services import donor_find_or_create
from phocap.fundraising.statements import statement_import
from phocap.registry.importing import import_residents
from phocap.registry.models import Resident

pytestmark = pytest.mark.django_db
RLO, ZWSP, BOM = "\u202e", "\u200b", "\ufeff"


def _import(programme, lines: list[str]):
    data = ("Họ và tên,Năm sinh,Giới tính,Thôn,Mã hộ\n" + "\n".join(lines) + "\n").encode()
    return import_residents(
        actor=SYSTEM, programme=programme, data=data, filename="ds.csv", commune_code="01870", smartphone_status="lacks"
    )


def test_a_name_longer_than_its_column_is_that_rows_error(programme):
    long_name = "Nguyễn " + "Thị " * 60 + "Hoa"
    report = _import(programme, ["Hoàng Văn Tú,1970,Nam,Nà Pài,", f"{long_name},1980,Nữ,Nà Pài,"])
    assert (report.created, report.rejected) == (1, 1)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, "full_name", "too_long")]
    assert "dài quá 150 ký tự" in report.errors[0].message
    assert Resident.objects.filter(programme=programme).count() == 1


def test_a_village_or_household_code_longer_than_its_column_is_that_rows_error(programme):
    report = _import(programme, [f"Lý Văn Sơn,1970,Nam,{'Nà ' * 50},", f"Lý Thị Mai,1971,Nữ,Nà Pài,{'9' * 41}"])
    assert sorted((e.column, e.code) for e in report.errors) == [("code", "too_long"), ("village", "too_long")]
    assert report.created == 0


def test_invisible_and_bidi_characters_are_dropped_from_names_and_villages(programme):
    report = _import(programme, [f"{BOM}Ma{ZWSP}ng Văn{RLO} Hải,1975,Nam,Nà{RLO} Pài\t,"])
    assert report.created == 1
    person = Resident.objects.get(programme=programme)
    assert (person.full_name, person.village) == ("Mang Văn Hải", "Nà Pài")


def test_clean_line_keeps_vietnamese_and_drops_what_cannot_be_seen():
    assert clean_line("  Nông\u00a0Thị\u2066 Hoa\u2069\n") == "Nông Thị Hoa"
    assert clean_line("Nguye\u0302\u0303n") == "Nguyễn"  # typed as letter + marks: composed (NFC)
    assert clean_line("a\x00b\x1bc\x7f") == "abc"


def test_a_donor_name_is_cleaned_and_bounded(programme, user):
    officer = user("mttq")
    donor = donor_find_or_create(
        actor=officer, programme=programme, kind="enterprise", name=f"Công ty{RLO} Sáng{ZWSP} Tạo"
    )
    assert donor.name == "Công ty Sáng Tạo"
    with pytest.raises(ValidationFailed, match="dài quá 300 ký tự"):
        donor_find_or_create(actor=officer, programme=programme, kind="enterprise", name="Công ty Dài " * 40)


def test_a_statement_line_with_an_impossible_amount_or_long_document_is_a_row_error(programme):
    walk_in = programme.walk_in_code.reference
    rows = [
        Row(dt.date(2023, 10, 2), "A1", 500_000, f"UNG HO {walk_in}"),
        Row(dt.date(2023, 10, 2), "A2", 10**20, f"UNG HO {walk_in}"),  # bigger than a bigint: PostgreSQL refused
        Row(dt.date(2023, 10, 3), "X" * 70, 200_000, f"UNG HO {walk_in}"),
    ]
    result = statement_import(
        actor=SYSTEM, programme=programme, data=render("bidv", "113000000001", rows), filename="s.xlsx"
    )
    assert sorted(e["column"] for e in result.errors) == ["amount", "doc"]
    assert result.credits == 1
    assert StatementLine.objects.filter(statement_id=result.statement_id).count() == 1
