"""Reads of the allocation: who is eligible, which devices are ready, the policy in force, rounds and their
placements — each limited to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from phocap.accounts import scope
from phocap.allocation import engine
from phocap.allocation.models import (
    Exclusion,
    Placement,
    PriorityPolicy,
    PriorPhoneException,
    PriorPhoneMatch,
    Reservation,
    Round,
    RoundCommune,
)
from phocap.allocation.prior import handed_over_elsewhere
from phocap.core.errors import NotFound
from phocap.devices.models import Device
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import Consent, Resident
from phocap.registry.selectors import adults_q

DEFAULT_NOTE = (
    "Ưu tiên theo nhóm 1 → 6; trong mỗi nhóm, người lớn tuổi hơn trước; cùng tuổi thì bốc thăm công khai "
    "bằng mã băm của số gieo (công bố trước) và mã người dân. Mỗi hộ tối đa một máy trong một đợt."
)


def default_policy(programme: Programme) -> PriorityPolicy:
    """The first version of a programme's policy (the order of TT 14/2022, one phone per household), unsaved: the
    first round or the first change saves it."""
    return PriorityPolicy(
        programme=programme,
        version=1,
        groups={"order": list(engine.GROUPS), "labels": {str(k): g.name for k, g in engine.GROUPS.items()}},
        one_per_household=True,
        note=DEFAULT_NOTE,
        created_by="system",
    )


def policy_current(programme: Programme) -> PriorityPolicy:
    """The version in force: the latest saved one, or the default (unsaved) before any."""
    found = PriorityPolicy.objects.filter(programme=programme).order_by("-version").first()
    return found if found is not None else default_policy(programme)


def eligible_residents(programme: Programme) -> QuerySet[Resident]:
    """Adults of the programme's communes (18 on the reference date: `registry.selectors.adults_q`) who lack a
    smartphone, with consent to the allocation recorded (given, not withdrawn), not excluded, not already holding
    a reservation or a phone from this programme, not merged or erased."""
    active_consent = Consent.objects.filter(
        resident=OuterRef("pk"), kind=Consent.Kind.ALLOCATION, refused=False, withdrawn_on__isnull=True
    )
    excluded = Exclusion.objects.filter(resident=OuterRef("pk"), lifted_at__isnull=True)
    holding = Reservation.objects.filter(resident=OuterRef("pk"), programme=programme, status__in=Reservation.HOLDING)
    excepted = PriorPhoneException.objects.filter(resident=OuterRef("pk"))
    return (
        Resident.objects.filter(
            adults_q(programme.reference_date),
            programme=programme,
            smartphone_status=Resident.Smartphone.LACKS,
            erased_at__isnull=True,
            merged_into__isnull=True,
        )
        .filter(Exists(active_consent), ~Exists(excluded), ~Exists(holding))
        .exclude(received_elsewhere(programme) & ~Q(Exists(excepted)))
    )


def received_elsewhere(programme: Programme) -> Q:
    """Residents who received a phone from another programme of this installation: by the keyed hash of their
    number, or as an import found them by name, birth and village (`prior.PriorPhones`)."""
    # NULLIF: a person without a number looks up NULL, which no index entry equals — as `id_hash = ''` the lookup
    # found everyone else without one, for each of them (a round of 200,000 such people never finished: #18)
    number = NullIf(OuterRef("id_hash"), Value(""))
    by_number = handed_over_elsewhere(programme).filter(resident__id_hash=number)
    found = PriorPhoneMatch.objects.filter(resident=OuterRef("pk"))
    return Q(Exists(by_number)) | Q(Exists(found))


def received_elsewhere_list(*, actor: scope.Actor, programme: Programme) -> QuerySet[Resident]:
    """For the manager: the programme's people who received a phone from another programme, with what the import
    found (`prior_note`, empty when only the number matches now) and the exception if one was recorded."""
    if not scope.can_manage_programme(actor, programme):
        raise NotFound("Không tìm thấy trang.")
    matches = PriorPhoneMatch.objects.filter(resident=OuterRef("pk")).order_by("pk")
    exception = PriorPhoneException.objects.filter(resident=OuterRef("pk"))
    return (
        Resident.objects.filter(received_elsewhere(programme), programme=programme, erased_at__isnull=True)
        .select_related("commune__unit")
        .annotate(prior_note=Subquery(matches.values("note")[:1]), exception=Subquery(exception.values("reason")))
        .order_by("commune_id", "name_sort", "pk")
    )


def ready_devices(programme: Programme) -> Any:  # QuerySet[Device] annotated with earmark_id
    """Ready devices with the commune their money or pledge was earmarked for (if any)."""
    return Device.objects.filter(programme=programme, state=Device.State.READY).annotate(
        earmark_id=Coalesce("purchase_order__earmark_id", "pledge__earmark_id")
    )


def round_latest(programme: Programme) -> Round | None:
    """The round the page shows: the latest one not cancelled."""
    return (
        Round.objects.filter(programme=programme)
        .exclude(status=Round.Status.CANCELLED)
        .select_related("policy")
        .order_by("-pk")
        .first()
    )


def round_get(*, actor: scope.Actor, programme: Programme, round_id: int) -> Round:
    """A round of the programme, for its managers."""
    found = Round.objects.filter(programme=programme, pk=round_id).select_related("policy", "programme").first()
    if found is None or not scope.can_manage_programme(actor, programme):
        raise NotFound("Không tìm thấy đợt phân bổ.")
    return found


def round_shares(round_: Round | None) -> QuerySet[RoundCommune]:
    """Each commune's share of a round (figures: every role that sees the round page sees them)."""
    if round_ is None:
        return RoundCommune.objects.none()
    return RoundCommune.objects.filter(round=round_).select_related("commune__unit").order_by("commune__unit__code")


