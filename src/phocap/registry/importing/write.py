"""Step 6 of an import: write the settled plan in one transaction — the batch (file, SHA-256, who, counts;
audited once), households in bulk, residents with their batch and sheet row (one prepared `executemany`),
priority flags, the numbers another commune also listed, and an audit row for each resident or household that
gained information."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label
from phocap.core.queries import insert_many
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.importing.settle import PRIOR, Plan
from phocap.registry.models import Consent, Household, ImportBatch, ListedElsewhere, PriorityFlag, Resident

WRITE_AUDITS = (Action.REGISTRY_IMPORT, Action.RESIDENT_UPDATE, Action.HOUSEHOLD_UPDATE)


def _households(
    actor: scope.Actor, programme: Programme, plan: Plan, batch: ImportBatch, filename: str
) -> tuple[int, list[Any]]:
    """New households in bulk (keys come back on both databases); stored ones that gained a head or a poverty
    status updated, each with its audit row. (How many were new, the audit rows unsaved.)"""
    new = [h for h, _ in plan.household_changes if h.pk is None]
    stored = [(h, changes) for h, changes in plan.household_changes if h.pk is not None]
    Household.objects.bulk_create(new, batch_size=1000)
    Household.objects.bulk_update(
        [h for h, _ in stored],
        ["head_name", "poverty_status", "poverty_source", "poverty_recorded_on"],
        batch_size=1000,
    )
    return len(new), [
        audit.build(
            actor=actor,
            action=Action.HOUSEHOLD_UPDATE,
            obj=h,
            programme_code=programme.code,
            changes=changes,
            extra={"source": filename, "import_batch": batch.pk},
        )
        for h, changes in stored
    ]


def _residents(plan: Plan, batch: ImportBatch) -> dict[int, int]:
    """New residents by one prepared statement; stored ones that gained a field saved. {sheet row: resident id}."""
    now = timezone.now()
    for resident, c in plan.create:
        resident.import_batch, resident.source_row, resident.created_at, resident.updated_at = batch, c.row, now, now
        if c.household is not None:
            resident.household = plan.households[(c.commune.pk, c.household.code)]
    insert_many(Resident, [r for r, _ in plan.create])
    ids: dict[int, int] = {
        row: pk for row, pk in Resident.objects.filter(import_batch=batch).values_list("source_row", "pk") if row
    }
    for resident, c in plan.create:
        resident.pk = ids[c.row]
    for resident, fields, _c in plan.update:
        if fields:
            resident.updated_at = now
            resident.save(update_fields=[*fields, "updated_at"])
    return ids


def write(
    actor: scope.Actor,
    programme: Programme,
    plan: Plan,
    *,
    filename: str,
    digest: str,
    default_commune: ProgrammeCommune | None,
    counts: dict[str, Any],
) -> ImportBatch:
    with transaction.atomic(durable=True):
        batch = ImportBatch.objects.create(
            programme=programme,
            commune=default_commune,
            filename=filename[:200],
            sha256=digest,
            imported_by=actor_label(actor),
            counts=counts,
        )
        households_created, events = _households(actor, programme, plan, batch, filename)
        ids = _residents(plan, batch)
        ListedElsewhere.objects.bulk_create(plan.elsewhere, ignore_conflicts=True)
        for index, found in plan.prior.items():
            PRIOR[index].record(programme, found)
        recorded_by = actor_label(actor)
        Consent.objects.bulk_create(
            [
                Consent(
                    resident_id=r.pk,
                    kind=Consent.Kind.ALLOCATION,
                    purpose=str(Consent.Kind.ALLOCATION.label),
                    refused=mark.refused,
                    given_on=mark.on,
                    method=Consent.Method.PAPER,
                    recorded_by=recorded_by,
                    import_batch=batch,
                )
                for r, mark in plan.consents
            ],
            batch_size=1000,
        )
        today = timezone.localdate()
        PriorityFlag.objects.bulk_create(
            [
                PriorityFlag(resident=r, kind=kind, source=filename[:200], recorded_on=today)
                for r, c in [*plan.create, *[(r, c) for r, _, c in plan.update]]
                for kind in sorted(c.flags)
            ],
            batch_size=1000,
        )
        events += [
            audit.build(
                actor=actor,
                action=Action.RESIDENT_UPDATE,
                obj=r,
                programme_code=programme.code,
                changes={f: ["", str(getattr(r, f))] for f in fields},
                extra={"source": filename, "import_batch": batch.pk, "priority": sorted(c.flags)},
            )
            for r, fields, c in plan.update
        ]
        events.append(
            audit.build(
                actor=actor,
                action=Action.REGISTRY_IMPORT,
                obj=batch,
                programme_code=programme.code,
                extra={
                    "file": filename,
                    "created": len(plan.create),
                    "updated": len(plan.update),
                    "households_created": households_created,
                    "consents": sum(1 for _, m in plan.consents if not m.refused),
                    "refusals": sum(1 for _, m in plan.consents if m.refused),
                    "resident_ids": [min(ids.values()), max(ids.values())] if ids else [],
                },
            )
        )
        audit.record_many(events)
    return batch
