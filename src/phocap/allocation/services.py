"""Allocation rounds (issue #5): eligibility, the versioned priority policy, proposal, commune review (exclusions
re-rank), maker-checker approval that reserves a specific device for each selected person."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation import engine, ranking
from phocap.allocation.models import (
    Exclusion,
    Placement,
    PriorityPolicy,
    PriorPhoneException,
    Round,
    RoundCommune,
)
from phocap.allocation.postings import postings_open
from phocap.allocation.reservations import reservation_end as reservation_end  # re-exported for the handover
from phocap.allocation.reservations import reservation_hand_over as reservation_hand_over
from phocap.allocation.reservations import reservation_keep as reservation_keep
from phocap.allocation.reservations import reservation_locked as reservation_locked
from phocap.allocation.reservations import reservation_release as reservation_release
from phocap.allocation.reservations import reservation_restore as reservation_restore
from phocap.allocation.reservations import reserve_many
from phocap.allocation.selectors import (
    eligible_residents,
    policy_current,
    ready_devices,
    received_elsewhere,
)
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.actors import actor_user
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.queries import insert_rows
from phocap.core.services import service
from phocap.devices import services as devices
from phocap.devices.models import Device
from phocap.programmes.models import Programme
from phocap.registry.dedup import undecided_pairs
from phocap.registry.models import PriorityFlag, Resident


def _policy_saved(programme: Programme) -> PriorityPolicy:
    """The policy in force, saved (its first version is saved by the first round or change that needs it)."""
    policy = policy_current(programme)
    if policy.pk is None:
        policy, _ = PriorityPolicy.objects.get_or_create(
            programme=programme,
            version=policy.version,
            defaults={
                "groups": policy.groups,
                "one_per_household": policy.one_per_household,
                "note": policy.note,
                "created_by": policy.created_by,
            },
        )
    return policy


@service(audits=[Action.POLICY_UPDATE])
def policy_update(
    *, actor: scope.Actor, programme: Programme, order: list[int], one_per_household: bool, note: str = ""
) -> PriorityPolicy:
    """A new version (old rounds keep theirs)."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được sửa chính sách ưu tiên.")
    if sorted(order) != sorted(engine.GROUPS):
        raise ValidationFailed("Thứ tự phải gồm đủ các nhóm 1–6, mỗi nhóm một lần.", field="order")
    current = _policy_saved(programme)
    policy = PriorityPolicy.objects.create(
        programme=programme,
        version=current.version + 1,
        groups={"order": order, "labels": current.groups["labels"]},
        one_per_household=one_per_household,
        note=note or current.note,
        created_by=_label(actor),
    )
    audit.record(
        actor=actor,
        action=Action.POLICY_UPDATE,
        obj=policy,
        programme_code=programme.code,
        extra={"order": order, "one_per_household": one_per_household},
    )
    return policy


@dataclasses.dataclass
class RoundData:
    people: list[engine.Person]
    ages: dict[int, int]
    flags: dict[int, set[str]]
    need: dict[int, int]
    earmarked: dict[int, int]
    general: int


def _gather(programme: Programme, policy: PriorityPolicy) -> RoundData:
    order = {g: i for i, g in enumerate(policy.groups["order"], 1)}
    rows = list(
        eligible_residents(programme).values_list(
            "pk", "commune_id", "household_id", "household__poverty_status", "birth_year", "birth_date"
        )
    )
    flags: dict[int, set[str]] = {}
    for resident_id, kind in PriorityFlag.objects.filter(
        resident__in=eligible_residents(programme).values("pk")
    ).values_list("resident_id", "kind"):
        flags.setdefault(resident_id, set()).add(kind)
    people = []
    ages = {}
    ref = programme.reference_date
    for pk, commune_id, household_id, poverty, year, born in rows:  # adults only (`eligible_residents`)
        group = engine.group_of(poverty or "none", flags.get(pk, ()))
        day = (born or dt.date(year, 7, 1)).toordinal()
        people.append(engine.Person(pk, commune_id, household_id, order[group], year, day))
        ages[pk] = ref.year - year - (1 if born and (born.month, born.day) > (ref.month, ref.day) else 0)
    need: dict[int, int] = {}
    for p in people:
        need[p.commune_id] = need.get(p.commune_id, 0) + 1
    earmarked, general = _supply(programme, need)
    return RoundData(people, ages, flags, need, earmarked, general)


