"""What the programme services share: the fields a definition sets, the manager's check, and a create-or-update
that audits only what changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import PermissionDenied, ValidationFailed
from phocap.programmes.models import Assignment, Organisation, Programme

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
    "receipt_symbol",
    "posting_days",
    "complaint_acknowledge_days",
    "complaint_resolve_days",
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


def require_manager(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình cấp tỉnh được thực hiện thao tác này.")


def apply(obj: Any, fields: tuple[str, ...], values: dict[str, Any]) -> dict[str, list[Any]]:
    before = audit.snapshot(obj, fields)
    for key, value in values.items():
        if key not in fields:
            raise ValidationFailed(f"Không thể sửa trường {key!r}.", field=key)
        setattr(obj, key, value)
    return audit.diff(before, audit.snapshot(obj, fields))


def save_audited[M: models.Model](
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
            action=Action(f"{noun}.create"),
            obj=obj,
            programme_code=programme_code,
            changes=audit.diff({}, values),
            extra=extra,
        )
        return obj
    changes = apply(current, fields, values)
    if changes:
        if hasattr(current, "updated_at"):
            current.updated_at = timezone.now()
        current.save()
        audit.record(
            actor=actor,
            action=Action(f"{noun}.update"),
            obj=current,
            programme_code=programme_code,
            changes=changes,
            extra=extra,
        )
    return current
