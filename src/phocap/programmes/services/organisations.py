"""Organisations (departments, enterprises, the Front) and their assignments to communes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.services import service
from phocap.programmes.models import Assignment, Organisation, Programme, ProgrammeCommune
from phocap.programmes.services.common import ORGANISATION_FIELDS, ROLE_KIND, require_manager, save_audited


def organisation_upsert(actor: scope.Actor, programme: Programme, *, key: str, **values: Any) -> Organisation:
    if values.get("kind") not in Organisation.Kind.values:
        raise ValidationFailed(f"Loại tổ chức {values.get('kind')!r} không hợp lệ.", field="kind")
    if not values.get("name"):
        raise ValidationFailed("Tên tổ chức là bắt buộc.", field="name")
    commune = values.pop("commune", None)
    return save_audited(
        actor,
        programme.code,
        noun="organisation",
        current=Organisation.objects.filter(key=key).first(),
        fields=ORGANISATION_FIELDS,
        values=values,
        create=lambda: Organisation.objects.create(key=key, province=programme.province, commune=commune, **values),
    )


@service(audits=[Action.ORGANISATION_CREATE])
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
    require_manager(actor, programme)
    key = key.strip().lower()
    if not key or not all(ch.isalnum() or ch == "-" for ch in key) or not key.isascii():
        raise ValidationFailed("Mã tổ chức chỉ gồm chữ thường không dấu, số và dấu gạch ngang.", field="key")
    if Organisation.objects.filter(key=key).exists():
        raise Conflict(f"Đã có tổ chức mã {key!r}.", field="key")
    return organisation_upsert(
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


@service(audits=[Action.ORGANISATION_UPDATE])
def organisation_update(
    *, actor: scope.Actor, programme: Programme, organisation: Organisation, **values: Any
) -> Organisation:
    require_manager(actor, programme)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if org.province_id not in (None, programme.province_id):
        raise NotFound(f"Không tìm thấy tổ chức {org.key!r} trong tỉnh của chương trình.")
    # a field sent empty (null) is cleared; a name cannot be
    values = {k: ("" if v is None and k != "kind" else v) for k, v in values.items()}
    if "name" in values and len(str(values["name"]).strip()) < 2:
        raise ValidationFailed("Tổ chức cần một tên.", field="name")
    if "kind" in values and values["kind"] not in Organisation.Kind.values:
        raise ValidationFailed(f"Loại tổ chức {values['kind']!r} không hợp lệ.", field="kind")
    if values.get("kind", org.kind) != org.kind and org.assignments.filter(ended_at__isnull=True).exists():
        raise Conflict("Tổ chức đang có phân công; kết thúc phân công trước khi đổi loại.", field="kind")
    return save_audited(
        actor,
        programme.code,
        noun="organisation",
        current=org,
        fields=ORGANISATION_FIELDS,
        values=values,
        create=lambda: org,
    )


def assignment_new(
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
        action=Action.ASSIGNMENT_CREATE,
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


@service(audits=[Action.ASSIGNMENT_CREATE])
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
    require_manager(actor, programme)
    commune = programme.communes.select_related("unit").filter(unit__code=commune_code).first()
    if commune is None:
        raise NotFound(f"Xã {commune_code} không thuộc chương trình.", code="commune_not_found")
    org = Organisation.objects.filter(key=organisation_key).first()
    if org is None:
        raise NotFound(f"Không có tổ chức {organisation_key!r}.", code="organisation_not_found")
    return assignment_new(actor, programme, commune, org, role, decision_number.strip(), decision_date, is_example)


def assignment_stop(actor: scope.Actor, programme: Programme, assignment: Assignment) -> Assignment:
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at"])
    audit.record(
        actor=actor,
        action=Action.ASSIGNMENT_END,
        obj=assignment,
        programme_code=programme.code,
        changes={"ended_at": [None, assignment.ended_at.isoformat()]},
    )
    return assignment


@service(audits=[Action.ASSIGNMENT_END])
def assignment_end(*, actor: scope.Actor, programme: Programme, assignment: Assignment) -> Assignment:
    require_manager(actor, programme)
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.commune.programme_id != programme.pk:
        raise NotFound("Không tìm thấy phân công.")
    if locked.ended_at is not None:
        raise Conflict("Phân công này đã kết thúc.")
    return assignment_stop(actor, programme, locked)
