"""Step 5 of an import, a chunk at a time: settle each candidate against the registry — created, updated (an existing
resident, matched by identity number, gains information: a stored value is never overwritten by an empty cell), a
duplicate (nothing new), or also listed by another commune (noted for both). Households are found or planned the
same way. What the registry holds is read as plain values in a few queries per chunk (never model instances:
issue #18); nothing is written here."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from django.utils import timezone

from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.importing.cells import Candidate, Consenting, HouseholdRow, RowError, person_key
from phocap.registry.models import Consent, Household, PovertyStatus, PriorityFlag, Resident

HouseholdKey = tuple[int, str]  # (commune id, household code)


class PriorPhones(Protocol):
    """Who already received a phone from another programme of this installation. Registered by the allocation
    (which the registry cannot import), like `services.erasers`."""

    def find(self, programme: Programme, candidates: list[Candidate]) -> dict[int, tuple[str, Any]]:
        """{sheet row: (note for the report, what `record` keeps)} for the rows of people who did."""
        ...

    def record(self, programme: Programme, found: list[tuple[int, Any]]) -> None:
        """Keep what `find` found, for the rows' residents (by id), once they are written (in the import's
        transaction)."""
        ...


PRIOR: list[PriorPhones] = []


@dataclasses.dataclass
class NewHousehold:
    key: HouseholdKey
    village: str
    row: HouseholdRow


@dataclasses.dataclass
class Update:
    """A stored resident the row adds to: the fields it fills (empty before; "household": the key of the household
    it gains), its new groups."""

    resident_id: int
    fields: dict[str, Any]
    candidate: Candidate  # with only its new priority groups


@dataclasses.dataclass
class Plan:
    create: list[Candidate] = dataclasses.field(default_factory=list)
    update: list[Update] = dataclasses.field(default_factory=list)
    elsewhere: list[tuple[int, ProgrammeCommune, int]] = dataclasses.field(
        default_factory=list
    )  # resident, commune, row
    households: dict[HouseholdKey, int] = dataclasses.field(default_factory=dict)  # stored: key → id
    new_households: list[NewHousehold] = dataclasses.field(default_factory=list)
    household_changes: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = dataclasses.field(
        default_factory=list
    )  # stored household id, its code, its new values, the audit's changes
    duplicates: int = 0
    notes: list[RowError] = dataclasses.field(default_factory=list)
    repeats: list[RowError] = dataclasses.field(default_factory=list)  # rows already in the registry, and whose
    consents: list[tuple[Candidate, Consenting]] = dataclasses.field(default_factory=list)  # to record (new ones)
    prior: dict[int, list[tuple[Candidate, Any]]] = dataclasses.field(default_factory=dict)  # `PRIOR` index → found


@dataclasses.dataclass
class _Registry:
    """What the registry already holds about the chunk's people, read in a few queries."""

    by_hash: dict[str, dict[str, Any]]  # id_hash → the stored fields an import may fill (never the number)
    commune_names: dict[int, str]
    known_people: dict[str, int]  # `person_key` → id of stored residents without a number, of the chunk's names
    stored_flags: set[tuple[int, str]]
    consented: set[int]  # stored residents of the chunk with an open allocation consent (given or refused)


STORED = ("pk", "id_hash", "commune_id", "household_id", *Candidate.FILLABLE)


def _registry(programme: Programme, candidates: list[Candidate]) -> _Registry:
    hashes = [c.id_hash for c in candidates if c.id_hash]
    stored = Resident.objects.filter(programme=programme, id_hash__any=hashes).values(*STORED)
    by_hash = {r["id_hash"]: r for r in stored}
    names = {c.commune.pk: c.commune.unit.name for c in candidates}
    missing = {r["commune_id"] for r in by_hash.values()} - set(names)
    names.update(ProgrammeCommune.objects.filter(pk__in=missing).values_list("pk", "unit__name"))
    without_number = [c for c in candidates if not c.id_number]
    known: dict[str, int] = {}
    if without_number:
        rows = Resident.objects.filter(
            programme=programme,
            id_hash="",
            commune_id__any=sorted({c.commune.pk for c in without_number}),
            full_name__any=sorted({c.values["full_name"] for c in without_number}),
            erased_at__isnull=True,
        ).values_list("pk", "commune_id", "full_name", "birth_year", "birth_date", "sex", "village")
        for pk, commune_id, a, b, c_, d, e in rows:
            values = {"full_name": a, "birth_year": b, "birth_date": c_, "sex": d, "village": e}
            known[person_key(commune_id, values)] = pk
    stored_ids = [r["pk"] for r in by_hash.values()]
    flags = set(PriorityFlag.objects.filter(resident_id__any=stored_ids).values_list("resident_id", "kind"))
    consented: set[int] = set()
    if any(c.consent for c in candidates):
        consented = set(
            Consent.objects.filter(
                resident_id__any=stored_ids + list(known.values()),
                kind=Consent.Kind.ALLOCATION,
                withdrawn_on__isnull=True,
            ).values_list("resident_id", flat=True)
        )
    return _Registry(by_hash, names, known, flags, consented)


