"""Step 5 of an import: settle each candidate against the registry — created, updated (an existing resident,
matched by identity number, gains information: a stored value is never overwritten by an empty cell), a
duplicate (nothing new), or also listed by another commune (noted for both). Households are found or planned the
same way. Nothing is written here."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from django.utils import timezone

from phocap.core.queries import in_chunks
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.importing.cells import Candidate, Consenting, RowError, person_key
from phocap.registry.models import Consent, Household, ListedElsewhere, PovertyStatus, PriorityFlag, Resident
from phocap.registry.names import name_keys

HouseholdKey = tuple[int, str]  # (commune id, household code)


class PriorPhones(Protocol):
    """Who already received a phone from another programme of this installation. Registered by the allocation
    (which the registry cannot import), like `services.erasers`."""

    def find(self, programme: Programme, candidates: list[Candidate]) -> dict[int, tuple[str, Any]]:
        """{sheet row: (note for the report, what `record` keeps)} for the rows of people who did."""
        ...

    def record(self, programme: Programme, found: list[tuple[Resident, Any]]) -> None:
        """Keep what `find` found, once the rows' residents are written (in the import's transaction)."""
        ...


PRIOR: list[PriorPhones] = []


@dataclasses.dataclass
class Plan:
    create: list[tuple[Resident, Candidate]] = dataclasses.field(default_factory=list)
    update: list[tuple[Resident, list[str], Candidate]] = dataclasses.field(default_factory=list)
    elsewhere: list[ListedElsewhere] = dataclasses.field(default_factory=list)
    households: dict[HouseholdKey, Household] = dataclasses.field(default_factory=dict)
    household_changes: list[tuple[Household, dict[str, Any]]] = dataclasses.field(default_factory=list)
    duplicates: int = 0
    notes: list[RowError] = dataclasses.field(default_factory=list)
    repeats: list[RowError] = dataclasses.field(default_factory=list)  # rows already in the registry, and whose
    consents: list[tuple[Resident, Consenting]] = dataclasses.field(default_factory=list)  # to record (new ones)
    prior: dict[int, list[tuple[Resident, Any]]] = dataclasses.field(default_factory=dict)  # `PRIOR` index → found


@dataclasses.dataclass
class _Registry:
    """What the registry already holds about the file's people, read in a few queries."""

    by_hash: dict[str, Resident]
    commune_names: dict[int, str]
    known_people: dict[str, int]  # `person_key` → id of stored residents without a number, in the file's communes
    stored_flags: set[tuple[int, str]]
    consented: set[int]  # stored residents of the file with an open allocation consent (given or refused)


def _registry(programme: Programme, candidates: list[Candidate]) -> _Registry:
    hashes = [c.id_hash for c in candidates if c.id_hash]
    # stored residents with the file's numbers: the fields an import may fill, not the (encrypted) number
    by_hash = {
        r.id_hash: r
        for chunk in in_chunks(hashes)
        for r in Resident.objects.filter(programme=programme, id_hash__in=chunk).only(
            "id_hash", "commune_id", "household_id", *Candidate.FILLABLE
        )
    }
    names = {c.commune.pk: c.commune.unit.name for c in candidates}
    missing = {r.commune_id for r in by_hash.values()} - set(names)
    names.update(ProgrammeCommune.objects.filter(pk__in=missing).values_list("pk", "unit__name"))
    without_number = {c.commune.pk for c in candidates if not c.id_number}
    known = {
        person_key(commune_id, {"full_name": a, "birth_year": b, "birth_date": c, "sex": d, "village": e}): pk
        for pk, commune_id, a, b, c, d, e in Resident.objects.filter(
            programme=programme, id_hash="", commune_id__in=without_number, erased_at__isnull=True
        ).values_list("pk", "commune_id", "full_name", "birth_year", "birth_date", "sex", "village")
    }
    flags = {
        (f.resident_id, f.kind)
        for chunk in in_chunks([r.pk for r in by_hash.values()])
        for f in PriorityFlag.objects.filter(resident_id__in=chunk)
    }
    consented: set[int] = set()
    if any(c.consent for c in candidates):
        stored = [r.pk for r in by_hash.values()] + list(known.values())
        consented = {
            pk
            for chunk in in_chunks(stored)
            for pk in Consent.objects.filter(
                resident_id__in=chunk, kind=Consent.Kind.ALLOCATION, withdrawn_on__isnull=True
            ).values_list("resident_id", flat=True)
        }
    return _Registry(by_hash, names, known, flags, consented)


