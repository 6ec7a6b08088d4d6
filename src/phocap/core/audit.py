"""Writing the audit trail. Services call `record` inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from phocap.core.context import current_channel
from phocap.core.masking import mask_value
from phocap.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}."""
    return {
        k: [_plain(before.get(k)), _plain(after.get(k))]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def pii_fields_of(obj: models.Model) -> frozenset[str]:
    return frozenset(getattr(obj, "AUDIT_PII_FIELDS", ()))


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: Mapping[str, list[Any]] | None = None,
    programme_code: str = "",
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. Values of the object's personal-data fields are masked before storage."""
    event = build(actor=actor, action=action, obj=obj, changes=changes, programme_code=programme_code, extra=extra)
    event.save(force_insert=True)
    return event


def build(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: Mapping[str, list[Any]] | None = None,
    programme_code: str = "",
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """The audit row `record` writes, unsaved: for services that write many objects with one bulk insert."""
    masked = pii_fields_of(obj)
    stored: dict[str, Any] = {}
    for field, pair in (changes or {}).items():
        stored[field] = [mask_value(v) for v in pair] if field in masked else [_plain(v) for v in pair]
    if extra:
        stored["_"] = {k: _plain(v) for k, v in extra.items()}
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "system",
        channel=current_channel(),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:200],
        programme_code=programme_code,
        changes=stored,
    )