def _households(programme: Programme, candidates: list[Candidate], filename: str, plan: Plan) -> None:
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
    found: dict[HouseholdKey, tuple[int, str, str, str]] = {}
    for commune_id in {k[0] for k in wanted}:
        codes = [code for cid, code in wanted if cid == commune_id]
        rows = Household.objects.filter(commune_id=commune_id, code__any=codes).values_list(
            "pk", "code", "head_name", "poverty_status", "poverty_source"
        )
        for pk, code, head, status, source in rows:
            found[(commune_id, code)] = (pk, head, status, source)
    today = timezone.localdate()
    for key, c in wanted.items():
        row = c.household
        assert row is not None
        stored = found.get(key)
        if stored is None:
            plan.new_households.append(NewHousehold(key, c.values["village"], row))
            continue
        pk, head, status, source = stored
        plan.households[key] = pk
        new: dict[str, Any] = {}
        diff: dict[str, Any] = {}
        if row.head_name and not head:
            new["head_name"], diff["head_name"] = row.head_name, ["", row.head_name]
        if row.poverty_status and not source:
            diff["poverty_status"] = [status, row.poverty_status]
            new.update(poverty_status=row.poverty_status, poverty_source=filename[:200], poverty_recorded_on=today)
        if diff:
            plan.household_changes.append((pk, key[1], new, diff))


def new_household_values(programme: Programme, new: NewHousehold, filename: str, today: Any) -> dict[str, Any]:
    """The columns of a household the list names for the first time."""
    status = new.row.poverty_status
    return {
        "programme_id": programme.pk,
        "commune_id": new.key[0],
        "village": new.village,
        "code": new.row.code,
        "head_name": new.row.head_name,
        "poverty_status": status or PovertyStatus.NONE,
        "poverty_source": filename[:200] if status else "",
        "poverty_recorded_on": today if status else None,
    }


def _gained(stored: dict[str, Any], c: Candidate, stored_flags: set[tuple[int, str]]) -> Update:
    """What a stored resident gains from the row (fields filled only where empty), and the row with only its new
    priority groups."""
    fields = {
        f: v
        for f, v in c.values.items()
        if v not in (None, "", Resident.Smartphone.UNKNOWN) and stored[f] in (None, "", "unknown")
    }
    if c.household is not None and stored["household_id"] is None:
        fields["household"] = (c.commune.pk, c.household.code)
    new_flags = frozenset(k for k in c.flags if (stored["pk"], k) not in stored_flags)
    return Update(stored["pk"], fields, dataclasses.replace(c, flags=new_flags))


def _settled(plan: Plan, known: _Registry, c: Candidate, prior: list[dict[int, Any]]) -> None:
    """The row's person is `c.resident_id` (stored), or new: what `PRIOR` found for the row goes with them, and the
    row's consent mark unless they already have an open allocation consent (a re-import)."""
    for index, found in enumerate(prior):
        if c.row in found:
            plan.prior.setdefault(index, []).append((c, found[c.row][1]))
    if c.consent is not None and (c.resident_id is None or c.resident_id not in known.consented):
        plan.consents.append((c, c.consent))
        if c.resident_id is not None:
            known.consented.add(c.resident_id)


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
    _households(programme, candidates, filename, plan)
    for c in candidates:
        stored = known.by_hash.get(c.id_hash) if c.id_hash else None
        if stored is not None and stored["commune_id"] != c.commune.pk:
            message = f"Người này đã có trong danh sách {known.commune_names[stored['commune_id']]}: báo cho cả hai xã."
            plan.notes.append(RowError(c.row, "id", "id_in_other_commune", message))
            plan.elsewhere.append((stored["pk"], c.commune, c.row))
        if stored is None and not c.id_hash and (same := known.known_people.get(person_key(c.commune, c.values))):
            plan.duplicates += 1
            plan.repeats.append(_already(c, same))
            c.resident_id = same
            _settled(plan, known, c, prior)
            continue
        if stored is None:
            plan.create.append(c)
            _settled(plan, known, c, prior)
            continue
        c.resident_id = stored["pk"]
        _settled(plan, known, c, prior)
        update = _gained(stored, c, known.stored_flags)
        if update.fields or update.candidate.flags:
            plan.update.append(update)
        else:
            plan.duplicates += 1
            plan.repeats.append(_already(c, stored["pk"]))
    return plan
