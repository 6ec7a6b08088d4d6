"""Reads of programmes, communes, organisations and assignments, limited to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from phocap.accounts import scope
from phocap.core.errors import NotFound
from phocap.programmes.models import Assignment, CollectionPoint, Organisation, Programme, ProgrammeCommune

_ACTIVE_ASSIGNMENTS = Prefetch(
    "assignments",
    queryset=Assignment.objects.filter(ended_at__isnull=True).select_related("organisation"),
    to_attr="active_assignments",
)


def programme_list(*, actor: scope.Actor) -> QuerySet[Programme]:
    return Programme.objects.filter(scope.programmes_q(actor)).select_related("province")


def programme_get(*, actor: scope.Actor, code: str) -> Programme:
    programme = programme_list(actor=actor).filter(code=code).first()
    if programme is None:
        raise NotFound(f"Không tìm thấy chương trình {code!r}.")
    return programme


def commune_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[ProgrammeCommune]:
    visible = ProgrammeCommune.objects.filter(scope.communes_q(actor)).values("pk")
    return (
        ProgrammeCommune.objects.filter(programme=programme, pk__in=visible)
        .select_related("unit", "district", "programme")
        .prefetch_related(_ACTIVE_ASSIGNMENTS)
        .order_by("unit__code")
    )


def commune_get(*, actor: scope.Actor, programme: Programme, code: str) -> ProgrammeCommune:
    """By the commune's code within the programme (its period makes the code unambiguous)."""
    commune = commune_list(actor=actor, programme=programme).filter(unit__code=code).first()
    if commune is None:
        raise NotFound(f"Không tìm thấy xã/phường {code} trong chương trình (hoặc bạn không có quyền xem).")
    return commune


def department_of(commune: ProgrammeCommune) -> Assignment | None:
    return next((a for a in _active(commune) if a.role == Assignment.Role.DEPARTMENT), None)


def enterprises_of(commune: ProgrammeCommune) -> list[Assignment]:
    return [a for a in _active(commune) if a.role == Assignment.Role.ENTERPRISE]


def commune_summary(commune: ProgrammeCommune) -> dict[str, Any]:
    """One commune as every interface shows it (API schema, CLI JSON): figures and active assignments.
    `department` and `enterprises` are Organisation objects; each interface renders them its own way."""
    department = department_of(commune)
    enterprises = enterprises_of(commune)
    return {
        "id": commune.pk,
        "code": commune.unit.code,
        "name": commune.unit.name,
        "district_code": commune.district.code if commune.district else None,
        "district_name": commune.district.name if commune.district else None,
        "adult_population": commune.adult_population,
        "baseline_without_smartphone": commune.baseline_without_smartphone,
        "target_percent": commune.target_percent,
        "department": department.organisation if department else None,
        "enterprises": [a.organisation for a in enterprises],
        "assignments_are_examples": any(a.is_example for a in [*([department] if department else []), *enterprises]),
    }


def _active(commune: ProgrammeCommune) -> list[Assignment]:
    cached = getattr(commune, "active_assignments", None)
    if cached is not None:
        return list(cached)
    return list(commune.assignments.filter(ended_at__isnull=True).select_related("organisation"))


def organisation_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[Organisation]:
    """Organisations of the programme's province: public bodies and companies, not personal data, so anyone
    with a role in the programme sees the list. Contact details only for those who may see personal data."""
    if not scope.is_system_admin(actor) and not scope.roles_in(actor, programme):
        return Organisation.objects.none()
    return Organisation.objects.filter(Q(province=programme.province) | Q(province__isnull=True)).order_by(
        "kind", "name"
    )


def organisation_get(*, actor: scope.Actor, programme: Programme, key: str) -> Organisation:
    org = organisation_list(actor=actor, programme=programme).filter(key=key).first()
    if org is None:
        raise NotFound(f"Không tìm thấy tổ chức {key!r}.")
    return org


def assignment_list(*, actor: scope.Actor, programme: Programme, include_ended: bool = False) -> QuerySet[Assignment]:
    visible = ProgrammeCommune.objects.filter(scope.communes_q(actor)).values("pk")
    qs = Assignment.objects.filter(commune__programme=programme, commune_id__in=visible).select_related(
        "organisation", "commune__unit"
    )
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    return qs.order_by("commune__unit__code", "role", "organisation__name")


def assignment_get(*, actor: scope.Actor, programme: Programme, assignment_id: int) -> Assignment:
    found = assignment_list(actor=actor, programme=programme, include_ended=True).filter(pk=assignment_id).first()
    if found is None:
        raise NotFound("Không tìm thấy phân công.")
    return found


def collection_point_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[CollectionPoint]:
    if not scope.is_system_admin(actor) and not scope.roles_in(actor, programme):
        return CollectionPoint.objects.none()
    return programme.collection_points.select_related("district").order_by("kind", "name")


def collection_point_get(*, actor: scope.Actor, programme: Programme, key: str) -> CollectionPoint:
    point = collection_point_list(actor=actor, programme=programme).filter(key=key).first()
    if point is None:
        raise NotFound(f"Không có điểm cầu {key!r}.")
    return point


def public_programmes() -> QuerySet[Programme]:
    """For the transparency pages: programmes past draft."""
    return Programme.objects.exclude(status=Programme.Status.DRAFT).select_related("province")
