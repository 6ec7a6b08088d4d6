"""Writing the audit trail. Services call `record` (one row) or `record_many` (rows built with `build`, one bulk
insert) inside their own transaction; nothing else writes `AuditEvent` rows. Every action is a member of
`core.actions.Action`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from django.db import models

from phocap.core.actions import Action
from phocap.core.context import current_channel
from phocap.core.masking import mask_value
from phocap.core.models import AuditEvent

# the actions written since `collecting()` began (the service decorator checks them against the declaration)
_written: ContextVar[list[str] | None] = ContextVar("phocap_audit_written", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    """Collect the actions of the audit rows written inside the block (nested blocks each see their own)."""
    outer = _written.get()
    mine: list[str] = []
    token = _written.set(mine)
    try:
        yield mine
    finally:
        _written.reset(token)
        if outer is not None:
            outer.extend(mine)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """For a block whose transaction is rolled back (a dry run that goes through the writes to report exactly what
    they would do): the audit rows it writes are undone with it, so they are not counted as written."""
    token = _written.set([])
    try:
        yield
    finally:
        _written.reset(token)


def _note(actions: Iterable[str]) -> None:
    collected = _written.get()
    if collected is not None:
        collected.extend(actions)


def label(obj: models.Model) -> str:
    """How the audit trail names an object: its `audit_label()` when its model has one — a person is named by a
    number, never by name (the auditor reads every row) — otherwise `str(obj)`."""
    named = getattr(obj, "audit_label", None)
    return str(named() if callable(named) else obj)


# Labels read from the live rows, for readers who may see people (the audit page of an administrator): an app
# registers, per object type, a function from object ids to labels (e.g. the registry: masked names).
LIVE_LABELS: dict[str, Callable[[list[str]], dict[str, str]]] = {}


def live_labels(events: Iterable[AuditEvent]) -> dict[int, str]:
    """{event id: live label} for the events whose object type has a registered labeller."""
    wanted: dict[str, list[AuditEvent]] = {}
    for event in events:
        if event.object_type in LIVE_LABELS and event.object_id:
            wanted.setdefault(event.object_type, []).append(event)
    out: dict[int, str] = {}
    for object_type, rows in wanted.items():
        found = LIVE_LABELS[object_type]([e.object_id for e in rows])
        out.update({e.pk: found[e.object_id] for e in rows if e.object_id in found})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return label(value)
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


def pii_fields_of(obj: models.Model | None) -> frozenset[str]:
    return frozenset(getattr(obj, "AUDIT_PII_FIELDS", ()))


def record(
    *,
    actor: Any,
    action: Action,
    obj: models.Model | None,
    changes: Mapping[str, list[Any]] | None = None,
    programme_code: str = "",
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row (`obj` None: an action on the whole installation, such as a key rotation). Values of
    the object's personal-data fields are masked before storage."""
    event = build(actor=actor, action=action, obj=obj, changes=changes, programme_code=programme_code, extra=extra)
    event.save(force_insert=True)
    _note([event.action])
    return event


def record_many(events: Sequence[AuditEvent], *, batch_size: int = 1000) -> None:
    """Write audit rows made by `build`, with one bulk insert (imports, bulk receipts)."""
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    _note(e.action for e in events)


def build(
    *,
    actor: Any,
    action: Action,
    obj: models.Model | None,
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
        action=Action(action).value,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk or "") if obj is not None else "",
        object_repr=label(obj)[:200] if obj is not None else "",
        programme_code=programme_code,
        changes=stored,
    )
