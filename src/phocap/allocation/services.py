"""Allocation rounds (issue #5): eligibility, the versioned priority policy, proposal, commune review (exclusions
re-rank), maker-checker approval that reserves a specific device for each selected person."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation import engine
from phocap.allocation.models import Exclusion, Placement, PriorityPolicy, Reservation, Round, RoundCommune
from phocap.core import audit
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.queries import insert_rows
from phocap.devices.models import Device
from phocap.devices.services import record_move
from phocap.programmes.models import Programme
from phocap.registry.dedup import undecided_pairs
from phocap.registry.models import Consent, PriorityFlag, Resident

SHORT = {
    1: "Hộ nghèo/cận nghèo có công",
    2: "Hộ nghèo/cận nghèo gia đình chính sách",
    3: "Hộ nghèo",
    4: "Hộ cận nghèo",
    6: "Người dân",
}
FLAG_WORDS = {
    "disability": "Người khuyết tật",
    "elderly_alone": "Người cao tuổi sống một mình",
    "prestigious": "Người có uy tín",
    "merit": "Gia đình có công",
    "social_policy": "Gia đình chính sách",
}


def _user(actor: scope.Actor) -> Any:
    from phocap.accounts.models import User

    return actor if isinstance(actor, User) else None


def policy_current(programme: Programme) -> PriorityPolicy:
    """The latest version; the default one (the issue's order) is created the first time."""
    found = PriorityPolicy.objects.filter(programme=programme).order_by("-version").first()
    if found is not None:
        return found
    policy, _ = PriorityPolicy.objects.get_or_create(
        programme=programme,
        version=1,
        defaults={
            "groups": {"order": [1, 2, 3, 4, 5, 6], "labels": {str(k): v for k, v in engine.GROUPS.items()}},
            "one_per_household": True,
            "note": (
                "Ưu tiên theo nhóm 1 → 6; trong mỗi nhóm, người lớn tuổi hơn trước; cùng tuổi thì bốc thăm công khai "
                "bằng mã băm của số gieo (công bố trước) và mã người dân. Mỗi hộ tối đa một máy trong một đợt."
            ),
            "created_by": "system",
        },
    )
    return policy


def policy_update(
    *, actor: scope.Actor, programme: Programme, order: list[int], one_per_household: bool, note: str = ""
) -> PriorityPolicy:
    """A new version (old rounds keep theirs)."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được sửa chính sách ưu tiên.")
    if sorted(order) != sorted(engine.GROUPS):
        raise ValidationFailed("Thứ tự phải gồm đủ các nhóm 1–6, mỗi nhóm một lần.", field="order")
    with transaction.atomic():
        current = policy_current(programme)
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
            action="policy.update",
            obj=policy,
            programme_code=programme.code,
            extra={"order": order, "one_per_household": one_per_household},
        )
    return policy


# --- who is eligible, what is available -------------------------------------------------------------------


def eligible_residents(programme: Programme) -> Any:
    """Adults of the programme's communes who lack a smartphone, with consent recorded and not withdrawn, not
    excluded, not already holding a reservation or a phone from this programme, not merged or erased."""
    active_consent = Consent.objects.filter(resident=OuterRef("pk"), withdrawn_on__isnull=True)
    excluded = Exclusion.objects.filter(resident=OuterRef("pk"), lifted_at__isnull=True)
    holding = Reservation.objects.filter(
        resident=OuterRef("pk"), programme=programme, status__in=[Reservation.Status.ACTIVE, "handed_over"]
    )
    return Resident.objects.filter(
        programme=programme,
        smartphone_status=Resident.Smartphone.LACKS,
        erased_at__isnull=True,
        merged_into__isnull=True,
        birth_year__lte=programme.reference_date.year - 18,
    ).filter(Exists(active_consent), ~Exists(excluded), ~Exists(holding))


def ready_devices(programme: Programme) -> Any:
    """Ready devices with the commune their money or pledge was earmarked for (if any)."""
    return Device.objects.filter(programme=programme, state=Device.State.READY).annotate(
        earmark_id=Coalesce("purchase_order__earmark_id", "pledge__earmark_id")
    )


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
    for pk, commune_id, household_id, poverty, year, born in rows:
        if born is not None and dt.date(ref.year - 18, ref.month, min(ref.day, 28)) < born:
            continue  # not 18 on the reference date
        group = engine.group_of(poverty or "none", flags.get(pk, ()))
        day = (born or dt.date(year, 7, 1)).toordinal()
        people.append(engine.Person(pk, commune_id, household_id, order[group], year, day))
        ages[pk] = ref.year - year - (1 if born and (born.month, born.day) > (ref.month, ref.day) else 0)
    need: dict[int, int] = {}
    for p in people:
        need[p.commune_id] = need.get(p.commune_id, 0) + 1
    earmarked: dict[int, int] = {}
    general = 0
    for earmark_id in ready_devices(programme).values_list("earmark_id", flat=True):
        if earmark_id is not None and earmark_id in need:
            earmarked[earmark_id] = earmarked.get(earmark_id, 0) + 1
        else:
            general += 1  # unearmarked, or earmarked for a commune with nobody eligible (kept general)
    return RoundData(people, ages, flags, need, earmarked, general)


def _reason(p: engine.Placed, policy: PriorityPolicy, data: RoundData, commune_name: str) -> str:
    group = policy.groups["order"][p.person.group - 1]
    what = SHORT.get(group) or ", ".join(
        FLAG_WORDS[k] for k in sorted(data.flags.get(p.person.resident_id, set())) if k in FLAG_WORDS
    )
    text = f"{what or 'Người dân'}, {data.ages[p.person.resident_id]} tuổi — xếp thứ {p.rank}/{p.of} tại {commune_name}"
    return text if p.selected else f"{text}; chưa được chọn: {p.note}"


def _compute(round_: Round, programme: Programme) -> None:
    """(Re)compute a proposed round's placements and commune shares from the current registry and stock."""
    data = _gather(programme, round_.policy)
    quota = engine.fair_split(data.need, data.earmarked, data.general)
    pairs = list(undecided_pairs(programme).values_list("a_id", "b_id"))
    placed = engine.rank_and_select(
        data.people, quota, seed=round_.seed, one_per_household=round_.policy.one_per_household, pairs=pairs
    )
    names = {c.pk: c.unit.name for c in programme.communes.select_related("unit")}
    Placement.objects.filter(round=round_).delete()
    RoundCommune.objects.filter(round=round_).delete()
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
    selected: dict[int, int] = {}
    for p in placed:
        if p.selected:
            selected[p.person.commune_id] = selected.get(p.person.commune_id, 0) + 1
    RoundCommune.objects.bulk_create(
        [
            RoundCommune(
                round=round_,
                commune_id=c,
                eligible=data.need.get(c, 0),
                earmarked=min(data.earmarked.get(c, 0), data.need.get(c, 0)),
                allocated=selected.get(c, 0),
            )
            for c in sorted(set(data.need) | set(data.earmarked))
        ]
    )
    round_.devices = data.general + sum(data.earmarked.values())
    round_.save(update_fields=["devices"])


def round_propose(*, actor: scope.Actor, programme: Programme, seed: str | None = None) -> Round:
    """A proposed round: every eligible resident placed (group, rank, reason), the devices split fairly."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được đề xuất đợt phân bổ.")
    seed = (seed or secrets.token_hex(8)).strip()
    if not seed or len(seed) > 100:
        raise ValidationFailed("Số gieo từ 1 đến 100 ký tự.", field="seed")
    with transaction.atomic():
        if Round.objects.select_for_update().filter(programme=programme, status=Round.Status.PROPOSED).exists():
            raise Conflict("Đang có một đợt chờ duyệt: duyệt hoặc hủy đợt đó trước.", code="round_pending")
        try:
            with transaction.atomic():  # the database keeps one proposed round per programme
                round_ = Round.objects.create(
                    programme=programme,
                    policy=policy_current(programme),
                    seed=seed,
                    proposed_by=_user(actor),
                    proposed_label=_label(actor),
                    devices=0,
                )
        except IntegrityError:
            raise Conflict("Đang có một đợt chờ duyệt: duyệt hoặc hủy đợt đó trước.", code="round_pending") from None
        _compute(round_, programme)
        audit.record(
            actor=actor,
            action="round.propose",
            obj=round_,
            programme_code=programme.code,
            extra={"seed": seed, "policy_version": round_.policy.version, "devices": round_.devices},
        )
    return round_


def exclude_resident(*, actor: scope.Actor, round_: Round, resident_id: int, reason: str) -> Round:
    """The commune officer excludes a person from the proposed round (with the reason); the round is re-ranked."""
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do loại khỏi danh sách.", field="reason")
    with transaction.atomic():
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
            action="round.exclude",
            obj=locked,
            programme_code=locked.programme.code,
            extra={"resident": resident.pk, "reason": reason.strip()[:300]},
        )
    return locked


def round_approve(*, actor: scope.Actor, round_: Round) -> Round:
    """Approval by another manager than the proposer: a specific ready device is reserved for each selected
    person — earmarked devices for their commune first, then devices already in the commune, then the
    provincial store (moved to the commune)."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("programme").get(pk=round_.pk)
        programme = locked.programme
        if not scope.can_manage_programme(actor, programme):
            raise PermissionDenied("Chỉ quản lý chương trình được duyệt đợt phân bổ.")
        if locked.status != Round.Status.PROPOSED:
            raise Conflict("Đợt này đã được duyệt hoặc đã hủy.", code="round_not_proposed")
        if _label(actor) == locked.proposed_label or (
            locked.proposed_by_id is not None and getattr(actor, "pk", None) == locked.proposed_by_id
        ):
            raise PermissionDenied("Người duyệt phải khác người đề xuất.")
        chosen = list(
            Placement.objects.filter(round=locked, selected=True)
            .select_related("commune__unit")
            .order_by("commune_id", "rank")
        )
        needy = set(RoundCommune.objects.filter(round=locked, eligible__gt=0).values_list("commune_id", flat=True))
        devices = list(ready_devices(programme).select_for_update(of=("self",)).order_by("pk"))
        for d in devices:  # an earmark for a commune with nobody eligible does not hold a device back
            d.earmark_id = d.earmark_id if d.earmark_id in needy else None
        # buckets in the order devices are taken from; each device sits in two (its earmark or place, and "any")
        buckets: dict[tuple[str, int | None], collections.deque[Device]] = collections.defaultdict(collections.deque)
        for d in devices:
            if d.earmark_id is not None:
                buckets[("earmark", d.earmark_id)].append(d)
            else:
                buckets[("at", d.location_id)].append(d)
                buckets[("any", None)].append(d)
        used: set[int] = set()

        def take(commune_id: int) -> Device | None:
            """Earmarked for the commune, then already in the commune, then the store, then anywhere — never a
            device earmarked for another commune."""
            for key in (("earmark", commune_id), ("at", commune_id), ("at", None), ("any", None)):
                queue = buckets.get(key)
                while queue:
                    d = queue.popleft()
                    if d.pk not in used:
                        used.add(d.pk)
                        return d
            return None

        made = 0
        try:
            for p in chosen:
                device = take(p.commune_id)
                if device is None:
                    raise Conflict("Không đủ máy sẵn sàng để giữ cho mọi người được chọn.", code="not_enough_devices")
                if device.location_id != p.commune_id:
                    record_move(
                        device,
                        Device.State.READY,
                        note=f"Phân về {p.commune.unit.name}",
                        actor=actor,
                        location=p.commune,
                    )
                Reservation.objects.create(
                    programme=programme, round=locked, resident_id=p.resident_id, commune_id=p.commune_id, device=device
                )
                record_move(device, Device.State.RESERVED, note=f"Giữ cho người nhận (đợt #{locked.pk})", actor=actor)
                made += 1
        except IntegrityError:
            raise Conflict(
                "Máy hoặc người nhận vừa được giữ trong một thao tác khác; hãy tải lại và duyệt lại.",
                code="reservation_conflict",
            ) from None
        locked.status = Round.Status.APPROVED
        locked.approved_by, locked.approved_label, locked.approved_at = _user(actor), _label(actor), timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_label", "approved_at"])
        audit.record(
            actor=actor, action="round.approve", obj=locked, programme_code=programme.code, extra={"reserved": made}
        )
    return locked


def round_summary(round_: Round) -> dict[str, Any]:
    communes = list(
        RoundCommune.objects.filter(round=round_).select_related("commune__unit").order_by("commune__unit__code")
    )
    selected = list(
        Placement.objects.filter(round=round_, selected=True)
        .order_by("commune_id", "rank")
        .values_list("resident_id", flat=True)
    )
    return {
        "round": round_.pk,
        "seed": round_.seed,
        "policy_version": round_.policy.version,
        "status": round_.status,
        "devices": round_.devices,
        "selected": len(selected),
        "communes": [
            {
                "code": c.commune.unit.code,
                "name": c.commune.unit.name,
                "eligible": c.eligible,
                "selected": c.allocated,
                "coverage": round(c.coverage, 4),
            }
            for c in communes
        ],
        "selected_residents": selected,
    }