def _reason(p: engine.Placed, policy: PriorityPolicy, data: RoundData, commune_name: str) -> str:
    group = policy.groups["order"][p.person.group - 1]
    what = engine.GROUPS[group].short or ", ".join(
        str(PriorityFlag.Kind(k).label) for k in sorted(data.flags.get(p.person.resident_id, set()))
    )
    text = f"{what or 'Người dân'}, {data.ages[p.person.resident_id]} tuổi — xếp thứ {p.rank}/{p.of} tại {commune_name}"
    return text if p.selected else f"{text}; chưa được chọn: {p.note}"


def _supply(programme: Programme, need: dict[int, int]) -> tuple[dict[int, int], int]:
    """Ready devices earmarked for each commune with someone eligible, and the rest (the general pool)."""
    earmarked: dict[int, int] = {}
    general = 0
    for earmark_id in ready_devices(programme).values_list("earmark_id", flat=True):
        if earmark_id is not None and earmark_id in need:
            earmarked[earmark_id] = earmarked.get(earmark_id, 0) + 1
        else:
            general += 1  # unearmarked, or earmarked for a commune with nobody eligible (kept general)
    return earmarked, general


def _compute(round_: Round, programme: Programme) -> None:
    """(Re)compute a proposed round's placements and commune shares from the current registry and stock: in the
    database (`ranking`), or — when an undecided pair of possible duplicates has both people eligible, whose walk
    depends on who was chosen first — by the engine."""
    eligible = eligible_residents(programme)
    need = dict(eligible.order_by().values_list("commune_id").annotate(n=Count("pk")).values_list("commune_id", "n"))
    earmarked, general = _supply(programme, need)
    Placement.objects.filter(round=round_).delete()
    RoundCommune.objects.filter(round=round_).delete()
    ids = eligible.values("pk")
    pairs = list(undecided_pairs(programme).filter(a__in=ids, b__in=ids).values_list("a_id", "b_id"))
    if pairs:
        _compute_in_python(round_, programme, pairs)
    else:
        ranking.place_in_database(round_, eligible, engine.fair_split(need, earmarked, general))
    selected = dict(
        Placement.objects.filter(round=round_, selected=True)
        .values_list("commune_id")
        .annotate(n=Count("pk"))
        .values_list("commune_id", "n")
    )
    RoundCommune.objects.bulk_create(
        [
            RoundCommune(
                round=round_,
                commune_id=c,
                eligible=need.get(c, 0),
                earmarked=min(earmarked.get(c, 0), need.get(c, 0)),
                allocated=selected.get(c, 0),
            )
            for c in sorted(set(need) | set(earmarked))
        ]
    )
    round_.devices = general + sum(earmarked.values())
    round_.save(update_fields=["devices"])


def _compute_in_python(round_: Round, programme: Programme, pairs: list[tuple[int, int]]) -> None:
    """The engine's walk (the reference `ranking` follows), for a round with undecided pairs in play."""
    data = _gather(programme, round_.policy)
    quota = engine.fair_split(data.need, data.earmarked, data.general)
    placed = engine.rank_and_select(
        data.people, quota, seed=round_.seed, one_per_household=round_.policy.one_per_household, pairs=pairs
    )
    names = {c.pk: c.unit.name for c in programme.communes.select_related("unit")}
    order = round_.policy.groups["order"]
    insert_rows(
        Placement,
        ["round_id", "resident_id", "commune_id", "group", "rank", "of", "selected", "reason"],
        (
            (
                round_.pk,
                p.person.resident_id,
                p.person.commune_id,
                order[p.person.group - 1],
                p.rank,
                p.of,
                p.selected,
                _reason(p, round_.policy, data, names[p.person.commune_id])[:300],
            )
            for p in placed
        ),
    )


