"""Loading administrative units from `vietnam-provinces` (official lists, before and after 1/7/2025)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import PermissionDenied, ValidationFailed
from phocap.core.jobs import job_start
from phocap.core.models import BackgroundJob
from phocap.core.services import service
from phocap.geo.models import REFORM_2025, AdminUnit, UnitSuccession

SOURCE = "vietnam-provinces"
Progress = Callable[[int, int, str], None]
LEGACY, CURRENT = "legacy", "current"


@dataclasses.dataclass
class LoadSummary:
    era: str
    provinces: int = 0
    districts: int = 0
    communes: int = 0
    created: int = 0
    updated: int = 0
    successions_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class _Row:
    level: str
    code: str
    name: str
    kind: str
    parent_key: tuple[str, str] | None  # (level, code) in the same era


def _period(era: str) -> tuple[dt.date | None, dt.date | None]:
    return (None, REFORM_2025) if era == LEGACY else (REFORM_2025, None)


def _legacy_rows(province_codes: Iterable[int] | None) -> list[_Row]:
    from vietnam_provinces.legacy import base as legacy

    provinces = list(legacy.Province.iter_all())
    if province_codes is not None:
        wanted = set(province_codes)
        provinces = [p for p in provinces if int(p.code) in wanted]
    rows: list[_Row] = []
    for p in provinces:
        pcode = f"{int(p.code):02d}"
        rows.append(_Row("province", pcode, p.name, str(p.division_type), None))
        for d in legacy.District.iter_by_province(p.code):
            dcode = f"{int(d.code):03d}"
            rows.append(_Row("district", dcode, d.name, str(d.division_type), ("province", pcode)))
            for w in legacy.Ward.iter_by_district(d.code):
                rows.append(_Row("commune", f"{int(w.code):05d}", w.name, str(w.division_type), ("district", dcode)))
    return rows


def _current_rows(province_codes: Iterable[int] | None) -> list[_Row]:
    from vietnam_provinces import Province, Ward

    provinces = list(Province.iter_all())
    if province_codes is not None:
        wanted = set(province_codes)
        provinces = [p for p in provinces if int(p.code) in wanted]
    rows: list[_Row] = []
    for p in provinces:
        pcode = f"{int(p.code):02d}"
        rows.append(_Row("province", pcode, p.name, str(p.division_type), None))
        for w in Ward.iter_by_province(p.code):
            rows.append(_Row("commune", f"{int(w.code):05d}", w.name, str(w.division_type), ("province", pcode)))
    return rows


def _known_province_codes(era: str) -> set[int]:
    if era == LEGACY:
        from vietnam_provinces.legacy import base as legacy

        return {int(p.code) for p in legacy.Province.iter_all()}
    from vietnam_provinces import Province

    return {int(p.code) for p in Province.iter_all()}


def _era_units(era: str) -> QuerySet[AdminUnit]:
    if era == LEGACY:
        return AdminUnit.objects.filter(valid_from__isnull=True)
    return AdminUnit.objects.filter(valid_from=REFORM_2025)


def _check_province(province: str, legacy: bool) -> int:
    if not province.isdigit() or int(province) not in _known_province_codes(LEGACY if legacy else CURRENT):
        era_label = "trước 1/7/2025" if legacy else "hiện hành"
        raise ValidationFailed(f"Không có tỉnh mã {province!r} trong danh mục {era_label}.", field="province")
    return int(province)


def _upsert(rows: list[_Row], era: str, summary: LoadSummary, progress: Progress | None) -> None:
    valid_from, valid_to = _period(era)
    existing = {(u.level, u.code): u for u in _era_units(era)}
    total = len(rows)
    for level in ("province", "district", "commune"):
        level_rows = [r for r in rows if r.level == level]
        to_create: list[AdminUnit] = []
        to_update: list[AdminUnit] = []
        for row in level_rows:
            parent = existing[row.parent_key] if row.parent_key else None
            unit = existing.get((row.level, row.code))
            if unit is None:
                to_create.append(
                    AdminUnit(
                        level=row.level,
                        code=row.code,
                        name=row.name,
                        kind=row.kind,
                        parent=parent,
                        valid_from=valid_from,
                        valid_to=valid_to,
                    )
                )
            elif (unit.name, unit.kind, unit.parent_id, unit.valid_to) != (
                row.name,
                row.kind,
                parent.pk if parent else None,
                valid_to,
            ):
                unit.name, unit.kind, unit.parent, unit.valid_to = row.name, row.kind, parent, valid_to
                to_update.append(unit)
        for unit in AdminUnit.objects.bulk_create(to_create, batch_size=2000):
            existing[(unit.level, unit.code)] = unit
        AdminUnit.objects.bulk_update(to_update, ["name", "kind", "parent", "valid_to"], batch_size=2000)
        summary.created += len(to_create)
        summary.updated += len(to_update)
        setattr(
            summary,
            {"province": "provinces", "district": "districts", "commune": "communes"}[level],
            len(level_rows),
        )
        if progress:
            done = sum(
                1
                for r in rows
                if ("province", "district", "commune").index(r.level)
                <= ("province", "district", "commune").index(level)
            )
            progress(done, total, f"{level}: {len(level_rows)}")


def _link_successions() -> int:
    """Create the official old → new rows for every pair whose two ends are loaded. Idempotent."""
    from vietnam_provinces import Province, Ward

    legacy_units = {
        (u.level, u.code): u.pk
        for u in AdminUnit.objects.filter(valid_to=REFORM_2025, level__in=["province", "commune"]).only("level", "code")
    }
    current = AdminUnit.objects.filter(valid_from=REFORM_2025, level__in=["province", "commune"]).only("level", "code")
    pairs: dict[tuple[int, int], None] = {}
    successors_of: dict[int, set[int]] = defaultdict(set)
    current_provinces = {u.code: u.pk for u in current if u.level == "province"}
    current_communes = {u.code: u.pk for u in current if u.level == "commune"}
    for pcode, new_province_pk in current_provinces.items():
        for old_province in Province.from_code(int(pcode)).get_legacy_sources():  # type: ignore[arg-type]
            old_province_pk = legacy_units.get(("province", f"{int(old_province.code):02d}"))
            if old_province_pk:
                pairs[(old_province_pk, new_province_pk)] = None
                successors_of[old_province_pk].add(new_province_pk)
    for pcode in current_provinces:
        for ward in Ward.iter_by_province(int(pcode)):  # type: ignore[arg-type]
            new_pk = current_communes.get(f"{int(ward.code):05d}")
            if not new_pk:
                continue
            for old in ward.get_legacy_sources():
                old_pk = legacy_units.get(("commune", f"{int(old.code):05d}"))
                if old_pk:
                    pairs[(old_pk, new_pk)] = None
                    successors_of[old_pk].add(new_pk)
    have = set(UnitSuccession.objects.values_list("predecessor_id", "successor_id"))
    new = [
        UnitSuccession(
            predecessor_id=old_pk,
            successor_id=new_pk,
            effective_date=REFORM_2025,
            partial=len(successors_of[old_pk]) > 1,
            source=SOURCE,
        )
        for (old_pk, new_pk) in pairs
        if (old_pk, new_pk) not in have
    ]
    UnitSuccession.objects.bulk_create(new, batch_size=2000)
    # a predecessor that gained a second successor in this load is only partly in each
    split = [pk for pk, s in successors_of.items() if len(s) > 1]
    UnitSuccession.objects.filter(predecessor_id__in=split, partial=False).update(partial=True)
    return len(new)


@service(audits=[Action.GEO_LOAD])
def geo_load(
    *,
    actor: scope.Actor,
    province: str | None = None,
    legacy: bool = False,
    load_all: bool = False,
    progress: Progress | None = None,
) -> list[LoadSummary]:
    """Load one province (or, with `load_all`, the whole country) as of before (`legacy`) or after 1/7/2025.

    `load_all` loads both eras and the old → new mapping. Loading is idempotent: units are matched by
    (level, code, period) and updated in place; nothing is deleted.
    """
    return units_load(actor=actor, province=province, legacy=legacy, load_all=load_all, progress=progress)


def units_load(
    *,
    actor: scope.Actor,
    province: str | None = None,
    legacy: bool = False,
    load_all: bool = False,
    progress: Progress | None = None,
) -> list[LoadSummary]:
    """`geo_load` inside the caller's transaction (a programme's set-up loads its units with it)."""
    if not scope.can_manage_geography(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được tải danh mục đơn vị hành chính.")
    if load_all == (province is not None):
        raise ValidationFailed("Chọn một tỉnh (--province) hoặc toàn quốc (--all).", field="province")
    eras = [LEGACY, CURRENT] if load_all else [LEGACY if legacy else CURRENT]
    codes: list[int] | None = None
    if province is not None:
        codes = [_check_province(province, legacy)]
    summaries: list[LoadSummary] = []
    for era in eras:
        summary = LoadSummary(era=era)
        rows = _legacy_rows(codes) if era == LEGACY else _current_rows(codes)
        _upsert(rows, era, summary, progress)
        summaries.append(summary)
    summaries[-1].successions_created = _link_successions()
    first = AdminUnit.objects.filter(level="province").order_by("code").first()
    if first is not None:
        audit.record(
            actor=actor,
            action=Action.GEO_LOAD,
            obj=first,
            extra={
                "province": province or "all",
                "eras": ",".join(eras),
                **{f"{s.era}_{k}": v for s in summaries for k, v in s.as_dict().items() if k != "era"},
            },
        )
    return summaries


def successor_province_codes(legacy_code: str) -> list[str]:
    """Today's provinces that a pre-2025 province became part of (06 Bắc Kạn → 19 Thái Nguyên)."""
    from vietnam_provinces import Province

    return sorted(
        f"{int(p.code):02d}"
        for p in Province.iter_all()
        if any(int(old.code) == int(legacy_code) for old in p.get_legacy_sources())
    )


