"""Step 6 of an import: write what each chunk settled, inside the import's one transaction (issue #18) — the batch
(file, SHA-256, who, counts; audited once), new households and residents as plain rows with ids taken beforehand
(`core.queries.reserve_ids`; one `executemany` on SQLite, `COPY` on PostgreSQL: no model instances), identity
numbers sealed in one pass, priority flags, the numbers another commune also listed, an audit row for each
resident or household that gained information; and, once the whole file is read, the consents (a mark without a
date takes the list's date, which its footer may give)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from array import array
from typing import Any

from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label
from phocap.core.crypto import encrypt_many
from phocap.core.queries import insert_rows, reserve_ids
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.importing.settle import PRIOR, HouseholdKey, Plan, new_household_values
from phocap.registry.models import Consent, Household, ImportBatch, ListedElsewhere, PriorityFlag, Resident
from phocap.registry.names import name_keys

WRITE_AUDITS = (Action.REGISTRY_IMPORT, Action.RESIDENT_UPDATE, Action.HOUSEHOLD_UPDATE)

RESIDENT_COLUMNS = (
    "id",
    "programme_id",
    "commune_id",
    "village",
    "household_id",
    "full_name",
    "name_folded",
    "name_sort",
    "birth_date",
    "birth_year",
    "sex",
    "id_number",
    "id_hash",
    "id_kind",
    "ethnicity_code",
    "phone",
    "phone_carrier",
    "smartphone_status",
    "notes",
    "created_at",
    "updated_at",
    "import_batch_id",
    "source_row",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "programme_id",
    "commune_id",
    "village",
    "code",
    "head_name",
    "poverty_status",
    "poverty_source",
    "poverty_recorded_on",
)


@dataclasses.dataclass
class Writing:
    """One import's write across its chunks: the batch, what its audit row will say, and the consents that wait
    for the list's date — kept as three compact arrays (resident, refused, the cell's date as an ordinal or 0), so
    a million marks take 13 MB."""

    actor: scope.Actor
    programme: Programme
    filename: str
    batch: ImportBatch
    now: dt.datetime
    households_created: int = 0
    created: int = 0
    updated: int = 0
    first_id: int | None = None
    last_id: int | None = None
    consent_residents: array[int] = dataclasses.field(default_factory=lambda: array("q"))
    consent_refused: bytearray = dataclasses.field(default_factory=bytearray)
    consent_days: array[int] = dataclasses.field(default_factory=lambda: array("i"))


def begin(
    actor: scope.Actor, programme: Programme, filename: str, digest: str, default_commune: ProgrammeCommune | None
) -> Writing:
    """The batch every chunk's residents point back at (its counts are written by `finish`)."""
    batch = ImportBatch.objects.create(
        programme=programme,
        commune=default_commune,
        filename=filename[:200],
        sha256=digest,
        imported_by=actor_label(actor),
        counts={},
    )
    return Writing(actor, programme, filename, batch, timezone.now())


def _households(w: Writing, plan: Plan) -> tuple[dict[HouseholdKey, int], list[Any]]:
    """New households written (their ids reserved first); stored ones that gained a head or a poverty status
    updated, each with its audit row (returned unsaved)."""
    ids = dict(plan.households)
    today = timezone.localdate()
    reserved = reserve_ids(Household, len(plan.new_households))
    rows = []
    for pk, new in zip(reserved, plan.new_households, strict=True):
        ids[new.key] = pk
        values = new_household_values(w.programme, new, w.filename, today)
        rows.append([pk, *(values[c] for c in HOUSEHOLD_COLUMNS[1:])])
    insert_rows(Household, HOUSEHOLD_COLUMNS, rows)
    w.households_created += len(rows)
    events = []
    for pk, code, new_values, changes in plan.household_changes:
        Household.objects.filter(pk=pk).update(**new_values)
        events.append(
            audit.build(
                actor=w.actor,
                action=Action.HOUSEHOLD_UPDATE,
                obj=Household(pk=pk, code=code),
                programme_code=w.programme.code,
                changes=changes,
                extra={"source": w.filename, "import_batch": w.batch.pk},
            )
        )
    return ids, events