def placements(*, actor: scope.Actor, round_: Round | None, commune: ProgrammeCommune | None) -> QuerySet[Placement]:
    """The ranked list of a commune in a round, with names: for that commune's officers and the managers."""
    if round_ is None or commune is None or not scope.can_write_commune(actor, commune):
        return Placement.objects.none()
    return Placement.objects.filter(round=round_, commune=commune).select_related("resident").order_by("rank")


LOW_COVERAGE = 0.10  # below this share of eligible people served, proposing a round warns first


def round_preview(*, actor: scope.Actor, programme: Programme) -> dict[str, Any]:
    """What a round proposed now would have: ready phones, eligible people, communes with any, and a warning when
    the phones would reach few of them (the page and the CLI say it before proposing)."""
    if not scope.can_manage_programme(actor, programme):
        raise NotFound("Không tìm thấy trang.")
    ready = ready_devices(programme).count()
    people = eligible_residents(programme)
    eligible = people.count()
    communes = people.values("commune_id").distinct().count()
    coverage = min(ready / eligible, 1.0) if eligible else 0.0
    warning = ""
    if not ready:
        warning = "Chưa có máy nào sẵn sàng: kiểm tra máy đã nhận trước khi lập đợt."
    elif not eligible:
        warning = "Chưa có ai đủ điều kiện (cần danh sách và phiếu đồng ý)."
    elif coverage < LOW_COVERAGE:
        warning = f"Chỉ {ready} máy cho {eligible} người đủ điều kiện ({coverage:.1%}): nên chờ thêm máy?".replace(
            ".", ","
        )
    return {
        "ready_devices": ready,
        "eligible": eligible,
        "communes": communes,
        "coverage": round(coverage, 4),
        "warning": warning,
    }


def round_summary(round_: Round) -> dict[str, Any]:
    """What `phocap allocate --json` and the rounds API print."""
    communes = list(round_shares(round_))
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
        "ready_devices": round_.devices,  # ready when the round was proposed
        "eligible": sum(c.eligible for c in communes),
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
        **({"cancel_reason": round_.cancel_reason} if round_.status == Round.Status.CANCELLED else {}),
    }


def expected(commune: ProgrammeCommune) -> QuerySet[Reservation]:
    """The people of a commune with a phone kept for them, not yet handed over (the handover event's list)."""
    return (
        Reservation.objects.filter(commune=commune, status=Reservation.Status.ACTIVE)
        .select_related("resident", "device__phone_model")
        .order_by("resident__village", "resident__full_name")
    )


OFFER_WITHDRAWN = "Hoàn tác vắng mặt của người trước: chờ đợt sau"


def reservation_get(*, actor: scope.Actor, commune: ProgrammeCommune, reservation_id: int) -> Reservation:
    found = Reservation.objects.filter(pk=reservation_id, commune=commune).select_related("resident").first()
    if found is None or not scope.can_write_commune(actor, commune):
        raise NotFound("Không tìm thấy người này trong danh sách nhận máy của xã.")
    return found


def resident_statuses() -> dict[str, tuple[Any, Any]]:
    """The resident list's allocation filters (`registry.search.STATUSES`): Q over Resident for a programme."""

    def eligible(programme: Programme) -> Q:
        return Q(pk__in=eligible_residents(programme).values("pk"))

    def reserved(status: str) -> Any:
        def q(programme: Programme) -> Q:
            held = Reservation.objects.filter(resident=OuterRef("pk"), programme=programme, status=status)
            return Q(Exists(held))

        return q

    return {
        "eligible": (_("Đủ điều kiện nhận máy"), eligible),
        "selected": (_("Được chọn, đang giữ máy"), reserved(Reservation.Status.ACTIVE)),
        "holding": (_("Đã nhận máy"), reserved(Reservation.Status.HANDED_OVER)),
        "elsewhere": (_("Đã nhận máy từ chương trình khác"), received_elsewhere),
    }
