"""A programme from its definition file (TOML): created, or brought up to date — idempotently."""

from __future__ import annotations

from functools import partial

from phocap.accounts import scope
from phocap.core.actions import Action
from phocap.core.errors import Conflict, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.geo import selectors as geo
from phocap.geo.models import AdminUnit
from phocap.geo.services import units_ensure_for
from phocap.programmes import definition as definitions
from phocap.programmes.definition import ProgrammeDefinition
from phocap.programmes.models import Assignment, CollectionPoint, Organisation, Programme, ProgrammeCommune
from phocap.programmes.services.common import COMMUNE_FIGURES, PROGRAMME_FIELDS, save_audited
from phocap.programmes.services.organisations import assignment_new, assignment_stop, organisation_upsert

DEFINE_AUDITS = (
    Action.PROGRAMME_CREATE,
    Action.PROGRAMME_UPDATE,
    Action.COMMUNE_CREATE,
    Action.COMMUNE_UPDATE,
    Action.COLLECTION_POINT_CREATE,
    Action.COLLECTION_POINT_UPDATE,
    Action.ORGANISATION_CREATE,
    Action.ORGANISATION_UPDATE,
    Action.ASSIGNMENT_CREATE,
    Action.ASSIGNMENT_END,
)


@service(audits=DEFINE_AUDITS)
def programme_define(*, actor: scope.Actor, definition: ProgrammeDefinition) -> Programme:
    """Create or bring up to date a programme from its definition file. Idempotent: running it twice changes
    nothing the second time. Communes, points and organisations are matched by code/key; assignments that
    the file no longer lists are ended, not deleted."""
    return _programme_define(actor, definition)


def _programme_define(actor: scope.Actor, definition: ProgrammeDefinition) -> Programme:
    if not scope.is_system_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được khai báo chương trình từ tệp định nghĩa.")
    d = definition
    if d.status not in Programme.Status.values:
        raise ValidationFailed(f"Trạng thái {d.status!r} không hợp lệ.", field="status")
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
        "receipt_symbol": d.receipt_symbol,
        "posting_days": d.posting_days,
        "complaint_acknowledge_days": d.complaint_acknowledge_days,
        "complaint_resolve_days": d.complaint_resolve_days,
        "bank_bin": d.bank["bin"],
        "bank_name": d.bank["name"],
        "bank_account_number": d.bank["account_number"],
        "bank_account_name": d.bank["account_name"],
    }
    if programme is not None and programme.province_id != province.pk:
        raise Conflict(f"Chương trình {d.code} đã có với tỉnh khác; không thể đổi tỉnh.")
    programme = save_audited(
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
        existing[c.code] = save_audited(
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
        save_audited(
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
        orgs[o.key] = organisation_upsert(
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
            assignment_new(actor, programme, commune, org, a.role, a.decision_number, a.decision_date, a.is_example)
    for stale in Assignment.objects.filter(commune__programme=programme, ended_at__isnull=True):
        if (stale.commune_id, stale.organisation_id, stale.role) not in wanted:
            assignment_stop(actor, programme, stale)


@service(audits=[Action.GEO_LOAD, *DEFINE_AUDITS])
def programme_init(*, actor: scope.Actor, name_or_path: str) -> Programme:
    """Load the units a programme definition needs, then create or update the programme from it (one
    transaction: a file that fails half-way leaves nothing)."""
    d = definitions.load(name_or_path)
    units_ensure_for(actor=actor, province=d.province, on=d.units_as_of)
    return _programme_define(actor, d)
