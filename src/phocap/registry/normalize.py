"""Reading the cells of commune spreadsheets as busy officers type them (issue #4, first step).

Each reader returns a `Reading`: the normalised value (or None), and the problems found, each a `Problem`
with a stable code and a Vietnamese message. Errors reject the row; warnings keep it. Nothing here touches the
database, so the import can validate a whole file before writing anything.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from phocap.core.text import ascii_fold, clean_line

Severity = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class Problem:
    severity: Severity
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class Reading[T]:
    value: T | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _error(code: str, message: str) -> Problem:
    return Problem("error", code, message)


def _warning(code: str, message: str) -> Problem:
    return Problem("warning", code, message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- names ----------------------------------------------------------------------------------------------


def _capitalise(word: str) -> str:
    # "h'mông" → "H'Mông"; hyphenated parts each capitalised
    return "-".join("'".join(p[:1].upper() + p[1:].lower() for p in part.split("'")) for part in word.split("-"))


def read_name(value: Any) -> Reading[str]:
    """NFC, single spaces, each word capitalised: "NÔNG  THỊ HOA" → "Nông Thị Hoa"."""
    if _blank(value):
        return Reading(None, (_error("name_missing", "Thiếu họ và tên."),))
    text = clean_line(value)
    if not text:
        return Reading(None, (_error("name_missing", "Thiếu họ và tên."),))
    if any(ch.isdigit() for ch in text):
        return Reading(None, (_error("name_invalid", f"Họ và tên có chữ số: {text!r}."),))
    name = " ".join(_capitalise(w) for w in text.split(" "))
    problems: tuple[Problem, ...] = ()
    if ascii_fold(name) == name and len(name.split()) > 1:
        problems = (_warning("name_without_diacritics", "Họ và tên không có dấu."),)
    return Reading(name, problems)


# --- dates ----------------------------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_RE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\s*$")


@dataclasses.dataclass(frozen=True)
class BirthDate:
    date: dt.date | None  # None when only the year is known
    year: int

    @property
    def approximate(self) -> bool:
        return self.date is None


@lru_cache(maxsize=65_536)  # lists repeat these cells; readings are immutable
def read_birth(value: Any, *, today: dt.date | None = None) -> Reading[BirthDate]:
    """Excel dates (date cells or serial numbers), dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, or a bare year
    (kept as approximate). Impossible dates (31/02/1980, 15/13/1975) and text are errors."""
    today = today or dt.date.today()
    if _blank(value):
        return Reading(None, (_error("birth_missing", "Thiếu ngày sinh hoặc năm sinh."),))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _birth_in_range(BirthDate(value, value.year), today)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value)
        if 1900 <= number <= today.year:
            return _birth_in_range(BirthDate(None, number), today, approximate=True)
        if 7_000 <= number < 80_000:  # an Excel serial day number (7,000 is 1919: older is not a date typed)
            day = EXCEL_EPOCH + dt.timedelta(days=number)
            return _birth_in_range(BirthDate(day, day.year), today)
        return Reading(None, (_error("birth_invalid", f"Ngày sinh không đọc được: {value!r}."),))
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return read_birth(int(text), today=today)
    match = DATE_RE.match(text)
    if not match:
        return Reading(None, (_error("birth_invalid", f"Ngày sinh không đọc được: {text!r}."),))
    day_n, month_n, year_n = (int(g) for g in match.groups())
    if year_n < 100:
        year_n += 1900 if year_n > today.year % 100 else 2000
    try:
        day = dt.date(year_n, month_n, day_n)
    except ValueError:
        return Reading(None, (_error("birth_impossible", f"Ngày sinh không có thật: {text}."),))
    return _birth_in_range(BirthDate(day, day.year), today)


def _birth_in_range(birth: BirthDate, today: dt.date, *, approximate: bool = False) -> Reading[BirthDate]:
    if birth.year < 1900 or (birth.date or dt.date(birth.year, 1, 1)) > today:
        return Reading(None, (_error("birth_impossible", f"Năm sinh {birth.year} không hợp lý."),))
    problems = (_warning("birth_year_only", "Chỉ có năm sinh (ngày sinh ước tính)."),) if approximate else ()
    return Reading(birth, problems)


def latest_adult_birth(on: dt.date) -> dt.date:
    """The last birth date of someone 18 or older on `on` — the one rule of adulthood: a person is an adult on a
    day when born on or before it (`is_adult` in Python, `registry.selectors.adults_q` in a query). Born on 29
    February, one comes of age on 1 March of a common year."""
    try:
        return on.replace(year=on.year - 18)
    except ValueError:  # on 29 February, eighteen years back is a common year: 28 February is the last day
        return dt.date(on.year - 18, 2, 28)


def is_adult(birth: BirthDate, on: dt.date) -> bool:
    """18 or older on the reference date. With only the year, the person counts as born on 31/12 of it — so
    nobody under 18 is ever taken for an adult."""
    return (birth.date or dt.date(birth.year, 12, 31)) <= latest_adult_birth(on)


# --- sex ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)  # lists repeat these cells; readings are immutable
def read_sex(value: Any) -> Reading[str]:
    """ "Nam"/"Nữ" in any case and with or without diacritics → "M"/"F"."""
    if _blank(value):
        return Reading(None)
    text = ascii_fold(str(value)).strip().lower()
    if text in ("nam", "m", "male", "trai"):
        return Reading("M")
    if text in ("nu", "f", "female", "gai"):
        return Reading("F")
    return Reading(None, (_warning("sex_unknown", f"Giới tính không rõ: {value!r}."),))


# --- identity numbers -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class IdentityNumber:
    number: str
    kind: Literal["cccd", "cmnd"]


CENTURY_SEX = {
    "0": (1900, "M"),
    "1": (1900, "F"),
    "2": (2000, "M"),
    "3": (2000, "F"),
    "4": (2100, "M"),
    "5": (2100, "F"),
}


def read_id_number(value: Any, *, birth_year: int | None = None, sex: str | None = None) -> Reading[IdentityNumber]:
    """A 12-digit CCCD / personal identification number, or a 9-digit CMND (kept, flagged). Numeric cells
    that lost their leading zeros (10–11 digits) are restored; spaces and dots are removed. The century/sex
    digit and the year digits are compared with the recorded birth year and sex: a mismatch is a warning."""
    reading, encoded = read_id_parts(value)
    mismatches = id_mismatches(encoded, birth_year, sex)
    return Reading(reading.value, reading.problems + mismatches) if mismatches else reading


_ID_SEPARATORS = re.compile(r"[\s.\-]")
ID_NOT_DIGITS = _error("id_malformed", "Số định danh chỉ gồm chữ số (12 số CCCD hoặc 9 số CMND).")


def read_id_parts(value: Any) -> tuple[Reading[IdentityNumber], tuple[int, str] | None]:
    """`read_id_number` before the comparison with what else the row says: the reading, and the (birth year, sex)
    a 12-digit number encodes (None when its fourth digit says none). The importer reads each cell once this way
    and compares per row (`id_mismatches`)."""
    if _blank(value):
        return Reading(None), None
    if isinstance(value, float):
        if not value.is_integer():
            return Reading(None, (_error("id_malformed", "Số định danh không hợp lệ."),)), None
        value = int(value)
    text = str(value)
    if not (len(text) == 12 and text.isdigit()):  # the common case needs no cleaning
        text = _ID_SEPARATORS.sub("", text)
    if not text.isdigit():
        return Reading(
            None, (_error("id_malformed", "Số định danh chỉ gồm chữ số (12 số CCCD hoặc 9 số CMND)."),)
        ), None
    problems: list[Problem] = []
    if len(text) in (10, 11):  # a numeric cell (or its CSV text) lost the leading zeros of 006…, 001…
        text = text.zfill(12)
        problems.append(_warning("id_leading_zeros_restored", "Số định danh bị mất số 0 ở đầu; đã bổ sung."))
    if len(text) == 9:
        problems.append(_warning("id_cmnd", "Số CMND 9 số (hết hiệu lực từ 1/1/2025); nên bổ sung số CCCD."))
        return Reading(IdentityNumber(text, "cmnd"), tuple(problems)), None
    if len(text) != 12:
        return Reading(None, (_error("id_malformed", f"Số định danh phải có 12 chữ số (đang có {len(text)})."),)), None
    province = int(text[:3])
    if not 1 <= province <= 96:
        problems.append(_warning("id_province_unknown", "Ba số đầu của số định danh không phải mã tỉnh nơi đăng ký."))
    century_sex = CENTURY_SEX.get(text[3])
    encoded = None
    if century_sex is None:
        problems.append(_warning("id_century_unknown", "Chữ số thứ tư của số định danh không hợp lệ."))
    else:
        encoded = (century_sex[0] + int(text[4:6]), century_sex[1])
    return Reading(IdentityNumber(text, "cccd"), tuple(problems)), encoded


ID_YEAR_MISMATCH = _warning("id_year_mismatch", "Năm sinh trong số định danh khác năm sinh đã ghi.")
ID_SEX_MISMATCH = _warning("id_sex_mismatch", "Giới tính trong số định danh khác giới tính đã ghi.")


def id_mismatches(encoded: tuple[int, str] | None, birth_year: int | None, sex: str | None) -> tuple[Problem, ...]:
    """The warnings when the number's birth year or sex differs from the row's (typos and corrections happen: a
    warning, never a rejection)."""
    if encoded is None:
        return ()
    year = birth_year is not None and encoded[0] != birth_year
    other_sex = sex is not None and encoded[1] != sex
    if not (year or other_sex):
        return ()
    return (ID_YEAR_MISMATCH,) * year + (ID_SEX_MISMATCH,) * other_sex


def mask_id(number: str) -> str:
    """`006123456757` → `006*******57`."""
    return number[:3] + "*" * (len(number) - 5) + number[-2:] if len(number) > 5 else "*" * len(number)


# --- phones ---------------------------------------------------------------------------------------------

CARRIERS = {
    "Viettel": ("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"),
    "VinaPhone": ("081", "082", "083", "084", "085", "088", "091", "094"),
    "MobiFone": ("070", "076", "077", "078", "079", "089", "090", "093"),
    "Vietnamobile": ("052", "056", "058", "092"),
    "Gmobile": ("059", "099"),
    "iTel": ("087",),
    "Wintel": ("055",),
}
PREFIX_CARRIER = {prefix: carrier for carrier, prefixes in CARRIERS.items() for prefix in prefixes}
OLD_PREFIXES = {
    **{f"016{d}": f"03{d}" for d in "23456789"},
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    "0186": "056",
    "0188": "058",
    "0199": "059",
}


@dataclasses.dataclass(frozen=True)
class Phone:
    number: str  # 0xxxxxxxxx
    carrier: str | None  # by prefix; numbers are ported, so this is the original network


def read_phone(value: Any) -> Reading[Phone]:
    """`+84 912 345 678`, `84912345678`, `912345678` (a numeric cell), `01662345678` (old 11 digits) →
    `0912345678`/`0366234567`. Unknown prefixes are a warning, not a rejection."""
    if _blank(value):
        return Reading(None)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = re.sub(r"\D", "", str(value))
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
    if len(digits) == 11 and digits[:4] in OLD_PREFIXES:
        digits = OLD_PREFIXES[digits[:4]] + digits[4:]
    if len(digits) != 10 or not digits.startswith("0"):
        return Reading(None, (_warning("phone_invalid", f"Số điện thoại không đọc được: {value!r}."),))
    carrier = PREFIX_CARRIER.get(digits[:3])
    problems = () if carrier else (_warning("phone_prefix_unknown", f"Đầu số {digits[:3]} không rõ nhà mạng."),)
    return Reading(Phone(digits, carrier), problems)


# --- ethnicity ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EthnicGroup:
    code: str
    name: str


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", ascii_fold(text).lower())


@lru_cache(maxsize=1)
def ethnic_groups() -> dict[str, EthnicGroup]:
    """The 54 official groups (data/ethnic_groups.csv), indexed by name and common spellings without case,
    diacritics, spaces, hyphens or apostrophes."""
    index: dict[str, EthnicGroup] = {}
    with (Path(__file__).parent / "data" / "ethnic_groups.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            group = EthnicGroup(row["code"], row["name"])
            for spelling in [row["name"], *filter(None, row["aliases"].split(";"))]:
                index.setdefault(_key(spelling), group)
    return index


def ethnic_name(code: str) -> str:
    """ "08" → "Mông"; "" for none."""
    return next((g.name for g in ethnic_groups().values() if g.code == code), "") if code else ""


@lru_cache(maxsize=65_536)  # lists repeat these cells; readings are immutable
def read_ethnicity(value: Any) -> Reading[EthnicGroup]:
    if _blank(value):
        return Reading(None)
    group = ethnic_groups().get(_key(str(value)))
    if group is None:
        return Reading(None, (_warning("ethnicity_unknown", f"Dân tộc không có trong danh mục: {value!r}."),))
    return Reading(group)


# --- poverty and priority groups ------------------------------------------------------------------------

POVERTY_WORDS: tuple[tuple[str, str], ...] = (
    # checked in this order: "cận nghèo" contains "nghèo"
    ("can ngheo", "near_poor"),
    ("hcn", "near_poor"),
    ("cn", "near_poor"),
    ("ngheo", "poor"),
    ("hn", "poor"),
    ("khong", "none"),
    ("binh thuong", "none"),
    ("khac", "none"),
)
MARKS = ("x", "co", "v", "1", "✓", "yes")


@lru_cache(maxsize=65_536)  # lists repeat these cells; readings are immutable
def read_poverty(value: Any, *, column: str = "") -> Reading[str]:
    """ "Hộ nghèo", "HN", "cận nghèo", "HCN", "Không"; or a mark ("x") under a column named "Hộ nghèo" or
    "Hộ cận nghèo" (`column`, already folded). Blank is no information (None), not "none"."""
    if _blank(value):
        return Reading(None)
    text = " ".join(ascii_fold(str(value)).lower().replace(".", " ").split())
    if text in MARKS and column:
        return Reading("near_poor" if "can ngheo" in column else "poor" if "ngheo" in column else None)
    for word, status in POVERTY_WORDS:
        if text == word or re.search(rf"\b{word}\b", text):
            return Reading(status)
    return Reading(None, (_warning("poverty_unknown", f"Không hiểu diện hộ {str(value).strip()!r}: bỏ qua."),))


PRIORITY_WORDS: tuple[tuple[str, str], ...] = (
    ("co cong", "merit"),
    ("ncc", "merit"),
    ("chinh sach", "social_policy"),
    ("csxh", "social_policy"),
    ("khuyet tat", "disability"),
    ("nkt", "disability"),
    ("neo don", "elderly_alone"),
    ("mot minh", "elderly_alone"),
    ("cao tuoi", "elderly_alone"),
    ("uy tin", "prestigious"),
)


@lru_cache(maxsize=65_536)  # lists repeat these cells; readings are immutable
def read_priority(value: Any, *, column: str = "") -> Reading[frozenset[str]]:
    """The priority groups a cell names ("Người có công, khuyết tật"), or a mark under a column named after one
    group ("Người khuyết tật": "x")."""
    if _blank(value):
        return Reading(None)
    text = " ".join(ascii_fold(str(value)).lower().split())
    if text in MARKS and column:
        text = column
    found = frozenset(kind for word, kind in PRIORITY_WORDS if re.search(rf"\b{word}\b", text))
    if found:
        return Reading(found)
    if text in ("khong", "-", "0"):
        return Reading(frozenset())
    return Reading(None, (_warning("priority_unknown", f"Không hiểu đối tượng ưu tiên {str(value).strip()!r}."),))


# --- consent --------------------------------------------------------------------------------------------

CONSENT_GIVEN = ("x", "v", "co", "dong y", "da dong y", "da ky", "ky", "diem chi", "da diem chi", "1", "yes", "ok")
CONSENT_REFUSED = ("khong", "khong dong y", "tu choi", "0", "no")
CONSENT_TICKS = frozenset("✓✔☑✅")


@dataclasses.dataclass(frozen=True)
class ConsentMark:
    refused: bool
    on: dt.date | None  # the date written in the cell, if any


@lru_cache(maxsize=65_536)  # lists repeat these cells; readings are immutable
def read_consent(value: Any, *, today: dt.date | None = None) -> Reading[ConsentMark]:
    """A mark in a consent column ("Đồng ý tham gia"): x, ✓, có, đồng ý, đã ký, điểm chỉ, 1 or a date = given
    (on that date); "không" / "từ chối" = refused; blank = nothing recorded (None); anything else a warning."""
    today = today or dt.date.today()
    if _blank(value) or value is False:
        return Reading(None)
    if value is True:
        return Reading(ConsentMark(False, None))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _consent_on(value, today, str(value))
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return Reading(ConsentMark(value == 0, None))
        if 30_000 <= value < 80_000:  # an Excel serial day number (1982 onwards)
            return _consent_on(EXCEL_EPOCH + dt.timedelta(days=int(value)), today, str(value))
    text = clean_line(value)
    folded = " ".join(ascii_fold(text).lower().replace(".", " ").split())
    if text and set(text.replace(" ", "")) <= CONSENT_TICKS:
        return Reading(ConsentMark(False, None))
    if folded in CONSENT_REFUSED or folded.startswith(("tu choi", "khong dong y")):
        return Reading(ConsentMark(True, None))
    if folded in CONSENT_GIVEN:
        return Reading(ConsentMark(False, None))
    match = DATE_RE.search(text)
    if match:
        day_n, month_n, year_n = (int(g) for g in match.groups())
        year_n += 2000 if year_n < 100 else 0
        try:
            return _consent_on(dt.date(year_n, month_n, day_n), today, text)
        except ValueError:
            pass
    return Reading(None, (_warning("consent_unknown", f"Không hiểu ô đồng ý {text!r}: chưa ghi nhận sự đồng ý."),))


def _consent_on(day: dt.date, today: dt.date, text: str) -> Reading[ConsentMark]:
    if day > today or day.year < 2000:
        return Reading(None, (_warning("consent_date_invalid", f"Ngày đồng ý {text} không hợp lý: chưa ghi nhận."),))
    return Reading(ConsentMark(False, day))


LIST_DATE_RE = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")


def list_date(cells: list[Any]) -> dt.date | None:
    """The date a list was made, from a line such as "Giáo Hiệu, ngày 15 tháng 9 năm 2023" (the place-and-date
    line of the footer or the title) or "Ngày lập: 15/09/2023"."""
    for cell in cells:
        if _blank(cell) or not isinstance(cell, str):
            continue
        folded = " ".join(ascii_fold(cell).lower().split())
        match = LIST_DATE_RE.search(folded)
        if match is None and ("ngay" in folded or "lap" in folded):
            found = re.search(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", folded)
            match = found
        if match is None:
            continue
        day_n, month_n, year_n = (int(g) for g in match.groups())
        try:
            return dt.date(year_n, month_n, day_n)
        except ValueError:
            continue
    return None