@service(audits=[Action.ROUND_PROPOSE])
def round_propose(*, actor: scope.Actor, programme: Programme, seed: str | None = None) -> Round:
    """A proposed round: every eligible resident placed (group, rank, reason), the devices split fairly."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được đề xuất đợt phân bổ.")
    seed = (seed or secrets.token_hex(8)).strip()
    if not seed or len(seed) > 100:
        raise ValidationFailed("Số gieo từ 1 đến 100 ký tự.", field="seed")
    pending = "Đang có một đợt chờ duyệt: duyệt hoặc hủy đợt đó trước."
    if Round.objects.select_for_update().filter(programme=programme, status=Round.Status.PROPOSED).exists():
        raise Conflict(pending, code="round_pending")
    try:
        with transaction.atomic():  # the database keeps one proposed round per programme
            round_ = Round.objects.create(
                programme=programme,
                policy=_policy_saved(programme),
                seed=seed,
                proposed_by=actor_user(actor),
                proposed_label=_label(actor),
                devices=0,
            )
    except IntegrityError:
        raise Conflict(pending, code="round_pending") from None
    _compute(round_, programme)
    audit.record(
        actor=actor,
        action=Action.ROUND_PROPOSE,
        obj=round_,
        programme_code=programme.code,
        extra={"seed": seed, "policy_version": round_.policy.version, "devices": round_.devices},
    )
    return round_


@service(audits=[Action.ROUND_EXCLUDE])
def exclude_resident(*, actor: scope.Actor, round_: Round, resident_id: int, reason: str) -> Round:
    """The commune officer excludes a person from the proposed round (with the reason); the round is re-ranked."""
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do loại khỏi danh sách.", field="reason")
    locked = Round.objects.select_for_update().select_related("programme", "policy").get(pk=round_.pk)
    if locked.status != Round.Status.PROPOSED:
        raise Conflict("Đợt này không còn ở bước xem xét.", code="round_not_proposed")
    resident = Resident.objects.filter(pk=resident_id, programme=locked.programme).select_related("commune").first()
    if resident is None or not scope.can_write_residents(actor, resident.commune):
        raise NotFound("Không tìm thấy người dân.")
    Exclusion.objects.create(resident=resident, reason=reason.strip()[:300], excluded_by=_label(actor))
    _compute(locked, locked.programme)
    audit.record(
        actor=actor,
        action=Action.ROUND_EXCLUDE,
        obj=locked,
        programme_code=locked.programme.code,
        extra={"resident": resident.pk, "reason": reason.strip()[:300]},
    )
    return locked


@service(audits=[Action.PRIOR_PHONE_EXCEPTION])
def prior_phone_exception(*, actor: scope.Actor, programme: Programme, resident_id: int, reason: str) -> Resident:
    """The manager's exception for someone who received a phone from another programme of this installation (lost
    and reported, returned): they may be allocated one again. Audited with the reason."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được ghi ngoại lệ.")
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do (ví dụ: máy mất, đã báo ngày …; máy đã trả lại).", field="reason")
    resident = Resident.objects.filter(pk=resident_id, programme=programme).first()
    if resident is None:
        raise NotFound("Không tìm thấy người dân.")
    if not Resident.objects.filter(received_elsewhere(programme), pk=resident.pk).exists():
        raise Conflict("Người này chưa nhận máy từ chương trình khác: không cần ngoại lệ.", code="no_prior_phone")
    _, created = PriorPhoneException.objects.get_or_create(
        resident=resident, defaults={"reason": reason.strip()[:300], "recorded_by": _label(actor)}
    )
    if created:
        audit.record(
            actor=actor,
            action=Action.PRIOR_PHONE_EXCEPTION,
            obj=resident,
            programme_code=programme.code,
            extra={"reason": reason.strip()[:300]},
        )
    return resident


@dataclasses.dataclass(frozen=True, slots=True)
class _Ready:
    """A ready device as an approval takes it: no model instance (a province's round reserves 200,000)."""

    pk: int
    earmark_id: int | None
    location_id: int | None


class _Stock:
    """The ready devices of an approval, in the order they are taken for a commune: earmarked for it, then
    already in it, then the provincial store, then anywhere — never a device earmarked for another commune."""

    def __init__(self, devices: list[_Ready], needy: set[int]) -> None:
        self.buckets: dict[tuple[str, int | None], collections.deque[_Ready]] = collections.defaultdict(
            collections.deque
        )
        self.used: set[int] = set()
        for d in devices:  # an earmark for a commune with nobody eligible does not hold a device back
            earmark = d.earmark_id if d.earmark_id in needy else None
            if earmark is not None:
                self.buckets[("earmark", earmark)].append(d)
            else:  # each device sits in two queues: its place, and "any"
                self.buckets[("at", d.location_id)].append(d)
                self.buckets[("any", None)].append(d)

    def take(self, commune_id: int) -> _Ready | None:
        for key in (("earmark", commune_id), ("at", commune_id), ("at", None), ("any", None)):
            queue = self.buckets.get(key)
            while queue:
                d = queue.popleft()
                if d.pk not in self.used:
                    self.used.add(d.pk)
                    return d
        return None