def units_ensure_for(*, actor: scope.Actor, province: str, on: dt.date) -> list[LoadSummary]:
    """Load what a programme with units as of `on` needs, inside the caller's transaction: its province in that
    era, and for a pre-2025 programme the provinces it became part of (for "now part of …")."""
    summaries: list[LoadSummary] = []
    if on < REFORM_2025:
        summaries += units_load(actor=actor, province=province, legacy=True)
        for code in successor_province_codes(province):
            summaries += units_load(actor=actor, province=code)
    else:
        summaries += units_load(actor=actor, province=province)
    return summaries


@service(audits=[])
def geo_load_start(
    *, actor: scope.Actor, province: str | None = None, legacy: bool = False, load_all: bool = False
) -> BackgroundJob:
    """Start a geo load as a background job the user can watch on the task list."""
    from phocap.geo.tasks import geo_load_task

    if not scope.can_manage_geography(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được tải danh mục đơn vị hành chính.")
    if load_all == (province is not None):
        raise ValidationFailed("Chọn một tỉnh hoặc toàn quốc.", field="province")
    if province is not None:
        _check_province(province, legacy)
    label = (
        "Tải danh mục đơn vị hành chính: "
        + ("toàn quốc" if load_all else f"tỉnh {province}")
        + (" (trước 1/7/2025)" if legacy and not load_all else "")
    )
    return job_start(
        actor=actor,
        task=geo_load_task,
        kind="geo.load",
        label=label,
        province=province,
        legacy=legacy,
        load_all=load_all,
    )