def _resident_rows(w: Writing, plan: Plan, households: dict[HouseholdKey, int]) -> list[list[Any]]:
    reserved = reserve_ids(Resident, len(plan.create))
    numbers = encrypt_many([c.id_number.number if c.id_number else "" for c in plan.create])
    programme_id, batch_id, now = w.programme.pk, w.batch.pk, w.now
    rows = []
    for pk, sealed, c in zip(reserved, numbers, plan.create, strict=True):
        c.resident_id = pk
        v = c.values
        folded, sort = name_keys(v["full_name"])
        household = households[(c.commune.pk, c.household.code)] if c.household is not None else None
        rows.append(
            [
                pk,
                programme_id,
                c.commune.pk,
                v["village"],
                household,
                v["full_name"],
                folded,
                sort,
                v["birth_date"],
                v["birth_year"],
                v["sex"],
                sealed,
                c.id_hash,
                c.id_number.kind if c.id_number else "",
                v["ethnicity_code"],
                v["phone"],
                v["phone_carrier"],
                v["smartphone_status"],
                v["notes"],
                now,
                now,
                batch_id,
                c.row,
            ]
        )
    if reserved:
        w.first_id = min(w.first_id or reserved[0], min(reserved))
        w.last_id = max(w.last_id or 0, max(reserved))
    return rows


def _updates(w: Writing, plan: Plan, households: dict[HouseholdKey, int]) -> list[Any]:
    """Stored residents that gained fields, each saved with its audit row (returned unsaved)."""
    events = []
    for u in plan.update:
        if u.fields:
            values = {f: v for f, v in u.fields.items() if f != "household"}
            if "household" in u.fields:
                values["household_id"] = households[u.fields["household"]]
            if "full_name" in values:
                values["name_folded"], values["name_sort"] = name_keys(values["full_name"])
            Resident.objects.filter(pk=u.resident_id).update(**values, updated_at=w.now)
        shown = {f: (v[1] if f == "household" else v) for f, v in u.fields.items()}
        events.append(
            audit.build(
                actor=w.actor,
                action=Action.RESIDENT_UPDATE,
                obj=Resident(pk=u.resident_id),
                programme_code=w.programme.code,
                changes={f: ["", str(v)] for f, v in shown.items()},
                extra={"source": w.filename, "import_batch": w.batch.pk, "priority": sorted(u.candidate.flags)},
            )
        )
    w.updated += len(plan.update)
    return events


def write_chunk(w: Writing, plan: Plan) -> None:
    """One chunk's residents, households, flags, listings elsewhere, earlier phones and audit rows."""
    households, events = _households(w, plan)
    rows = _resident_rows(w, plan, households)
    insert_rows(Resident, RESIDENT_COLUMNS, rows, prepared={"id_number"})
    w.created += len(rows)
    events += _updates(w, plan, households)
    ListedElsewhere.objects.bulk_create(
        [
            ListedElsewhere(resident_id=resident, commune=commune, source=w.filename[:200], row=row)
            for resident, commune, row in plan.elsewhere
        ],
        ignore_conflicts=True,
    )
    for index, found in plan.prior.items():
        PRIOR[index].record(w.programme, [(c.resident_id or 0, data) for c, data in found])
    today, source = timezone.localdate(), w.filename[:200]
    flags = [
        [c.resident_id, kind, source, today]
        for c in [*plan.create, *(u.candidate for u in plan.update)]
        for kind in sorted(c.flags)
    ]
    insert_rows(PriorityFlag, ("resident_id", "kind", "source", "recorded_on"), flags)
    for c, mark in plan.consents:
        assert c.resident_id is not None
        w.consent_residents.append(c.resident_id)
        w.consent_refused.append(mark.refused)
        w.consent_days.append(mark.on.toordinal() if mark.on else 0)
    audit.record_many(events)


def finish(w: Writing, list_date: dt.date, counts: dict[str, Any]) -> ImportBatch:
    """The consents (each mark's date, or the list's), the batch's counts, the import's audit row."""
    recorded_by, purpose = actor_label(w.actor), str(Consent.Kind.ALLOCATION.label)
    insert_rows(
        Consent,
        ("resident_id", "kind", "purpose", "refused", "given_on", "method", "recorded_by", "import_batch_id"),
        (
            [
                resident,
                Consent.Kind.ALLOCATION,
                purpose,
                bool(refused),
                dt.date.fromordinal(day) if day else list_date,
                Consent.Method.PAPER,
                recorded_by,
                w.batch.pk,
            ]
            for resident, refused, day in zip(w.consent_residents, w.consent_refused, w.consent_days, strict=True)
        ),
    )
    ImportBatch.objects.filter(pk=w.batch.pk).update(counts=counts)
    w.batch.counts = counts
    refusals = sum(w.consent_refused)
    audit.record(
        actor=w.actor,
        action=Action.REGISTRY_IMPORT,
        obj=w.batch,
        programme_code=w.programme.code,
        extra={
            "file": w.filename,
            "created": w.created,
            "updated": w.updated,
            "households_created": w.households_created,
            "consents": len(w.consent_refused) - refusals,
            "refusals": refusals,
            "resident_ids": [w.first_id, w.last_id] if w.first_id is not None else [],
        },
    )
    return w.batch
