"""Finding duplicates and deciding them (issue #4).

Exact: one identity number is one resident per programme — the database refuses a second (`id_hash` unique per
programme), the import reports the repeat, and a number listed by a second commune is recorded as
`ListedElsewhere` so both communes see it. Probabilistic: `matching.score_pairs` over the programme's current
residents (not erased, not merged); pairs above the programme's thresholds are kept as `DuplicatePair`
("duplicate" above `dedup_duplicate_percent`, "possible" above `dedup_possible_percent`). Nothing is merged
without a person: the commune officer decides "same person" (merge: `b` points at `a`, `a` fills its blanks
from `b`, both rows kept) or "different people" (kept, never asked again); a decision can be undone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_user
from phocap.core.errors import Conflict, NotFound, PermissionDenied
from phocap.core.jobs import job_start
from phocap.core.models import BackgroundJob
from phocap.core.services import service
from phocap.programmes.models import Programme
from phocap.registry import matching
from phocap.registry.models import DedupRun, DuplicatePair, ListedElsewhere, Resident

# the fields a merge may fill in the survivor (attribute names: the household by its key)
MERGE_FILLS = ("birth_date", "sex", "village", "household_id", "ethnicity_code", "phone", "phone_carrier", "notes")


@dataclasses.dataclass
class DedupResult:
    residents: int
    pairs: list[DuplicatePair]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pairs": [{"a": p.a_id, "b": p.b_id, "score": round(p.score, 6), "status": p.status} for p in self.pairs],
            "residents": self.residents,
        }


def _current(programme: Programme) -> QuerySet[Resident]:
    return Resident.objects.filter(programme=programme, erased_at__isnull=True, merged_into__isnull=True)


@service(audits=[Action.REGISTRY_DEDUP], atomic=False)
def dedup_run(*, actor: scope.Actor, programme: Programme, train: bool | None = None) -> DedupResult:
    """Score the programme's residents and refresh the review queue: new pairs added, undecided pairs updated
    (or dropped when corrected data no longer matches), decided pairs left as decided."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được chạy đối soát trùng cho cả chương trình.")
    rows = _current(programme).select_related("commune__unit")
    records = [
        matching.MatchRecord(
            unique_id=r.pk,
            full_name=r.full_name,
            birth_year=r.birth_year,
            birth_date=r.birth_date.isoformat() if r.birth_date else None,
            sex=r.sex or None,
            commune=r.commune.unit.code,
            village=r.village or None,
            phone=r.phone or None,
            id_hash=r.id_hash or None,
        )
        for r in rows.iterator(chunk_size=2000)
    ]
    possible = float(programme.dedup_possible_percent) / 100
    duplicate = float(programme.dedup_duplicate_percent) / 100
    scoring = matching.score(records, threshold=possible, train=train)
    scored = scoring.pairs
    now = timezone.now()
    with transaction.atomic(durable=True):  # matching ran outside; the queue is refreshed in one transaction
        stored = {(p.a_id, p.b_id): p for p in DuplicatePair.objects.select_for_update().filter(programme=programme)}
        found: list[DuplicatePair] = []
        created: list[DuplicatePair] = []
        for s in scored:
            status = DuplicatePair.Status.DUPLICATE if s.score >= duplicate else DuplicatePair.Status.POSSIBLE
            pair = stored.pop((s.a, s.b), None)
            if pair is None:
                pair = DuplicatePair(
                    programme=programme, a_id=s.a, b_id=s.b, score=s.score, status=status, evidence=s.evidence
                )
                created.append(pair)
            elif not pair.decision:
                pair.score, pair.status, pair.evidence, pair.found_at = s.score, status, s.evidence, now
                pair.save(update_fields=["score", "status", "evidence", "found_at"])
            found.append(pair)
        DuplicatePair.objects.bulk_create(created, batch_size=1000)
        gone = [p.pk for p in stored.values() if not p.decision]
        DuplicatePair.objects.filter(pk__in=gone).delete()
        DedupRun.objects.create(
            programme=programme,
            at=now,
            residents=len(records),
            pairs=len(found),
            expected=scoring.expected,
            expected_found=scoring.expected_found,
            possible_threshold=possible,
        )
        audit.record(
            actor=actor,
            action=Action.REGISTRY_DEDUP,
            obj=programme,
            programme_code=programme.code,
            extra={"residents": len(records), "pairs": len(found), "new": len(created), "dropped": len(gone)},
        )
    return DedupResult(residents=len(records), pairs=found)


