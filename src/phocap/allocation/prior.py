"""One phone per person across programmes (issue #14): an import finds who already received a phone from another
programme of this installation — by the ID number's keyed hash, or, for people listed without one (or an earlier
record without one), by the same name, birth and village in the same commune or one it became or came from in a
merger — and keeps each finding as a `PriorPhoneMatch`. Such a person is not eligible until a manager records a
`PriorPhoneException` (`services.prior_phone_exception`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from django.db.models import Q, QuerySet

from phocap.allocation.models import PriorPhoneMatch, Reservation
from phocap.geo.selectors import linked_units
from phocap.programmes.models import Programme
from phocap.registry.importing.cells import Candidate
from phocap.registry.names import fold_query, name_keys

_VILLAGE_WORD = re.compile(r"^(thon|ban|to dan pho|to|xom|lang|khu|khom|ap)\s+")


def handed_over_elsewhere(programme: Programme) -> QuerySet[Reservation]:
    """Reservations of other programmes whose phone was handed over (held now, or held and given back)."""
    return Reservation.objects.exclude(programme=programme).filter(
        Q(status=Reservation.Status.HANDED_OVER) | Q(handovers__isnull=False)
    )


def _village(text: str) -> str:
    return _VILLAGE_WORD.sub("", fold_query(text or ""))


@dataclasses.dataclass(frozen=True)
class _Earlier:
    reservation: int
    id_hash: str
    birth_date: dt.date | None
    village: str
    unit: int
    note: str


def _note(name: str, on: dt.datetime) -> str:
    return f"Đã nhận máy từ chương trình {name} (ngày {on:%d/%m/%Y})"


def _same_person(c: Candidate, e: _Earlier, units: dict[int, set[int]]) -> bool:
    """Same folded name and birth year already; then: no two different numbers, a related commune, and either the
    same village or the same full birth date."""
    if c.id_hash and e.id_hash and c.id_hash != e.id_hash:
        return False
    if e.unit not in units.get(c.commune.unit_id, {c.commune.unit_id}):
        return False
    born = c.values["birth_date"]
    if born and e.birth_date and born != e.birth_date:
        return False
    village = _village(c.values["village"])
    return bool(village and village == e.village) or bool(born and born == e.birth_date)


class PriorPhones:
    """The allocation's `registry.importing.settle.PRIOR` hook."""

    def find(self, programme: Programme, candidates: list[Candidate]) -> dict[int, tuple[str, Any]]:
        found: dict[int, tuple[str, Any]] = {}
        if not handed_over_elsewhere(programme).exists():  # the usual case: no other programme handed any phone
            return found
        by_hash = self._by_number(programme, [c.id_hash for c in candidates if c.id_hash])
        for c in candidates:
            if c.id_hash in by_hash:
                note, reservation = by_hash[c.id_hash]
                found[c.row] = (note, (reservation, PriorPhoneMatch.How.NUMBER, note))
        rest = [c for c in candidates if c.row not in found]
        earlier = self._by_name(programme, rest)
        units = linked_units({c.commune.unit_id for c in rest} | {e.unit for es in earlier.values() for e in es})
        for c in rest:
            key = (name_keys(c.values["full_name"])[0], c.values["birth_year"])
            same = [e for e in earlier.get(key, []) if _same_person(c, e, units)]
            if same:
                note = f"{same[0].note}, trùng họ tên, ngày sinh và nơi ở"
                found[c.row] = (note, (same[0].reservation, PriorPhoneMatch.How.IDENTITY, note))
        return found

    @staticmethod
    def _by_number(programme: Programme, hashes: list[str]) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        rows = (
            handed_over_elsewhere(programme)
            .filter(resident__id_hash__any=hashes)
            .values_list("pk", "resident__id_hash", "programme__name", "handovers__at", "created_at")
            .order_by("created_at")
        )
        for pk, id_hash, name, handed, reserved in rows:
            out.setdefault(id_hash, (_note(name, handed or reserved), pk))
        return out

    @staticmethod
    def _by_name(programme: Programme, candidates: list[Candidate]) -> dict[tuple[str, int], list[_Earlier]]:
        names = sorted({name_keys(c.values["full_name"])[0] for c in candidates} - {""})
        out: dict[tuple[str, int], list[_Earlier]] = {}
        rows = (
            handed_over_elsewhere(programme)
            .filter(resident__name_folded__any=names, resident__erased_at__isnull=True)
            .values_list(
                "pk",
                "resident__name_folded",
                "resident__birth_year",
                "resident__birth_date",
                "resident__village",
                "resident__commune__unit_id",
                "resident__id_hash",
                "programme__name",
                "handovers__at",
                "created_at",
            )
            .order_by("created_at")
        )
        for pk, folded, year, born, village, unit, id_hash, name, handed, reserved in rows:
            out.setdefault((folded, year), []).append(
                _Earlier(pk, id_hash, born, _village(village), unit, _note(name, handed or reserved))
            )
        return out

    def record(self, programme: Programme, found: list[tuple[int, Any]]) -> None:
        PriorPhoneMatch.objects.bulk_create(
            [
                PriorPhoneMatch(resident_id=resident, earlier_id=reservation, how=how, note=note[:300])
                for resident, (reservation, how, note) in found
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
