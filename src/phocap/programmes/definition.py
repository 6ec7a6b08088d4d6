"""A programme defined by a TOML file: province, units, dates, targets, collection points, organisations,
assignments, bank account. `bac-kan-2023` ships in `definitions/`; see docs/programme-definition.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from phocap.core.errors import ValidationFailed
from phocap.programmes.models import DEFAULT_TARGETS, RECEIPT_SYMBOL

DEFINITIONS_DIR = Path(__file__).parent / "definitions"


@dataclasses.dataclass(frozen=True)
class CommuneDef:
    code: str
    adult_population: int
    baseline_without_smartphone: int
    target_percent: Decimal
    figures_source: str = ""


@dataclasses.dataclass(frozen=True)
class CollectionPointDef:
    key: str
    name: str
    kind: str
    district: str = ""
    address: str = ""


@dataclasses.dataclass(frozen=True)
class OrganisationDef:
    key: str
    name: str
    kind: str
    short_name: str = ""
    commune: str = ""
    is_example: bool = False


@dataclasses.dataclass(frozen=True)
class AssignmentDef:
    commune: str
    organisation: str
    role: str
    decision_number: str = ""
    decision_date: dt.date | None = None
    is_example: bool = False


@dataclasses.dataclass(frozen=True)
class ProgrammeDefinition:
    code: str
    name: str
    province: str
    units_as_of: dt.date
    campaign_start: dt.date
    campaign_end: dt.date
    reference_date: dt.date
    phone_package_price: int
    target_percent: Decimal
    status: str
    description: str
    bank: dict[str, str]
    communes: tuple[CommuneDef, ...]
    collection_points: tuple[CollectionPointDef, ...]
    organisations: tuple[OrganisationDef, ...]
    assignments: tuple[AssignmentDef, ...]
    source: str = ""
    dedup_duplicate_percent: Decimal = Decimal(99)
    dedup_possible_percent: Decimal = Decimal(80)
    ends_on: dt.date | None = None
    followup_days: tuple[int, ...] = (7, 30, 90)
    followup_grace_days: int = 7
    indicator_targets: tuple[tuple[str, float], ...] = ()
    receipt_symbol: str = "GCN-MTTQ"
    posting_days: int = 5
    complaint_acknowledge_days: int = 3
    complaint_resolve_days: int = 30


def resolve_path(name_or_path: str) -> Path:
    """`bac-kan-2023` → the shipped file; anything with a slash or `.toml` → that path."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
    else:
        path = DEFINITIONS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in DEFINITIONS_DIR.glob("*.toml")))
        raise ValidationFailed(f"Không tìm thấy tệp định nghĩa chương trình {name_or_path!r} (có sẵn: {shipped}).")
    return path


def load(name_or_path: str) -> ProgrammeDefinition:
    path = resolve_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed(f"Tệp {path.name} không đúng cú pháp TOML: {exc}") from exc
    return parse(data, source=str(path))


class _Reader:
    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data, self.where = data, where

    def _fail(self, key: str, what: str) -> ValidationFailed:
        return ValidationFailed(f"{self.where}: trường `{key}` {what}.", field=key)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self._fail(key, "là bắt buộc")
        if not isinstance(value, str):
            raise self._fail(key, "phải là chuỗi ký tự")
        return value.strip()

    def code(self, key: str, digits: int) -> str:
        value = self.data.get(key)
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str) or not value.isdigit() or len(value) > digits:
            raise self._fail(key, f'phải là mã số gồm {digits} chữ số, viết trong dấu nháy (ví dụ "{"0" * digits}")')
        return value.zfill(digits)

    def date(self, key: str, default: dt.date | None = None) -> dt.date:
        value = self.data.get(key, default)
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            raise self._fail(key, "phải là ngày dạng YYYY-MM-DD")
        return value

    def optional_date(self, key: str) -> dt.date | None:
        return self.date(key) if key in self.data else None

    def integer(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "phải là số nguyên")
        if value < minimum:
            raise self._fail(key, f"phải lớn hơn hoặc bằng {minimum}")
        return value

    def percent(self, key: str, default: Decimal) -> Decimal:
        value = self.data.get(key, default)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self._fail(key, "phải là số phần trăm") from None
        if not (0 < number <= 100):
            raise self._fail(key, "phải lớn hơn 0 và không quá 100")
        return number

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self._fail(key, "phải là true hoặc false")
        return value

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self._fail(key, "phải là danh sách bảng [[...]]")
        return value


def _receipt_symbol(data: dict[str, Any]) -> str:
    """`[receipts] symbol`: what follows a certificate's number, "00033/GCN-MTTQ"."""
    symbol = _Reader(data.get("receipts") or {}, "[receipts]").text("symbol", "GCN-MTTQ")
    if not RECEIPT_SYMBOL.fullmatch(symbol):
        raise ValidationFailed(
            '[receipts]: `symbol` gồm chữ in hoa, chữ số và dấu gạch ngang, 2–30 ký tự (ví dụ "GCN-MTTQ").',
            field="symbol",
        )
    return symbol


def _people(data: dict[str, Any]) -> dict[str, int]:
    """`[posting] days` (working days a round's lists stay posted for objections) and `[complaints]
    acknowledge_working_days`, `resolve_days`."""
    posting = _Reader(data.get("posting") or {}, "[posting]")
    complaints = _Reader(data.get("complaints") or {}, "[complaints]")
    return {
        "posting_days": posting.integer("days", 5, minimum=1),
        "complaint_acknowledge_days": complaints.integer("acknowledge_working_days", 3, minimum=1),
        "complaint_resolve_days": complaints.integer("resolve_days", 30, minimum=1),
    }