@service(audits=[])
def dedup_start(*, actor: scope.Actor, programme: Programme) -> BackgroundJob:
    """`dedup_run` as a background job the user can watch."""
    from phocap.registry.tasks import dedup_task  # the task module imports this one to run `dedup_run`

    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được chạy đối soát trùng cho cả chương trình.")
    return job_start(
        actor=actor,
        task=dedup_task,
        kind="registry.dedup",
        label=f"Tìm người trùng: {programme.name}",
        programme_code=programme.code,
        code=programme.code,
    )


@dataclasses.dataclass(frozen=True)
class Band:
    low: float
    high: float
    found: int
    same: int
    different: int
    mean_score: float | None

    @property
    def undecided(self) -> int:
        return self.found - self.same - self.different

    @property
    def precision(self) -> float | None:
        """Of the pairs people decided, the share that were one person (None: none decided yet)."""
        decided = self.same + self.different
        return self.same / decided if decided else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "found": self.found,
            "same": self.same,
            "different": self.different,
            "undecided": self.undecided,
            "precision": None if self.precision is None else round(self.precision, 4),
            "model_precision": None if self.mean_score is None else round(self.mean_score, 4),
        }


@dataclasses.dataclass(frozen=True)
class Quality:
    bands: list[Band]
    run: DedupRun | None

    def _precision(self, low: float) -> float | None:
        same = sum(b.same for b in self.bands if b.low >= low)
        decided = same + sum(b.different for b in self.bands if b.low >= low)
        return same / decided if decided else None

    @property
    def estimated_recall(self) -> float | None:
        return self.run.expected_found / self.run.expected if self.run and self.run.expected else None

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        low = self.bands[0].low if self.bands else None
        return {
            "bands": [b.as_dict() for b in self.bands],
            "precision_possible": r(self._precision(low)) if low is not None else None,
            "precision_duplicate": r(self._precision(self.bands[-1].low)) if self.bands else None,
            "estimated_recall": r(self.estimated_recall),
            "expected_duplicates": r(self.run.expected) if self.run else None,
            "last_run": self.run.at.isoformat() if self.run else None,
            "residents": self.run.residents if self.run else None,
        }


def quality(*, actor: scope.Actor, programme: Programme) -> Quality:
    """How good the matching is for this programme (issue #18), figures only: per score band, the pairs found and
    what people decided — their share of "same person" is the precision measured by the clerical review, beside
    the model's own (its mean probability); and from the last run, the model's estimate of its recall at the
    "possible" threshold (the probability mass it kept over all it saw among blocked pairs — pairs no blocking rule
    compares are outside any estimate)."""
    if not Programme.objects.filter(scope.programmes_q(actor), pk=programme.pk).exists():
        raise NotFound("Không tìm thấy chương trình.")
    possible = float(programme.dedup_possible_percent) / 100
    duplicate = float(programme.dedup_duplicate_percent) / 100
    edges = sorted({possible, duplicate, 1.0} | ({0.9} if possible < 0.9 < duplicate else set()))
    pairs = list(DuplicatePair.objects.filter(programme=programme).values_list("score", "decision"))
    bands = []
    for i, low in enumerate(edges[:-1]):
        high = edges[i + 1]
        last = i == len(edges) - 2
        inside = [(s, d) for s, d in pairs if low <= s and (s < high or (last and s <= high))]
        bands.append(
            Band(
                low,
                high,
                len(inside),
                sum(1 for _, d in inside if d == DuplicatePair.Decision.SAME),
                sum(1 for _, d in inside if d == DuplicatePair.Decision.DIFFERENT),
                sum(s for s, _ in inside) / len(inside) if inside else None,
            )
        )
    run = DedupRun.objects.filter(programme=programme).order_by("-at", "-pk").first()
    return Quality(bands, run)


def pair_queue(*, actor: scope.Actor, programme: Programme, decided: bool = False) -> QuerySet[DuplicatePair]:
    """The pairs the actor may review: both residents visible to them."""
    visible = Resident.objects.filter(scope.residents_q(actor), programme=programme).values("pk")
    qs = DuplicatePair.objects.filter(programme=programme, a__in=visible, b__in=visible)
    qs = qs.exclude(decision="") if decided else qs.filter(decision="")
    return qs.select_related("a__commune__unit", "b__commune__unit", "a__household", "b__household").order_by(
        "-score", "a_id"
    )


def undecided_pairs(programme: Programme) -> QuerySet[DuplicatePair]:
    """For the allocation: pairs nobody has decided yet (at most one of the two may be given a phone)."""
    return DuplicatePair.objects.filter(programme=programme, decision="")


