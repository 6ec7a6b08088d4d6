"""Step 4 of an import: read one person row into a candidate resident — each cell through `registry.normalize`,
which returns a value and Vietnamese problems (errors reject the row, warnings keep it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from typing import Any

from phocap.core.crypto import blind_index
from phocap.core.text import clean_line, over_length
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import normalize as n
from phocap.registry.importing.header import Layout, norm
from phocap.registry.models import Household, Resident


@dataclasses.dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class HouseholdRow:
    """What a row says of its household: its code (from the list, or derived from the head's name, or one of
    its own when only the poverty status is given), head and poverty status (None: the list does not say)."""

    code: str
    head_name: str
    poverty_status: str | None


@dataclasses.dataclass(frozen=True)
class Consenting:
    """A consent column's mark, with its date settled (the cell's, else the list's)."""

    refused: bool
    on: dt.date


@dataclasses.dataclass
class Candidate:
    row: int
    values: dict[str, Any]
    id_number: n.IdentityNumber | None
    commune: ProgrammeCommune
    household: HouseholdRow | None = None
    flags: frozenset[str] = frozenset()
    id_hash: str = ""  # the number's keyed hash, computed once
    consent: Consenting | None = None  # what the list's consent column says

    FILLABLE = (
        "full_name",
        "birth_date",
        "birth_year",
        "sex",
        "village",
        "ethnicity_code",
        "phone",
        "phone_carrier",
        "smartphone_status",
        "notes",
    )

    @property
    def key(self) -> str:
        """What makes two rows the same person: the number's hash, or (without one) `person_key`."""
        return self.id_hash or person_key(self.commune, self.values)


@dataclasses.dataclass(frozen=True)
class Sheet:
    """What every row of one file is read against."""

    programme: Programme
    layout: Layout
    communes: dict[str, ProgrammeCommune]  # by code
    default_commune: ProgrammeCommune | None
    writable: frozenset[str]  # commune codes the actor may import for
    smartphone_status: str | None
    list_date: dt.date  # the date written on the list (else the day of the import): consent marks without a date
    today: dt.date  # no consent is given in the future


@dataclasses.dataclass
class RowReading:
    candidate: Candidate | None
    errors: list[RowError]
    warnings: list[RowError]


Problems = list[tuple[str, n.Problem]]


def _take(problems: Problems, column: str, reading: n.Reading[Any]) -> Any:
    """Keep a reading's problems (with their column) and return its value."""
    problems.extend((column, p) for p in reading.problems)
    return reading.value


def _error(column: str, code: str, message: str) -> tuple[str, n.Problem]:
    return column, n.Problem("error", code, message)


def person_key(commune: ProgrammeCommune | int | None, values: dict[str, Any]) -> str:
    """For a row without an identity number: the same name, birth, sex and village in the same commune is the
    same row again (a re-import, a pasted duplicate). Probabilistic matching of *similar* people is the dedup's
    job, with review; this only stops exact repeats."""
    return "|".join(
        str(x)
        for x in (
            commune.pk if isinstance(commune, ProgrammeCommune) else (commune or ""),
            values["full_name"],
            values["birth_year"],
            values["birth_date"] or "",
            values["sex"],
            values["village"],
        )
    )


def _commune_from_cell(value: Any, communes: dict[str, ProgrammeCommune]) -> ProgrammeCommune | None:
    text = str(value).strip()
    if text.isdigit():
        return communes.get(text.zfill(5))
    key = re.sub(r"^(xa|phuong|thi tran)\s+", "", norm(text))
    for commune in communes.values():
        if re.sub(r"^(xa|phuong|thi tran)\s+", "", norm(commune.unit.name)) == key:
            return commune
    return None


def _smartphone(value: Any) -> str | None:
    text = norm(value)
    if not text:
        return None
    if text in ("co", "x", "da co", "yes"):
        return Resident.Smartphone.HAS
    if text in ("khong", "chua co", "chua", "no"):
        return Resident.Smartphone.LACKS
    return None


def _household_row(
    *, code: Any, head: str | None, relation: Any, name: str, poverty: str | None, key: str, village: str
) -> HouseholdRow | None:
    code_text = clean_line(code)
    if code_text.endswith(".0") and code_text[:-2].isdigit():
        code_text = code_text[:-2]  # a numeric cell
    if norm(relation) in ("chu ho", "ch"):
        head = head or name
    if not code_text and head:
        code_text = "CH-" + hashlib.sha256(f"{norm(village)}|{norm(head)}".encode()).hexdigest()[:12]
    if not code_text and poverty is not None:
        code_text = "R-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    if not code_text:
        return None
    return HouseholdRow(code_text, head or "", poverty)


def _birth_and_sex(sheet: Sheet, row: list[Any], problems: Problems) -> tuple[n.BirthDate | None, str | None]:
    sex = _take(problems, "sex", n.read_sex(sheet.layout.cell(row, "sex")))
    birth_cell = sheet.layout.cell(row, "birth")
    if sheet.layout.by_sex:  # the birth year written under "Nam" or "Nữ": the column says the sex
        birth_cell = None
        for s_, col in sheet.layout.by_sex.items():
            if col < len(row) and row[col] not in (None, ""):
                birth_cell, sex = row[col], sex or s_
    birth = _take(problems, "birth", n.read_birth(birth_cell, today=sheet.programme.reference_date))
    return birth, sex


