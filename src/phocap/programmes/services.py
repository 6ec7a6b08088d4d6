"""Writes for programmes, their communes, organisations and assignments. One transaction and one audit row
per write; permission and scope checked here, whatever the interface."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.geo import selectors as geo
from phocap.geo.models import AdminUnit
from phocap.programmes.definition import ProgrammeDefinition
from phocap.programmes.models import Assignment, CollectionPoint, Organisation, Programme, ProgrammeCommune

if TYPE_CHECKING:
    pass

PROGRAMME_FIELDS = (
    "name",
    "units_as_of",
    "campaign_start",
    "campaign_end",
    "reference_date",
    "phone_package_price",
    "target_percent",
    "dedup_duplicate_percent",
    "dedup_possible_percent",
    "ends_on",
    "followup_days",
    "followup_grace_days",
    "indicator_targets",
    "status",
    "description",
    "bank_bin",
    "bank_name",
    "bank_account_number",
    "bank_account_name",
)
COMMUNE_FIGURES = ("adult_population", "baseline_without_smartphone", "target_percent", "figures_source")
ORGANISATION_FIELDS = (
    "name",
    "short_name",
    "kind",
    "contact_name",
    "contact_phone",
    "contact_email",
    "is_example",
)
ROLE_KIND = {
    Assignment.Role.DEPARTMENT: Organisation.Kind.DEPARTMENT,
    Assignment.Role.ENTERPRISE: Organisation.Kind.ENTERPRISE,
}


def _require_manager(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình cấp tỉnh được thực hiện thao tác này.")


def _apply(obj: Any, fields: tuple[str, ...], values: dict[str, Any]) -> dict[str, list[Any]]:
    before = audit.snapshot(obj, fields)
    for key, value in values.items():
        if key not in fields:
            raise ValidationFailed(f"Không thể sửa trường {key!r}.", field=key)
        setattr(obj, key, value)
    return audit.diff(before, audit.snapshot(obj, fields))


def _save_audited[M: models.Model](
    actor: scope.Actor,
    programme_code: str,
    *,
    noun: str,
    current: M | None,
    create: Callable[[], M],
    fields: tuple[str, ...],
    values: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> M:
    """Create (when `current` is None) or bring `current` up to `values`; audit `<noun>.create` or
    `<noun>.update` with the changed fields. Unchanged objects are neither saved nor audited."""
    if current is None:
        obj = create()
        audit.record(
            actor=actor,
            action=f"{noun}.create",
            obj=obj,
            programme_code=programme_code,
            changes=audit.diff({}, values),
            extra=extra,
        )
        return obj
    changes = _apply(current, fields, values)
    if changes:
        if hasattr(current, "updated_at"):
            current.updated_at = timezone.now()
        current.save()
        audit.record(
            actor=actor,
            action=f"{noun}.update",
            obj=current,
            programme_code=programme_code,
            changes=changes,
            extra=extra,
        )
    return current


# --- programme definition -------------------------------------------------------------------------------


def programme_define(*, actor: scope.Actor, definition: ProgrammeDefinition) -> Programme:
    """Create or bring up to date a programme from its definition file. Idempotent: running it twice changes
    nothing the second time. Communes, points and organisations are matched by code/key; assignments that
    the file no longer lists are ended, not deleted."""
    if not scope.is_system_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được khai báo chương trình từ tệp định nghĩa.")
    d = definition
    if d.status not in Programme.Status.values:
        raise ValidationFailed(f"Trạng thái {d.status!r} không hợp lệ.", field="status")
    with transaction.atomic():
        province = geo.unit_on(level="province", code=d.province, day=d.units_as_of)
        programme = Programme.objects.filter(code=d.code).first()
        values = {
            "name": d.name,
            "units_as_of": d.units_as_of,
            "campaign_start": d.campaign_start,
            "campaign_end": d.campaign_end,
            "reference_date": d.reference_date,
            "phone_package_price": d.phone_package_price,
            "target_percent": d.target_percent,
            "dedup_duplicate_percent": d.dedup_duplicate_percent,
            "dedup_possible_percent": d.dedup_possible_percent,
            "ends_on": d.ends_on,
            "followup_days": list(d.followup_days),
            "followup_grace_days": d.followup_grace_days,
            "indicator_targets": dict(d.indicator_targets),
            "status": d.status,
            "description": d.description,
            "bank_bin": d.bank["bin"],
            "bank_name": d.bank["name"],
            "bank_account_number": d.bank["account_number"],
            "bank_account_name": d.bank["account_name"],
        }
        if programme is not None and programme.province_id != province.pk:
            raise Conflict(f"Chương trình {d.code} đã có với tỉnh khác; không thể đổi tỉnh.")
        programme = _save_audited(
            actor,
            d.code,
            noun="programme",
            current=programme,
            fields=PROGRAMME_FIELDS,
            values=values,
            create=lambda: Programme.objects.create(code=d.code, province=province, **values),
            extra={"source": d.source},
        )
        communes = _define_communes(actor, programme, d)
        _define_points(actor, programme, d)
        orgs = _define_organisations(actor, programme, d, communes)
        _define_assignments(actor, programme, d, communes, orgs)
    return programme


def _define_communes(actor: scope.Actor, programme: Programme, d: ProgrammeDefinition) -> dict[str, ProgrammeCommune]:
    existing = {c.unit.code: c for c in programme.communes.select_related("unit")}
    for c in d.communes:
        unit = geo.unit_on(level="commune", code=c.code, day=d.units_as_of)
        if unit.parent is None or _province_of(unit).pk != programme.province_id:
            raise ValidationFailed(f"Xã {c.code} ({unit.name}) không thuộc tỉnh của chương trình.", field="communes")
        figures = {
            "adult_population": c.adult_population,
            "baseline_without_smartphone": c.baseline_without_smartphone,
            "target_percent": c.target_percent,
            "figures_source": c.figures_source,
        }
        district = unit.parent if unit.parent.level == AdminUnit.Level.DISTRICT else None
        existing[c.code] = _save_audited(
            actor,
            programme.code,
            noun="commune",
            current=existing.get(c.code),
            fields=COMMUNE_FIGURES,
            values=figures,
            create=partial(
                ProgrammeCommune.objects.create, programme=programme, unit=unit, district=district, **figures
            ),
        )
    return existing


def _province_of(unit: AdminUnit) -> AdminUnit:
    while unit.parent is not None:
        unit = unit.parent
    return unit


def _define_points(actor: scope.Actor, programme: Programme, d: ProgrammeDefinition) -> None:
    existing = {p.key: p for p in programme.collection_points.all()}
    for p in d.collection_points:
        if p.kind not in CollectionPoint.Kind.values:
            raise ValidationFailed(f"Điểm cầu {p.key}: loại {p.kind!r} không hợp lệ.", field="collection_points")
        district = geo.unit_on(level="district", code=p.district, day=d.units_as_of) if p.district else None
        values = {"name": p.name, "kind": p.kind, "district": district, "address": p.address}
        _save_audited(
            actor,
            programme.code,
            noun="collection_point",
            current=existing.get(p.key),
            fields=("name", "kind", "district", "address"),
            values=values,
            create=partial(CollectionPoint.objects.create, programme=programme, key=p.key, **values),
        )


def _define_organisations(
    actor: scope.Actor, programme: Programme, d: ProgrammeDefinition, communes: dict[str, ProgrammeCommune]
) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for o in d.organisations:
        if o.commune and o.commune not in communes:
            raise ValidationFailed(f"Tổ chức {o.key}: xã {o.commune} không thuộc chương trình.", field="organisations")
        orgs[o.key] = _organisation_upsert(
            actor,
            programme,
            key=o.key,
            name=o.name,
            kind=o.kind,
            short_name=o.short_name,
            is_example=o.is_example,
            commune=communes.get(o.commune) if o.commune else None,
        )
    return orgs


def _define_assignments(
    actor: scope.Actor,
    programme: Programme,
    d: ProgrammeDefinition,
    communes: dict[str, ProgrammeCommune],
    orgs: dict[str, Organisation],
) -> None:
    wanted = set()
    for a in d.assignments:
        commune = communes.get(a.commune)
        if commune is None:
            raise ValidationFailed(f"Phân công: xã {a.commune} không thuộc chương trình.", field="assignments")
        org = orgs.get(a.organisation) or Organisation.objects.filter(key=a.organisation).first()
        if org is None:
            raise ValidationFailed(f"Phân công: không có tổ chức {a.organisation!r}.", field="assignments")
        wanted.add((commune.pk, org.pk, a.role))
        current = Assignment.objects.filter(
            commune=commune, organisation=org, role=a.role, ended_at__isnull=True
        ).first()
        if current is None:
            _assignment_create(actor, programme, commune, org, a.role, a.decision_number, a.decision_date, a.is_example)
    for stale in Assignment.objects.filter(commune__programme=programme, ended_at__isnull=True):
        if (stale.commune_id, stale.organisation_id, stale.role) not in wanted:
            _assignment_end(actor, programme, stale)


# --- organisations and assignments ----------------------------------------------------------------------


def _organisation_upsert(actor: scope.Actor, programme: Programme, *, key: str, **values: Any) -> Organisation:
    if values.get("kind") not in Organisation.Kind.values:
        raise ValidationFailed(f"Loại tổ chức {values.get('kind')!r} không hợp lệ.", field="kind")
    if not values.get("name"):
        raise ValidationFailed("Tên tổ chức là bắt buộc.", field="name")
    commune = values.pop("commune", None)
    return _save_audited(
        actor,
        programme.code,
        noun="organisation",
        current=Organisation.objects.filter(key=key).first(),
        fields=ORGANISATION_FIELDS,
        values=values,
        create=lambda: Organisation.objects.create(key=key, province=programme.province, commune=commune, **values),
    )


def organisation_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    key: str,
    name: str,
    kind: str,
    short_name: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> Organisation:
    _require_manager(actor, programme)
    key = key.strip().lower()
    if not key or not all(ch.isalnum() or ch == "-" for ch in key) or not key.isascii():
        raise ValidationFailed("Mã tổ chức chỉ gồm chữ thường không dấu, số và dấu gạch ngang.", field="key")
    with transaction.atomic():
        if Organisation.objects.filter(key=key).exists():
            raise Conflict(f"Đã có tổ chức mã {key!r}.", field="key")
        return _organisation_upsert(
            actor,
            programme,
            key=key,
            name=name.strip(),
            kind=kind,
            short_name=short_name.strip(),
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            contact_email=contact_email.strip(),
        )


def organisation_update(
    *, actor: scope.Actor, programme: Programme, organisation: Organisation, **values: Any
) -> Organisation:
    _require_manager(actor, programme)
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if org.province_id not in (None, programme.province_id):
            raise NotFound(f"Không tìm thấy tổ chức {org.key!r} trong tỉnh của chương trình.")
        if "kind" in values and values["kind"] not in Organisation.Kind.values:
            raise ValidationFailed(f"Loại tổ chức {values['kind']!r} không hợp lệ.", field="kind")
        if values.get("kind", org.kind) != org.kind and org.assignments.filter(ended_at__isnull=True).exists():
            raise Conflict("Tổ chức đang có phân công; kết thúc phân công trước khi đổi loại.", field="kind")
        return _save_audited(
            actor,
            programme.code,
            noun="organisation",
            current=org,
            fields=ORGANISATION_FIELDS,
            values=values,
            create=lambda: org,
        )


def _assignment_create(
    actor: scope.Actor,
    programme: Programme,
    commune: ProgrammeCommune,
    org: Organisation,
    role: str,
    decision_number: str,
    decision_date: dt.date | None,
    is_example: bool,
) -> Assignment:
    if role not in Assignment.Role.values:
        raise ValidationFailed(f"Vai trò {role!r} không hợp lệ (department hoặc enterprise).", field="role")
    if org.kind != ROLE_KIND[Assignment.Role(role)]:
        raise ValidationFailed(
            f"{org} là {org.get_kind_display()}, không thể giữ vai trò {Assignment.Role(role).label}.",
            field="role",
        )
    if role == Assignment.Role.DEPARTMENT and commune.assignments.filter(role=role, ended_at__isnull=True).exists():
        raise Conflict(f"{commune} đã có sở, ngành phụ trách; kết thúc phân công cũ trước.", field="organisation")
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                commune=commune,
                organisation=org,
                role=role,
                decision_number=decision_number,
                decision_date=decision_date,
                is_example=is_example,
            )
    except IntegrityError:
        raise Conflict(f"{org} đã được phân công cho {commune} với vai trò này.", field="organisation") from None
    audit.record(
        actor=actor,
        action="assignment.create",
        obj=assignment,
        programme_code=programme.code,
        changes=audit.diff(
            {},
            {
                "commune": commune.code,
                "organisation": org.key,
                "role": role,
                "decision_number": decision_number,
                "decision_date": decision_date,
                "is_example": is_example,
            },
        ),
    )
    return assignment


def assignment_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    commune_code: str,
    organisation_key: str,
    role: str,
    decision_number: str = "",
    decision_date: dt.date | None = None,
    is_example: bool = False,
) -> Assignment:
    _require_manager(actor, programme)
    with transaction.atomic():
        commune = programme.communes.select_related("unit").filter(unit__code=commune_code).first()
        if commune is None:
            raise NotFound(f"Xã {commune_code} không thuộc chương trình.", code="commune_not_found")
        org = Organisation.objects.filter(key=organisation_key).first()
        if org is None:
            raise NotFound(f"Không có tổ chức {organisation_key!r}.", code="organisation_not_found")
        return _assignment_create(
            actor, programme, commune, org, role, decision_number.strip(), decision_date, is_example
        )


def _assignment_end(actor: scope.Actor, programme: Programme, assignment: Assignment) -> Assignment:
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at"])
    audit.record(
        actor=actor,
        action="assignment.end",
        obj=assignment,
        programme_code=programme.code,
        changes={"ended_at": [None, assignment.ended_at.isoformat()]},
    )
    return assignment


def assignment_end(*, actor: scope.Actor, programme: Programme, assignment: Assignment) -> Assignment:
    _require_manager(actor, programme)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.commune.programme_id != programme.pk:
            raise NotFound("Không tìm thấy phân công.")
        if locked.ended_at is not None:
            raise Conflict("Phân công này đã kết thúc.")
        return _assignment_end(actor, programme, locked)


# --- communes -------------------------------------------------------------------------------------------


def commune_update_figures(
    *,
    actor: scope.Actor,
    commune: ProgrammeCommune,
    adult_population: int | None = None,
    baseline_without_smartphone: int | None = None,
    target_percent: Decimal | None = None,
    figures_source: str | None = None,
) -> ProgrammeCommune:
    """A commune officer (their commune) or the provincial manager corrects a commune's denominators."""
    if not scope.can_write_commune(actor, commune):
        # out of scope: the commune does not exist for this actor
        raise NotFound(f"Không tìm thấy xã/phường {commune.code} trong chương trình (hoặc bạn không có quyền xem).")
    values: dict[str, Any] = {
        k: v
        for k, v in {
            "adult_population": adult_population,
            "baseline_without_smartphone": baseline_without_smartphone,
            "target_percent": target_percent,
            "figures_source": figures_source,
        }.items()
        if v is not None
    }
    with transaction.atomic():
        locked = ProgrammeCommune.objects.select_for_update().select_related("unit", "programme").get(pk=commune.pk)
        new_adults = values.get("adult_population", locked.adult_population)
        new_baseline = values.get("baseline_without_smartphone", locked.baseline_without_smartphone)
        if new_adults < 0 or new_baseline < 0:
            raise ValidationFailed("Số người không được âm.", field="adult_population")
        if new_baseline > new_adults:
            raise ValidationFailed(
                f"Số chưa có điện thoại thông minh ({new_baseline}) không được lớn hơn số người trưởng thành "
                f"({new_adults}).",
                field="baseline_without_smartphone",
            )
        if "target_percent" in values and not (0 < values["target_percent"] <= 100):
            raise ValidationFailed("Mục tiêu phải lớn hơn 0 và không quá 100 %.", field="target_percent")
        changes = _apply(locked, COMMUNE_FIGURES, values)
        if changes:
            locked.save()
            audit.record(
                actor=actor,
                action="commune.update",
                obj=locked,
                programme_code=locked.programme.code,
                changes=changes,
            )
        return locked


def programme_init(*, actor: scope.Actor, name_or_path: str) -> Programme:
    """Load the units a programme definition needs, then create or update the programme from it."""
    from phocap.geo.services import geo_ensure_for
    from phocap.programmes import definition as definitions

    d = definitions.load(name_or_path)
    geo_ensure_for(actor=actor, province=d.province, on=d.units_as_of)
    return programme_define(actor=actor, definition=d)