def _pair_for_update(actor: scope.Actor, pair_id: int, programme: Programme) -> DuplicatePair:
    pair = (
        DuplicatePair.objects.select_for_update()
        .select_related("a__commune", "b__commune")
        .filter(pk=pair_id, programme=programme)
        .first()
    )
    if pair is None or not (
        scope.can_write_residents(actor, pair.a.commune) and scope.can_write_residents(actor, pair.b.commune)
    ):
        raise NotFound("Không tìm thấy cặp nghi trùng (hoặc cặp thuộc xã khác: quản lý chương trình quyết định).")
    return pair


@service(audits=[Action.DUPLICATE_SAME, Action.DUPLICATE_DIFFERENT])
def pair_decide(*, actor: scope.Actor, programme: Programme, pair_id: int, decision: str) -> DuplicatePair:
    """ "same": `b` is merged into `a` (its blanks filled from `b`, both rows kept); "different": recorded."""
    if decision not in (DuplicatePair.Decision.SAME, DuplicatePair.Decision.DIFFERENT):
        raise Conflict("Quyết định phải là 'same' hoặc 'different'.", code="bad_decision")
    pair = _pair_for_update(actor, pair_id, programme)
    if pair.decision:
        raise Conflict("Cặp này đã được quyết định; hủy quyết định trước nếu cần sửa.", code="already_decided")
    a = Resident.objects.select_for_update().get(pk=pair.a_id)
    b = Resident.objects.select_for_update().get(pk=pair.b_id)
    changes: dict[str, Any] = {}
    if decision == DuplicatePair.Decision.SAME:
        if a.merged_into_id or b.merged_into_id or a.erased_at or b.erased_at:
            raise Conflict("Một trong hai người đã được gộp hoặc xóa dữ liệu.", code="not_current")
        # keep the one with an identity number as the survivor
        if b.id_hash and not a.id_hash:
            a, b = b, a
        for attname in MERGE_FILLS:
            if getattr(a, attname) in (None, "") and getattr(b, attname) not in (None, ""):
                changes[attname] = _plain(getattr(b, attname))
                setattr(a, attname, getattr(b, attname))
        if changes:
            a.updated_at = timezone.now()
            a.save()
        b.merged_into = a
        b.updated_at = timezone.now()
        b.save(update_fields=["merged_into", "updated_at"])
    pair.decision, pair.decided_by, pair.decided_at = decision, actor_user(actor), timezone.now()
    pair.merge_changes = {"survivor": a.pk, "merged": b.pk, "filled": changes} if decision == "same" else {}
    pair.save()
    audit.record(
        actor=actor,
        action=Action(f"duplicate.{decision}"),
        obj=pair,
        programme_code=programme.code,
        extra={"a": pair.a_id, "b": pair.b_id, "filled": sorted(changes)},
    )
    return pair


@service(audits=[Action.DUPLICATE_REOPEN])
def pair_reopen(*, actor: scope.Actor, programme: Programme, pair_id: int) -> DuplicatePair:
    """Undo a decision: a merge is taken back (the survivor loses what it gained, unless changed since)."""
    pair = _pair_for_update(actor, pair_id, programme)
    if not pair.decision:
        raise Conflict("Cặp này chưa được quyết định.", code="undecided")
    if pair.decision == DuplicatePair.Decision.SAME:
        info = pair.merge_changes
        survivor = Resident.objects.select_for_update().get(pk=info["survivor"])
        merged = Resident.objects.select_for_update().get(pk=info["merged"])
        for attname, value in info.get("filled", {}).items():
            if _plain(getattr(survivor, attname)) == value:
                setattr(survivor, attname, None if attname in ("birth_date", "household_id") else "")
        survivor.updated_at = timezone.now()
        survivor.save()
        merged.merged_into = None
        merged.save(update_fields=["merged_into"])
    previous = pair.decision
    pair.decision, pair.decided_by, pair.decided_at, pair.merge_changes = "", None, None, {}
    pair.save()
    audit.record(
        actor=actor,
        action=Action.DUPLICATE_REOPEN,
        obj=pair,
        programme_code=programme.code,
        extra={"a": pair.a_id, "b": pair.b_id, "was": previous},
    )
    return pair


def listed_elsewhere(*, actor: scope.Actor, programme: Programme) -> QuerySet[ListedElsewhere]:
    """Residents of the actor's communes another commune also listed, and the other way round."""
    visible = Resident.objects.filter(scope.residents_q(actor), programme=programme).values("pk")
    communes = [c.pk for c in programme.communes.all() if scope.can_write_residents(actor, c)]
    return (
        ListedElsewhere.objects.filter(Q(resident__in=visible) | Q(commune__in=communes), resident__programme=programme)
        .select_related("resident__commune__unit", "commune__unit")
        .order_by("-found_at")
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
