"""The allocation round's arithmetic, apart from the database (issue #5): fair split of the general pool between
communes, ranking inside each commune by the priority policy and a public lottery, selection with the one-per-
household and undecided-duplicate rules. Pure and deterministic: the same inputs and seed give the same output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
from collections.abc import Iterable, Sequence


@dataclasses.dataclass(frozen=True)
class Group:
    name: str  # as the published policy says it
    short: str  # in a placement's one-line reason ("" for group 5: the person's own priority groups are named)


# the default policy's groups (TT 14/2022's order, then the groups communes keep lists of), in plain Vietnamese:
# the one table of their names
GROUPS: dict[int, Group] = {
    1: Group("Hộ nghèo/cận nghèo có công với cách mạng", "Hộ nghèo/cận nghèo có công"),
    2: Group("Hộ nghèo/cận nghèo thuộc gia đình chính sách", "Hộ nghèo/cận nghèo gia đình chính sách"),
    3: Group("Hộ nghèo", "Hộ nghèo"),
    4: Group("Hộ cận nghèo", "Hộ cận nghèo"),
    5: Group("Người khuyết tật, người cao tuổi sống một mình, người có uy tín", ""),
    6: Group("Những người khác", "Người dân"),
}
OTHER_FLAGS = frozenset({"disability", "elderly_alone", "prestigious"})


def group_of(poverty: str, flags: Iterable[str]) -> int:
    kinds = set(flags)
    poor = poverty in ("poor", "near_poor")
    if poor and "merit" in kinds:
        return 1
    if poor and "social_policy" in kinds:
        return 2
    if poverty == "poor":
        return 3
    if poverty == "near_poor":
        return 4
    if kinds & (OTHER_FLAGS | {"merit", "social_policy"}):
        return 5
    return 6


def lottery(seed: str, resident_id: int) -> str:
    """The public tie-break: anyone with the seed announced before the round can recompute it."""
    return hashlib.sha256(f"{seed}:{resident_id}".encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Person:
    resident_id: int
    commune_id: int
    household_id: int | None
    group: int
    birth_year: int
    birth_ordinal: int  # birth date as a day number (the 1st of July of the year when only the year is known)


@dataclasses.dataclass
class Placed:
    person: Person
    rank: int  # 1-based within the commune
    of: int
    selected: bool
    note: str  # why not selected, when not


def fair_split(need: dict[int, int], earmarked: dict[int, int], general: int) -> dict[int, int]:
    """Devices per commune: each commune's earmarked devices (up to its need), then the general pool one by one
    to the commune whose coverage (devices / need) is lowest — water-filling, which maximises the lowest
    coverage: no commune could gain without one with lower coverage losing. Ties go to the lower commune id."""
    given = {c: min(earmarked.get(c, 0), n) for c, n in need.items()}
    heap = [(given[c] / n, c) for c, n in need.items() if n > given[c]]
    heapq.heapify(heap)
    left = general
    while left > 0 and heap:
        _, c = heapq.heappop(heap)
        given[c] += 1
        left -= 1
        if given[c] < need[c]:
            heapq.heappush(heap, (given[c] / need[c], c))
    return given


def rank_and_select(
    people: Sequence[Person],
    quota: dict[int, int],
    *,
    seed: str,
    one_per_household: bool = True,
    pairs: Iterable[tuple[int, int]] = (),
) -> list[Placed]:
    """Within each commune: by group, older first, then the lottery; the first `quota[commune]` people are
    selected, skipping a second member of a household already selected (when the policy says one per
    household) and the second of an undecided possible-duplicate pair whose first is selected."""
    partner: dict[int, set[int]] = {}
    for a, b in pairs:
        partner.setdefault(a, set()).add(b)
        partner.setdefault(b, set()).add(a)
    by_commune: dict[int, list[Person]] = {}
    for p in people:
        by_commune.setdefault(p.commune_id, []).append(p)
    placed: list[Placed] = []
    chosen: set[int] = set()
    for commune_id in sorted(by_commune):
        ordered = sorted(by_commune[commune_id], key=lambda p: (p.group, p.birth_ordinal, lottery(seed, p.resident_id)))
        left = quota.get(commune_id, 0)
        households: set[int] = set()
        for rank, p in enumerate(ordered, 1):
            note = ""
            if left <= 0:
                note = "hết máy"
            elif one_per_household and p.household_id is not None and p.household_id in households:
                note = "hộ đã có người được chọn trong đợt này"
            elif partner.get(p.resident_id, set()) & chosen:
                note = "có thể trùng với người đã được chọn (chờ xã xác minh)"
            selected = not note
            if selected:
                left -= 1
                chosen.add(p.resident_id)
                if p.household_id is not None:
                    households.add(p.household_id)
            placed.append(Placed(p, rank, len(ordered), selected, note))
    return placed