def _households(
    programme: Programme, candidates: list[Candidate], filename: str
) -> tuple[dict[HouseholdKey, Household], list[tuple[Household, dict[str, Any]]]]:
    """The households the rows name, stored or new, and the ones to write (new, or stored ones gaining a head or
    a poverty status they did not have — never overwriting one)."""
    wanted: dict[HouseholdKey, Candidate] = {}
    for c in candidates:
        if c.household is not None:
            previous = wanted.get((c.commune.pk, c.household.code))
            if previous is None or (
                previous.household is not None
                and previous.household.poverty_status is None
                and c.household.poverty_status
            ):
                wanted[(c.commune.pk, c.household.code)] = c
    found: dict[HouseholdKey, Household] = {}
    for commune_id in {k[0] for k in wanted}:
        codes = [code for cid, code in wanted if cid == commune_id]
        for chunk in in_chunks(codes):
            for h in Household.objects.filter(commune_id=commune_id, code__in=chunk):
                found[(commune_id, h.code)] = h
    changes: list[tuple[Household, dict[str, Any]]] = []
    today = timezone.localdate()
    for key, c in wanted.items():
        row = c.household
        assert row is not None
        household = found.get(key)
        if household is None:
            found[key] = Household(
                programme=programme,
                commune=c.commune,
                village=c.values["village"],
                code=row.code,
                head_name=row.head_name,
                poverty_status=row.poverty_status or PovertyStatus.NONE,
                poverty_source=filename[:200] if row.poverty_status else "",
                poverty_recorded_on=today if row.poverty_status else None,
            )
            changes.append((found[key], {"code": ["", row.code]}))
            continue
        diff: dict[str, Any] = {}
        if row.head_name and not household.head_name:
            household.head_name = row.head_name
            diff["head_name"] = ["", row.head_name]
        if row.poverty_status and not household.poverty_source:
            diff["poverty_status"] = [household.poverty_status, row.poverty_status]
            household.poverty_status, household.poverty_source = row.poverty_status, filename[:200]
            household.poverty_recorded_on = today
        if diff:
            changes.append((household, diff))
    return found, changes


def _gained(
    stored: Resident, c: Candidate, household: Household | None, stored_flags: set[tuple[int, str]]
) -> tuple[list[str], Candidate]:
    """The fields a stored resident gains from the row (filled only where empty), and the row with only its new
    priority groups."""
    gained = [
        f
        for f, v in c.values.items()
        if v not in (None, "", Resident.Smartphone.UNKNOWN) and getattr(stored, f) in (None, "", "unknown")
    ]
    for f in gained:
        setattr(stored, f, c.values[f])
    if household is not None and stored.household_id is None:
        stored.household = household
        gained.append("household")
    new_flags = frozenset(k for k in c.flags if (stored.pk, k) not in stored_flags)
    return gained, dataclasses.replace(c, flags=new_flags)


def _settled(plan: Plan, known: _Registry, resident: Resident, c: Candidate, prior: list[dict[int, Any]]) -> None:
    """The row's person is `resident` (new, stored, or a repeat): what `PRIOR` found for the row goes with them,
    and the row's consent mark unless they already have an open allocation consent (a re-import)."""
    for index, found in enumerate(prior):
        if c.row in found:
            plan.prior.setdefault(index, []).append((resident, found[c.row][1]))
    if c.consent is not None and (resident.pk is None or resident.pk not in known.consented):
        plan.consents.append((resident, c.consent))
        if resident.pk is not None:
            known.consented.add(resident.pk)


def _already(c: Candidate, pk: int) -> RowError:
    return RowError(c.row, "name", "already_listed", f"Đã có trong danh sách (người dân số {pk}): không có gì mới.")


def _prior(programme: Programme, candidates: list[Candidate], plan: Plan) -> list[dict[int, Any]]:
    prior = [hook.find(programme, candidates) for hook in PRIOR]
    for found in prior:
        for c in candidates:
            if c.row in found:
                message = f"{found[c.row][0]}: chỉ được phân bổ khi quản lý ghi ngoại lệ (máy mất, máy trả lại)."
                plan.notes.append(RowError(c.row, "id", "phone_from_other_programme", message))
    return prior


def settle(programme: Programme, candidates: list[Candidate], filename: str) -> Plan:
    plan = Plan()
    prior = _prior(programme, candidates, plan)
    known = _registry(programme, candidates)
    plan.households, plan.household_changes = _households(programme, candidates, filename)
    for c in candidates:
        stored = known.by_hash.get(c.id_hash) if c.id_hash else None
        if stored is not None and stored.commune_id != c.commune.pk:
            plan.notes.append(
                RowError(
                    c.row,
                    "id",
                    "id_in_other_commune",
                    f"Người này đã có trong danh sách {known.commune_names[stored.commune_id]}: báo cho cả hai xã.",
                )
            )
            plan.elsewhere.append(ListedElsewhere(resident=stored, commune=c.commune, source=filename[:200], row=c.row))
        if stored is None and not c.id_hash and (same := known.known_people.get(person_key(c.commune, c.values))):
            plan.duplicates += 1
            plan.repeats.append(_already(c, same))
            _settled(plan, known, Resident(pk=same), c, prior)
            continue
        household = plan.households.get((c.commune.pk, c.household.code)) if c.household else None
        if stored is None:
            resident = Resident(
                programme=programme,
                commune=c.commune,
                id_number=c.id_number.number if c.id_number else "",
                id_hash=c.id_hash,
                id_kind=c.id_number.kind if c.id_number else "",
                **c.values,
            )
            resident.name_folded, resident.name_sort = name_keys(resident.full_name)
            plan.create.append((resident, c))
            _settled(plan, known, resident, c, prior)
            continue
        _settled(plan, known, stored, c, prior)
        gained, row = _gained(stored, c, household, known.stored_flags)
        if gained or row.flags:
            plan.update.append((stored, gained, row))
        else:
            plan.duplicates += 1
            plan.repeats.append(_already(c, stored.pk))
    return plan