def _poverty_and_flags(sheet: Sheet, row: list[Any], problems: Problems) -> tuple[str | None, frozenset[str]]:
    def at(col: int) -> Any:
        return row[col] if col < len(row) else None

    poverty = None
    for col in sheet.layout.poverty:
        poverty = poverty or _take(problems, "poverty", n.read_poverty(at(col), column=sheet.layout.titles[col]))
    flags: frozenset[str] = frozenset()
    for col in sheet.layout.priority:
        if "ngheo" in norm(at(col)):  # "Đối tượng: hộ nghèo" — the poverty status, not a flag
            poverty = poverty or n.read_poverty(at(col)).value
            continue
        flags |= _take(problems, "priority", n.read_priority(at(col), column=sheet.layout.titles[col])) or frozenset()
    return poverty, flags


def _commune_of(sheet: Sheet, row: list[Any], problems: Problems) -> ProgrammeCommune | None:
    commune = sheet.default_commune
    cell = sheet.layout.cell(row, "commune")
    if cell not in (None, ""):
        commune = _commune_from_cell(cell, sheet.communes)
        if commune is None:
            problems.append(_error("commune", "commune_not_in_programme", f"Xã {cell!r} không thuộc chương trình."))
    elif commune is None:
        problems.append(_error("commune", "commune_missing", "Thiếu xã/phường (chọn xã khi nhập tệp không có cột xã)."))
    if commune is not None and commune.unit.code not in sheet.writable:
        problems.append(_error("commune", "commune_not_yours", "Bạn không được nhập cho xã này."))
    return commune


def _village_of_address(value: Any) -> str:
    """The village of a permanent-residence address ("Thôn Nà Pài, xã Giáo Hiệu, huyện Pác Nặm, tỉnh Bắc Kạn"):
    its first part, when that names a village (thôn, bản, tổ, xóm, làng)."""
    first = clean_line(value).split(",")[0].strip()
    return first if first and re.match(r"^(thon|ban|to|xom|lang)\b", norm(first)) else ""


LABELS = {"full_name": "Họ và tên", "village": "Thôn/bản", "head_name": "Họ tên chủ hộ", "code": "Mã hộ"}


def _too_long(number: int, values: dict[str, Any], household: HouseholdRow | None) -> list[RowError]:
    """A value longer than its column: that row's error (not the import's crash on PostgreSQL)."""
    found = over_length(Resident, values)
    if household is not None:
        found += over_length(Household, {"code": household.code, "head_name": household.head_name})
    return [
        RowError(number, field, "too_long", f"{LABELS.get(field, field)} dài quá {limit} ký tự.")
        for field, limit in found
    ]


def read_person(sheet: Sheet, number: int, row: list[Any], section_village: str) -> RowReading:
    """One person row: a candidate (with its warnings), or the reasons it is rejected."""
    problems: Problems = []
    cell = sheet.layout.cell
    name = _take(problems, "name", n.read_name(cell(row, "name")))
    birth, sex = _birth_and_sex(sheet, row, problems)
    ident = _take(problems, "id", n.read_id_number(cell(row, "id"), birth_year=birth.year if birth else None, sex=sex))
    ethnicity = _take(problems, "ethnicity", n.read_ethnicity(cell(row, "ethnicity")))
    phone = _take(problems, "phone", n.read_phone(cell(row, "phone")))
    poverty, flags = _poverty_and_flags(sheet, row, problems)
    head = n.read_name(cell(row, "head")).value if "head" in sheet.layout.columns else None
    commune = _commune_of(sheet, row, problems)
    mark = _take(problems, "consent", n.read_consent(cell(row, "consent"), today=sheet.today))
    reference = sheet.programme.reference_date
    if birth is not None and not n.is_adult(birth, reference):
        problems.append(_error("birth", "under_18", f"Chưa đủ 18 tuổi vào ngày {reference:%d/%m/%Y}."))
    errors = [RowError(number, c, p.code, p.message) for c, p in problems if p.severity == "error"]
    warnings = [RowError(number, c, p.code, p.message) for c, p in problems if p.severity == "warning"]
    if errors or commune is None or birth is None:
        return RowReading(None, errors, warnings)
    village = clean_line(cell(row, "village")) or _village_of_address(cell(row, "address")) or section_village
    values = {
        "full_name": name,
        "birth_date": birth.date,
        "birth_year": birth.year,
        "sex": sex or "",
        "village": village,
        "ethnicity_code": ethnicity.code if ethnicity else "",
        "phone": phone.number if phone else "",
        "phone_carrier": (phone.carrier or "") if phone else "",
        "smartphone_status": _smartphone(cell(row, "smartphone"))
        or sheet.smartphone_status
        or Resident.Smartphone.UNKNOWN,
        "notes": clean_line(cell(row, "notes")),
    }
    id_hash = blind_index(ident.number) if ident else ""
    household = _household_row(
        code=cell(row, "household"),
        head=head,
        relation=cell(row, "relation"),
        name=name,
        poverty=poverty,
        key=id_hash or person_key(commune, values),
        village=village,
    )
    if too_long := _too_long(number, values, household):
        return RowReading(None, too_long, warnings)
    consenting = Consenting(mark.refused, mark.on or sheet.list_date) if mark is not None else None
    candidate = Candidate(number, values, ident, commune, household, flags, id_hash, consenting)
    return RowReading(candidate, [], warnings)