def _each(top: _Reader, key: str) -> list[tuple[dict[str, Any], _Reader]]:
    return [(t, _Reader(t, f"[[{key}]] thứ {i}")) for i, t in enumerate(top.tables(key), 1)]


def _communes(top: _Reader, target: Decimal) -> tuple[CommuneDef, ...]:
    communes = tuple(
        CommuneDef(
            code=r.code("code", 5),
            adult_population=r.integer("adult_population"),
            baseline_without_smartphone=r.integer("baseline_without_smartphone"),
            target_percent=r.percent("target_percent", target),
            figures_source=r.text("figures_source", ""),
        )
        for _t, r in _each(top, "communes")
    )
    if not communes:
        raise ValidationFailed("tệp định nghĩa: cần ít nhất một [[communes]].", field="communes")
    for c in communes:
        if c.baseline_without_smartphone > c.adult_population:
            raise ValidationFailed(
                f"xã {c.code}: số chưa có điện thoại thông minh ({c.baseline_without_smartphone}) "
                f"lớn hơn số người trưởng thành ({c.adult_population}).",
                field="baseline_without_smartphone",
            )
    seen = [c.code for c in communes]
    if len(seen) != len(set(seen)):
        raise ValidationFailed("tệp định nghĩa: một xã được khai báo hai lần trong [[communes]].", field="communes")
    return communes


def _points(top: _Reader) -> tuple[CollectionPointDef, ...]:
    return tuple(
        CollectionPointDef(
            key=r.text("key"),
            name=r.text("name"),
            kind=r.text("kind"),
            district=r.code("district", 3) if "district" in t else "",
            address=r.text("address", ""),
        )
        for t, r in _each(top, "collection_points")
    )


def _organisations(top: _Reader) -> tuple[OrganisationDef, ...]:
    return tuple(
        OrganisationDef(
            key=r.text("key"),
            name=r.text("name"),
            kind=r.text("kind"),
            short_name=r.text("short_name", ""),
            commune=r.code("commune", 5) if "commune" in t else "",
            is_example=r.flag("example"),
        )
        for t, r in _each(top, "organisations")
    )


def _assignments(top: _Reader) -> tuple[AssignmentDef, ...]:
    return tuple(
        AssignmentDef(
            commune=r.code("commune", 5),
            organisation=r.text("organisation"),
            role=r.text("role"),
            decision_number=r.text("decision_number", ""),
            decision_date=r.optional_date("decision_date"),
            is_example=r.flag("example"),
        )
        for _t, r in _each(top, "assignments")
    )


def _follow_up(data: dict[str, Any]) -> tuple[tuple[int, ...], int]:
    follow = _Reader(data.get("follow_up") or {}, "[follow_up]")
    days = follow.data.get("days", [7, 30, 90])
    if not (isinstance(days, list) and days and all(isinstance(d, int) and 0 < d <= 730 for d in days)):
        raise follow._fail("days", "phải là danh sách số ngày sau khi trao, ví dụ [7, 30, 90]")
    return tuple(sorted(set(days))), follow.integer("grace_days", 7)


def _targets(data: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    targets = _Reader(data.get("targets") or {}, "[targets]")
    unknown = sorted(set(targets.data) - set(DEFAULT_TARGETS))
    if unknown:
        raise targets._fail(unknown[0], f"không phải chỉ số đã biết ({', '.join(DEFAULT_TARGETS)})")
    return tuple((k, float(targets.percent(k, Decimal(100)))) for k in targets.data)


def parse(data: dict[str, Any], *, source: str = "") -> ProgrammeDefinition:
    top = _Reader(data, "tệp định nghĩa")
    prog = _Reader(data.get("programme") or {}, "[programme]")
    bank = _Reader(data.get("bank_account") or {}, "[bank_account]")
    target = prog.percent("target_percent", Decimal(100))
    campaign_start = prog.date("campaign_start")
    if prog.percent("dedup_possible_percent", Decimal(80)) > prog.percent("dedup_duplicate_percent", Decimal(99)):
        raise ValidationFailed(
            "[programme]: `dedup_possible_percent` không được lớn hơn `dedup_duplicate_percent`.",
            field="dedup_possible_percent",
        )
    communes, points = _communes(top, target), _points(top)
    organisations, assignments = _organisations(top), _assignments(top)
    days, grace = _follow_up(data)
    definition = ProgrammeDefinition(
        code=prog.text("code"),
        name=prog.text("name"),
        province=prog.code("province", 2),
        units_as_of=prog.date("units_as_of", campaign_start),
        campaign_start=campaign_start,
        campaign_end=prog.date("campaign_end"),
        reference_date=prog.date("reference_date", campaign_start),
        phone_package_price=prog.integer("phone_package_price", 2_000_000, minimum=1),
        target_percent=target,
        dedup_duplicate_percent=prog.percent("dedup_duplicate_percent", Decimal(99)),
        dedup_possible_percent=prog.percent("dedup_possible_percent", Decimal(80)),
        ends_on=prog.optional_date("ends_on"),
        followup_days=days,
        followup_grace_days=grace,
        indicator_targets=_targets(data),
        status=prog.text("status", "draft"),
        description=prog.text("description", ""),
        receipt_symbol=_receipt_symbol(data),
        **_people(data),
        bank={
            "bin": bank.text("bin", ""),
            "name": bank.text("bank_name", ""),
            "account_number": bank.text("account_number", ""),
            "account_name": bank.text("account_name", ""),
        },
        communes=communes,
        collection_points=points,
        organisations=organisations,
        assignments=assignments,
        source=source,
    )
    if definition.campaign_end < definition.campaign_start:
        raise ValidationFailed("[programme]: campaign_end phải sau campaign_start.", field="campaign_end")
    return definition