def _check_approver(actor: scope.Actor, round_: Round) -> None:
    if not scope.can_manage_programme(actor, round_.programme):
        raise PermissionDenied("Chỉ quản lý chương trình được duyệt đợt phân bổ.")
    if round_.status != Round.Status.PROPOSED:
        raise Conflict("Đợt này đã được duyệt hoặc đã hủy.", code="round_not_proposed")
    if _label(actor) == round_.proposed_label or (
        round_.proposed_by_id is not None and getattr(actor, "pk", None) == round_.proposed_by_id
    ):
        raise PermissionDenied("Người duyệt phải khác người đề xuất.")


@service(audits=[Action.ROUND_APPROVE])
def round_approve(*, actor: scope.Actor, round_: Round) -> Round:
    """Approval by another manager than the proposer: a specific ready device is reserved for each selected
    person — earmarked devices for their commune first, then devices already in the commune, then the
    provincial store (moved to the commune)."""
    locked = Round.objects.select_for_update().select_related("programme").get(pk=round_.pk)
    _check_approver(actor, locked)
    programme = locked.programme
    chosen = list(
        Placement.objects.filter(round=locked, selected=True)
        .order_by("commune_id", "rank")
        .values_list("resident_id", "commune_id")
    )
    names = dict(programme.communes.values_list("pk", "unit__name"))
    needy = set(RoundCommune.objects.filter(round=locked, eligible__gt=0).values_list("commune_id", flat=True))
    ready = ready_devices(programme).select_for_update(of=("self",)).order_by("pk")
    stock = _Stock([_Ready(*row) for row in ready.values_list("pk", "earmark_id", "location_id")], needy)
    sent, held, kept = [], [], []
    note = f"Giữ cho người nhận (đợt #{locked.pk})"
    for resident_id, commune_id in chosen:
        device = stock.take(commune_id)
        if device is None:
            raise Conflict("Không đủ máy sẵn sàng để giữ cho mọi người được chọn.", code="not_enough_devices")
        if device.location_id != commune_id:
            ready_state = Device.State.READY
            sent.append(devices.Moved(device.pk, ready_state, ready_state, commune_id, f"Phân về {names[commune_id]}"))
        held.append((resident_id, commune_id, device.pk))
        kept.append(devices.Moved(device.pk, Device.State.READY, Device.State.RESERVED, commune_id, note))
    try:  # each phone first at its person's commune, then kept for them (the database checks it is), then moved
        devices.move_many(sent, actor=actor)
        reserve_many(locked, held)
        devices.move_many(kept, actor=actor)
    except IntegrityError:
        raise Conflict(
            "Máy hoặc người nhận vừa được giữ trong một thao tác khác; hãy tải lại và duyệt lại.",
            code="reservation_conflict",
        ) from None
    locked.status = Round.Status.APPROVED
    locked.approved_by, locked.approved_label, locked.approved_at = actor_user(actor), _label(actor), timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_label", "approved_at"])
    postings = postings_open(locked, timezone.localdate())
    audit.record(
        actor=actor,
        action=Action.ROUND_APPROVE,
        obj=locked,
        programme_code=programme.code,
        extra={"reserved": len(chosen), "postings": len(postings)},
    )
    return locked


@service(audits=[Action.ROUND_CANCEL])
def round_cancel(*, actor: scope.Actor, round_: Round, reason: str) -> Round:
    """A proposed round set aside by a manager, with the reason (too few phones, a list to correct): its placements
    stay as history, nothing was reserved, and a new round may be proposed."""
    locked = Round.objects.select_for_update().select_related("programme").get(pk=round_.pk)
    if not scope.can_manage_programme(actor, locked.programme):
        raise PermissionDenied("Chỉ quản lý chương trình được hủy đợt phân bổ.")
    if locked.status != Round.Status.PROPOSED:
        raise Conflict("Chỉ hủy được đợt đang chờ duyệt.", code="round_not_proposed")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Cần ghi lý do hủy đợt.", field="reason")
    locked.status, locked.cancel_reason = Round.Status.CANCELLED, reason[:300]
    locked.cancelled_label, locked.cancelled_at = _label(actor), timezone.now()
    locked.save(update_fields=["status", "cancel_reason", "cancelled_label", "cancelled_at"])
    audit.record(
        actor=actor,
        action=Action.ROUND_CANCEL,
        obj=locked,
        programme_code=locked.programme.code,
        extra={"reason": reason[:300]},
    )
    return locked
