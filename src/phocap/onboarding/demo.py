"""The demo's story after the handovers (issue #6), as of the programme's end (31/12/2023): handover events in
the six other communes, a team per village, guidance sessions, checklists partly done, follow-ups made on time,
late or not yet (so some are overdue), and a verification sample with a few discrepancies. Invented data,
written through the services like a user would."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from phocap.accounts import scope
from phocap.accounts import selectors as accounts
from phocap.allocation import selectors as allocation
from phocap.handover import selectors as handover
from phocap.handover import services as handover_services
from phocap.handover.models import Handover
from phocap.onboarding import selectors, services
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import selectors as registry

EVENTS = {  # commune → (date, place)
    "01912": (dt.date(2023, 11, 24), "Nhà văn hóa xã Thượng Giáo (ví dụ)"),
    "01951": (dt.date(2023, 11, 28), "Hội trường UBND xã Đức Vân (ví dụ)"),
    "02017": (dt.date(2023, 12, 1), "Nhà văn hóa xã Quang Thuận (ví dụ)"),
    "02071": (dt.date(2023, 12, 5), "Hội trường UBND xã Nghĩa Tá (ví dụ)"),
    "02122": (dt.date(2023, 12, 8), "Nhà văn hóa xã Như Cố (ví dụ)"),
    "02173": (dt.date(2023, 12, 15), "Hội trường UBND xã Côn Minh (ví dụ)"),
}
GIVEN = ("Hà", "Lan", "Tuấn", "Mai", "Đức", "Hoa", "Bình", "Thu", "Sơn", "Linh", "Vân", "Khánh")
FAMILY = ("Hoàng", "Nông", "Triệu", "Ma", "Lý", "Đàm", "Hà", "Lục")
# (step, share of recipients who did it, days after the handover at the earliest)
STEPS = (
    ("vneid_installed", 0.88, 0),
    ("essential_apps", 0.80, 0),
    ("eid_level2", 0.72, 3),
    ("portal_account", 0.55, 5),
    ("payment_account", 0.52, 2),
    ("online_service", 0.38, 8),
    ("cashless_payment", 0.33, 6),
)


def demo_onboarding_create(*, actor: scope.Actor, programme: Programme) -> None:
    """Idempotent: nothing happens once the programme has teams."""
    if selectors.teams(actor=actor, programme=programme).exists():
        return
    rng = random.Random(2024)  # noqa: S311 - invented demo data
    manager, checker = accounts.user_by_username("quanly"), accounts.user_by_username("admin")
    _events(programme, checker, rng)
    end = programme.ends_on or dt.date(2023, 12, 31)
    for commune in programmes.commune_list(actor=actor, programme=programme):
        given = _teams_and_sessions(programme, manager, commune, end, rng)
        for h in given:
            _checklist(programme, manager, h, end, rng)
            _follow_ups(programme, manager, h, end, rng)
    _verification(programme, manager, end)


def _teams_and_sessions(
    programme: Programme, manager: Any, commune: ProgrammeCommune, end: dt.date, rng: random.Random
) -> list[Handover]:
    """A team of three per village; guidance sessions in the first three villages. The commune's recipients."""
    villages = sorted(
        {
            v
            for v in registry.resident_list(actor=manager, programme=programme, commune_code=commune.code).values_list(
                "village", flat=True
            )
            if v
        }
    )
    for village in villages:
        team = services.team_create(actor=manager, commune=commune, village=village)
        for i in range(3):
            name = f"{rng.choice(FAMILY)} {'Văn' if i % 2 else 'Thị'} {rng.choice(GIVEN)} (ví dụ)"
            services.team_member_add(actor=manager, team=team, name=name, is_leader=i == 0)
    given = list(
        handover.holders(programme)
        .filter(event__commune=commune)
        .select_related("event", "resident")
        .order_by("resident__village", "pk")
    )
    if not given:
        return []
    held = given[0].event.held_on
    for n, village in enumerate(villages[:3]):
        people = [h.resident_id for h in given if h.resident.village == village]
        services.session_create(
            actor=manager,
            commune=commune,
            village=village,
            held_on=min(held + dt.timedelta(days=4 + 3 * n), end),
            topic=("Cài đặt và kích hoạt VNeID mức 2", "Dịch vụ công trực tuyến", "Thanh toán không dùng tiền mặt")[n],
            organiser_kind=("team", "department", "enterprise")[n],
            head_count=len(people) + rng.randrange(5, 25),
            attendee_ids=rng.sample(people, k=len(people) * 2 // 3),
        )
    return given


def _verification(programme: Programme, manager: Any, end: dt.date) -> None:
    """A sample drawn after the handovers, two thirds of it checked, a few discrepancies among them."""
    sample = services.sample_draw(
        actor=manager, programme=programme, confidence=Decimal(95), margin=Decimal(10), seed="2024-01-05 (ví dụ)"
    )
    items = list(selectors.sample_items(actor=manager, sample=sample).order_by("pk"))
    for n, item in enumerate(items[: len(items) * 2 // 3]):
        result = "not_received" if n == 4 else "issues" if n in (9, 17) else "received"
        services.verification_record(
            actor=manager,
            item=item,
            method="call" if n % 3 else "visit",
            result=result,
            note={"not_received": "Người dân nói chưa nhận máy (ví dụ)", "issues": "Máy chưa có SIM (ví dụ)"}.get(
                result, ""
            ),
            on=dt.date(2024, 1, 8) if end < dt.date(2024, 1, 8) else end,
        )


def _events(programme: Programme, actor: scope.Actor, rng: random.Random) -> None:
    for code, (day, place) in EVENTS.items():
        commune = programmes.commune_list(actor=actor, programme=programme).filter(unit__code=code).first()
        if commune is None:
            continue
        event = handover_services.event_create(
            actor=actor,
            programme=programme,
            commune=commune,
            held_on=day,
            place=place,
            organisers="Sở Thông tin và Truyền thông; VNPT Bắc Kạn (ví dụ)",
        )
        for n, reservation in enumerate(list(allocation.expected(commune))):
            if n % 23 == 7:
                continue  # a few have not come yet: their phones stay reserved
            handover_services.handover_record(
                actor=actor,
                event=event,
                reservation_id=reservation.pk,
                id_number=reservation.resident.id_number,
                scanned=rng.random() < 0.5,
                imei=reservation.device.imei,
                sim_activated=True,
                confirmation="thumbprint" if rng.random() < 0.2 else "signature",
                key=f"demo-{event.pk}-{reservation.pk}",
            )


def _checklist(programme: Programme, actor: scope.Actor, h: Handover, end: dt.date, rng: random.Random) -> None:
    by_day: dict[dt.date, list[str]] = {}
    for step, share, after in STEPS:
        if rng.random() < share:
            day = h.event.held_on + dt.timedelta(days=after + rng.randrange(0, 12))
            if day <= end:
                by_day.setdefault(day, []).append(step)
    for day, steps in sorted(by_day.items()):
        services.steps_record(
            actor=actor,
            programme=programme,
            resident_ids=[h.resident_id],
            steps=steps,
            done_on=day,
            detail="Cấp phiếu lý lịch tư pháp (ví dụ)" if "online_service" in steps else "",
        )


def _follow_ups(programme: Programme, actor: scope.Actor, h: Handover, end: dt.date, rng: random.Random) -> None:
    for days, share in zip(programme.followup_days, (0.85, 0.6, 0.5), strict=False):
        due = h.event.held_on + dt.timedelta(days=days)
        visited = due + dt.timedelta(days=rng.choice((-1, 0, 1, 2, 3, 5, 6, 9, 12)))
        if visited > end or rng.random() > share:
            continue
        roll = rng.random()
        outcome = "using" if roll < 0.94 else "broken" if roll < 0.97 else "sold" if roll < 0.985 else "lost"
        services.followup_record(
            actor=actor,
            programme=programme,
            resident_id=h.resident_id,
            days=days,
            visited_on=visited,
            outcome=outcome,
            note="" if outcome == "using" else "Đã báo xã (ví dụ)",
        )
