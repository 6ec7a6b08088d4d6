"""Cells as communes type them: names, birth dates, sex, identity numbers, phones, ethnicity."""

import datetime as dt
import unicodedata

import pytest

from phocap.registry import normalize as n

TODAY = dt.date(2023, 8, 11)


def codes(reading):
    return [p.code for p in reading.problems]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("NÔNG THỊ HOA", "Nông Thị Hoa"),
        ("  nông   thị  hoa ", "Nông Thị Hoa"),
        (unicodedata.normalize("NFD", "Triệu Văn Hiệu"), "Triệu Văn Hiệu"),
        ("LÝ A SÁNG", "Lý A Sáng"),
        ("hoàng\u00a0văn bình", "Hoàng Văn Bình"),
    ],
)
def test_names_are_normalised(raw, name):
    reading = n.read_name(raw)
    assert reading.value == name
    assert unicodedata.is_normalized("NFC", reading.value)


def test_names_without_diacritics_are_kept_with_a_warning_and_missing_names_rejected():
    assert codes(n.read_name("NONG THI HOA")) == ["name_without_diacritics"]
    assert not n.read_name("   ").ok
    assert codes(n.read_name(None)) == ["name_missing"]
    assert codes(n.read_name("Nguyễn Văn 2")) == ["name_invalid"]


@pytest.mark.parametrize(
    ("raw", "date", "year"),
    [
        (dt.datetime(1975, 3, 2), dt.date(1975, 3, 2), 1975),
        ("02/03/1975", dt.date(1975, 3, 2), 1975),
        ("2/3/1975", dt.date(1975, 3, 2), 1975),
        ("02-03-1975", dt.date(1975, 3, 2), 1975),
        ("02.03.1975", dt.date(1975, 3, 2), 1975),
        (27455, dt.date(1975, 3, 2), 1975),  # an Excel serial number
        (1975, None, 1975),
        ("1975", None, 1975),
        (1975.0, None, 1975),
    ],
)
def test_birth_dates_in_every_form(raw, date, year):
    reading = n.read_birth(raw, today=TODAY)
    assert reading.ok
    assert (reading.value.date, reading.value.year) == (date, year)
    assert ("birth_year_only" in codes(reading)) == (date is None)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("31/02/1980", "birth_impossible"),
        ("15/13/1975", "birth_impossible"),
        ("chưa rõ", "birth_invalid"),
        ("", "birth_missing"),
        ("01/01/2030", "birth_impossible"),
        (1850, "birth_invalid"),
    ],
)
def test_impossible_or_missing_birth_dates_are_rejected(raw, code):
    reading = n.read_birth(raw, today=TODAY)
    assert not reading.ok
    assert codes(reading) == [code]


def test_adulthood_on_the_reference_date_never_counts_a_minor_as_adult():
    ref = dt.date(2023, 8, 11)
    assert n.is_adult(n.BirthDate(dt.date(2005, 8, 11), 2005), ref)
    assert not n.is_adult(n.BirthDate(dt.date(2005, 8, 12), 2005), ref)
    assert not n.is_adult(n.BirthDate(None, 2005), ref)  # year only: could still be 17
    assert n.is_adult(n.BirthDate(None, 2004), ref)
    assert n.is_adult(n.BirthDate(dt.date(2004, 2, 29), 2004), dt.date(2022, 3, 1))


@pytest.mark.parametrize(("raw", "sex"), [("Nam", "M"), ("NỮ", "F"), ("nu", "F"), ("nữ ", "F"), ("NAM", "M")])
def test_sex(raw, sex):
    assert n.read_sex(raw).value == sex


def test_identity_numbers_are_read_restored_and_checked_against_birth_and_sex():
    cccd = n.read_id_number("006 175 012 357", birth_year=1975, sex="F")
    assert cccd.value == n.IdentityNumber("006175012357", "cccd")
    assert cccd.problems == ()
    lost_zeros = n.read_id_number(6175012357, birth_year=1975, sex="F")  # a numeric cell: 006… became 6…
    assert lost_zeros.value.number == "006175012357"
    assert codes(lost_zeros) == ["id_leading_zeros_restored"]
    assert n.read_id_number(6175012357.0).value.number == "006175012357"
    mismatch = n.read_id_number("006075012357", birth_year=1975, sex="F")  # digit 4 = 0: a man
    assert mismatch.ok
    assert codes(mismatch) == ["id_sex_mismatch"]
    assert codes(n.read_id_number("006180012357", birth_year=1975, sex="F")) == ["id_year_mismatch"]
    cmnd = n.read_id_number("095123456")
    assert (cmnd.value.kind, codes(cmnd)) == ("cmnd", ["id_cmnd"])
    for bad in ("0061750123", "00617501235A", "1234567", "0061750123579999"):
        reading = n.read_id_number(bad)
        if len(bad) in (10, 11) and bad.isdigit():
            continue
        assert not reading.ok, bad
        assert codes(reading) == ["id_malformed"]
    assert n.read_id_number("").value is None


def test_identity_numbers_are_masked_on_screen():
    assert n.mask_id("006175012357") == "006*******57"


@pytest.mark.parametrize(
    ("raw", "number", "carrier"),
    [
        ("0912345678", "0912345678", "VinaPhone"),
        ("+84 912 345 678", "0912345678", "VinaPhone"),
        ("84912345678", "0912345678", "VinaPhone"),
        (912345678, "0912345678", "VinaPhone"),
        (912345678.0, "0912345678", "VinaPhone"),
        ("0966.123.456", "0966123456", "Viettel"),
        ("01662345678", "0362345678", "Viettel"),
        ("0123 456 7890", "0834567890", "VinaPhone"),
        ("0199 123 4567", "0591234567", "Gmobile"),
    ],
)
def test_phones_are_normalised_with_their_original_carrier(raw, number, carrier):
    reading = n.read_phone(raw)
    assert reading.value == n.Phone(number, carrier)
    assert reading.problems == ()


def test_unknown_phone_prefixes_warn_and_garbage_is_not_a_phone():
    assert codes(n.read_phone("0212345678")) == ["phone_prefix_unknown"]
    assert n.read_phone("0212345678").value.number == "0212345678"
    assert codes(n.read_phone("12345")) == ["phone_invalid"]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("H'Mông", "Mông"),
        ("HMông", "Mông"),
        ("hmong", "Mông"),
        ("MÔNG", "Mông"),
        ("Tày", "Tày"),
        ("tay", "Tày"),
        ("Dao", "Dao"),
        ("Nùng", "Nùng"),
        ("Kinh", "Kinh"),
        ("Sán Chỉ", "Sán Chay"),
        ("Ê-đê", "Ê Đê"),
    ],
)
def test_ethnicity_spellings(raw, name):
    assert n.read_ethnicity(raw).value.name == name


def test_the_official_list_has_54_groups_and_unknown_names_warn():
    assert len({g.code for g in n.ethnic_groups().values()}) == 54
    assert codes(n.read_ethnicity("Xyz")) == ["ethnicity_unknown"]
