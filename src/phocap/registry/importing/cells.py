"""What step 4 of an import (`columns`) reads a person row into — a candidate resident — and the helpers that read
the cells several columns decide together (the household, the commune, the village of an address, lengths)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from typing import Any

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
    """A consent column's mark, with the date the cell gives (None: the list's date, known once the whole file
    has been read — its footer may hold it)."""

    refused: bool
    on: dt.date | None


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
    resident_id: int | None = None  # the stored resident the row settles on, or the id reserved for a new one

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
    today: dt.date  # no consent is given in the future


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


def commune_from_cell(value: Any, communes: dict[str, ProgrammeCommune]) -> ProgrammeCommune | None:
    text = str(value).strip()
    if text.isdigit():
        return communes.get(text.zfill(5))
    key = re.sub(r"^(xa|phuong|thi tran)\s+", "", norm(text))
    for commune in communes.values():
        if re.sub(r"^(xa|phuong|thi tran)\s+", "", norm(commune.unit.name)) == key:
            return commune
    return None


def smartphone_of(value: Any) -> str | None:
    text = norm(value)
    if not text:
        return None
    if text in ("co", "x", "da co", "yes"):
        return Resident.Smartphone.HAS
    if text in ("khong", "chua co", "chua", "no"):
        return Resident.Smartphone.LACKS
    return None


def household_row(
    *, code: str, head: str | None, is_head: bool, name: str, poverty: str | None, key: str, village: str
) -> HouseholdRow | None:
    """The row's household: its code (`code`, already read as text), or one derived from the head's name, or —
    when only a poverty status is given — one of the row's own (`key`: the row's person key)."""
    code_text = code
    if is_head:
        head = head or name
    if not code_text and head:
        code_text = "CH-" + hashlib.sha256(f"{norm(village)}|{norm(head)}".encode()).hexdigest()[:12]
    if not code_text and poverty is not None:
        code_text = "R-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    if not code_text:
        return None
    return HouseholdRow(code_text, head or "", poverty)


def village_of_address(value: Any) -> str:
    """The village of a permanent-residence address ("Thôn Nà Pài, xã Giáo Hiệu, huyện Pác Nặm, tỉnh Bắc Kạn"):
    its first part, when that names a village (thôn, bản, tổ, xóm, làng)."""
    first = clean_line(value).split(",")[0].strip()
    return first if first and re.match(r"^(thon|ban|to|xom|lang)\b", norm(first)) else ""


LABELS = {"full_name": "Họ và tên", "village": "Thôn/bản", "head_name": "Họ tên chủ hộ", "code": "Mã hộ"}


def too_long(number: int, values: dict[str, Any], household: HouseholdRow | None) -> list[RowError]:
    """A value longer than its column: that row's error (not the import's crash on PostgreSQL)."""
    found = over_length(Resident, values)
    if household is not None:
        found += over_length(Household, {"code": household.code, "head_name": household.head_name})
    return [
        RowError(number, field, "too_long", f"{LABELS.get(field, field)} dài quá {limit} ký tự.")
        for field, limit in found
    ]
