"""The programme's indicators (issue #6), DHIS2-style: numerator / denominator × 100 per commune and for the
programme, on any date, with a target. One function computes them — `compute` — and the dashboard, the
reports, the API and `phocap kpi` all print what it returns, so their numbers cannot disagree.

Every figure comes from a handful of grouped aggregate queries (one row per commune), never from a loop over
people, so it stays fast on a national registry (`bench/dashboard.py`).

Definitions (`docs/ARCHITECTURE.md`, "Indicators"):
- a *holder* on a date is a person whose handover was made by then and not returned or swapped by then;
- `smartphone_coverage` = (adults − adults lacking one at baseline + holders − holders whose last follow-up
  found the phone sold or lost) / adults; target: the commune's own;
- `handover_progress` = holders / adults lacking a smartphone at baseline;
- `funds_received` = gifts received (money and phones in kind at their value, not reversed by then) / funds
  needed (lacking adults × phone package price); per commune only what was earmarked for it;
- `funds_spent` = spent on phones (purchase orders by then) / received; per commune its earmarked orders;
- `eid_level2`, `public_service_account`, `online_service_used`, `payment_account`, `cashless_payment` =
  holders with the checklist step done by then / holders;
- `still_using` = holders whose last follow-up by then found the phone still used by them / holders visited;
- `followup_on_time` = visits made within their window (due date + grace days) / follow-up rounds due: rounds
  whose window has closed, plus rounds already visited whose window is still open (a visit not yet late does not
  count against anyone). `overdue_followups` (not a percentage) = closed rounds without a visit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_noop

from phocap.devices.models import PurchaseOrder, spent_by
from phocap.fundraising import selectors as fundraising
from phocap.handover.models import Handover, HandoverEvent, not_ended_by
from phocap.onboarding.models import FollowUpVisit, Step, StepRecord
from phocap.programmes.models import DEFAULT_TARGETS, Assignment, Programme, ProgrammeCommune
from phocap.reports import tallies

KEYS = tuple(DEFAULT_TARGETS)
STEP_INDICATORS = {
    "eid_level2": Step.EID_LEVEL2,
    "public_service_account": Step.PORTAL_ACCOUNT,
    "online_service_used": Step.ONLINE_SERVICE,
    "payment_account": Step.PAYMENT_ACCOUNT,
    "cashless_payment": Step.CASHLESS_PAYMENT,
}
LABELS = {  # Vietnamese; the interface translates them (gettext_noop marks them for makemessages)
    "smartphone_coverage": gettext_noop("Người trưởng thành có điện thoại thông minh"),
    "handover_progress": gettext_noop("Máy đã trao / người chưa có máy"),
    "funds_received": gettext_noop("Kinh phí đã nhận / cần"),
    "funds_spent": gettext_noop("Kinh phí đã chi mua máy / đã nhận"),
    "eid_level2": gettext_noop("Định danh điện tử mức 2"),
    "public_service_account": gettext_noop("Tài khoản dịch vụ công"),
    "online_service_used": gettext_noop("Đã dùng dịch vụ công trực tuyến"),
    "payment_account": gettext_noop("Tài khoản thanh toán"),
    "cashless_payment": gettext_noop("Đã thanh toán không dùng tiền mặt"),
    "still_using": gettext_noop("Vẫn dùng máy (lần theo dõi gần nhất)"),
    "followup_on_time": gettext_noop("Theo dõi đúng hạn"),
}


@dataclasses.dataclass(frozen=True)
class Indicator:
    numerator: int
    denominator: int
    target: float

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": self.percent,
            "target": self.target,
        }


@dataclasses.dataclass
class Unit:
    """A commune, a responsible organisation (its communes together) or the programme."""

    code: str
    name: str
    indicators: dict[str, Indicator]
    overdue_followups: int
    holders: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "indicators": {k: v.as_dict() for k, v in self.indicators.items()},
            "overdue_followups": self.overdue_followups,
        }


@dataclasses.dataclass
class Report:
    programme: Programme
    date: dt.date
    communes: list[Unit]
    totals: Unit
    organisations: list[dict[str, Any]]
    per_event: dict[int, tuple[int, int]] = dataclasses.field(default_factory=dict)  # for the timeline

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme.code,
            "date": self.date.isoformat(),
            "communes": [c.as_dict() for c in self.communes],
            "programme_totals": {k: v.as_dict() for k, v in self.totals.indicators.items()},
            "programme_overdue_followups": self.totals.overdue_followups,
            "organisations": self.organisations,
        }


def handovers_per_event(
    programme: Programme, on: dt.date, kept: tallies.Tallies | None = None
) -> dict[int, tuple[int, int]]:
    """{event id: (people handed a phone there, people still holding it on the date)} for the events held by the
    date, from the tallies (`kept`: `tallies.on`, read when not given) — then corrected for the few swaps: a
    replacement shares the event of the phone it replaces (the person counts once), and until the swap both stand."""
    dated = HandoverEvent.objects.filter(programme=programme, held_on__lte=on).values("id")
    if kept is None:
        kept = tallies.on(programme.pk, on)
    counts = {
        pk: [kept[pk, "handed"], kept[pk, "handed"] - kept.get((pk, "ended"), 0)]
        for pk in dated.values_list("id", flat=True)
        if kept.get((pk, "handed"))
    }
    return _swaps_counted_once(programme, on, dated, counts)


def _handovers_from_facts(programme: Programme, on: dt.date) -> dict[int, tuple[int, int]]:
    """The same counts as `handovers_per_event`, read from the handovers (the check's reference)."""
    dated = HandoverEvent.objects.filter(programme=programme, held_on__lte=on).values("id")
    still = not_ended_by(on)
    counts = {
        r["event_id"]: [r["given"], r["standing"]]
        for r in Handover.objects.filter(event_id__in=dated)
        .values("event_id")
        .annotate(given=Count("id"), standing=Count("id", filter=still))
    }
    return _swaps_counted_once(programme, on, dated, counts)


def _swaps_counted_once(
    programme: Programme, on: dt.date, dated: Any, counts: dict[int, list[int]]
) -> dict[int, tuple[int, int]]:
    overlap = Q(ended_on__gt=on) & (Q(replaced_by__ended_on__isnull=True) | Q(replaced_by__ended_on__gt=on))
    for r in (
        Handover.objects.filter(  # a swapped phone has an end date: the few are found through `handover_ended`
            programme=programme, ended_on__isnull=False, status=Handover.Status.REPLACED, event_id__in=dated
        )
        .values("event_id")
        .annotate(n=Count("id"), both=Count("id", filter=overlap))
    ):
        counts[r["event_id"]][0] -= r["n"]
        counts[r["event_id"]][1] -= r["both"]
    return {event_id: (given, standing) for event_id, (given, standing) in counts.items()}


def _grouped(rows: Iterable[Any], *keys: str) -> dict[Any, dict[str, int]]:
    """{(key values) or key value: {count name: n}} from `values(*keys).annotate(...)` rows."""
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        out[key] = {k: int(v or 0) for k, v in row.items() if k not in keys}
    return out


def _minus(every: dict[Any, dict[str, int]], some: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    return {k: {n: v - some.get(k, {}).get(n, 0) for n, v in counts.items()} for k, counts in every.items()}


Counts = dict[str, dict[int, int]]  # {count name: {commune id: n}}


def _holders(programme: Programme, on: dt.date, per_event: dict[int, tuple[int, int]], out: Counts) -> None:
    """People holding a phone per commune, and the follow-up rounds whose window closed by the date (counted from
    each event's date)."""
    grace = programme.followup_grace_days
    days = list(programme.followup_days)
    out["holders"], out["rounds_closed"] = defaultdict(int), defaultdict(int)
    events = HandoverEvent.objects.filter(programme=programme, held_on__lte=on)
    for pk, commune_id, held_on in events.values_list("pk", "commune_id", "held_on"):
        n = per_event.get(pk, (0, 0))[1]
        if n:
            out["holders"][commune_id] += n
            out["rounds_closed"][commune_id] += n * sum(1 for d in days if held_on < on - dt.timedelta(days=d + grace))


def _outside(programme: Programme, on: dt.date) -> Any:  # a subquery of resident ids
    """People who gave their phone back by the date and hold none on it (a few, through `handover_ended`). People
    handed a phone only later have no step or visit dated by then (the services refuse dates before the handover)."""
    holds = Handover.objects.filter(resident_id=OuterRef("resident_id")).standing(on)
    # `holds` names only the person: the database looks them up by their index, with or without statistics
    return Handover.objects.filter(programme=programme, ended_on__lte=on).filter(~Exists(holds)).values("resident_id")


def _step_counts(qs: QuerySet[StepRecord]) -> dict[Any, dict[str, int]]:
    return _grouped(qs.values("commune_id", "step").annotate(n=Count("id")), "commune_id", "step")


def _kept_steps(kept: tallies.Tallies) -> dict[Any, dict[str, int]]:
    return {(scope, key[5:]): {"n": n} for (scope, key), n in kept.items() if key.startswith("step:")}


def _steps(programme: Programme, on: dt.date, outside: Any, out: Counts, kept: tallies.Tallies | None) -> None:
    by_step: dict[str, dict[int, int]] = defaultdict(dict)
    every = (
        _kept_steps(kept)
        if kept is not None
        else _step_counts(StepRecord.objects.filter(programme=programme, done_on__lte=on))
    )
    # the people taken off are looked up by their index alone (no programme filter: the person implies it)
    taken_off = StepRecord.objects.filter(resident_id__in=outside, done_on__lte=on)
    for (commune_id, step), v in _minus(every, _step_counts(taken_off)).items():
        by_step[step][commune_id] = v["n"]
    for key, step in STEP_INDICATORS.items():
        out[key] = dict(by_step[step])


def _visit_counts(qs: QuerySet[FollowUpVisit], on: dt.date) -> dict[Any, dict[str, int]]:
    """One pass over the visits, grouped in the order of the covering index `visit_by_commune` (commune, round,
    outcome): how many, how many within their window, how many with the window still open on the date, and how
    many are the person's last visit by the date (not yet superseded by a later round, `superseded_on`)."""
    return _grouped(
        qs.filter(visited_on__lte=on)
        .values("commune_id", "days", "outcome")
        .annotate(
            n=Count("id"),
            in_time=Count("id", filter=Q(visited_on__lte=F("window_closes_on"))),
            window_open=Count("id", filter=Q(window_closes_on__gte=on)),
            latest=Count("id", filter=Q(superseded_on__isnull=True) | Q(superseded_on__gt=on)),
        ),
        "commune_id",
        "days",
        "outcome",
    )


def _kept_visits(kept: tallies.Tallies) -> dict[Any, dict[str, int]]:
    """`_visit_counts` from the tallies: visits made by the date; within their window; within a window still open
    (in time, less those whose window shut by the date); the person's last (made, less those superseded)."""
    out: dict[Any, dict[str, int]] = {}
    for (scope, key), n in kept.items():
        if key.startswith("visit:"):
            _, days, outcome = key.split(":")
            rest = f"{days}:{outcome}"
            in_time = kept.get((scope, f"in_time:{rest}"), 0)
            out[scope, int(days), outcome] = {
                "n": n,
                "in_time": in_time,
                "window_open": in_time - kept.get((scope, f"shut:{rest}"), 0),
                "latest": n - kept.get((scope, f"superseded:{rest}"), 0),
            }
    return out


def _visits(programme: Programme, on: dt.date, outside: Any, out: Counts, kept: tallies.Tallies | None) -> None:
    made = _minus(
        _kept_visits(kept)
        if kept is not None
        else _visit_counts(FollowUpVisit.objects.filter(programme=programme), on),
        _visit_counts(FollowUpVisit.objects.filter(resident_id__in=outside), on),
    )
    days = list(programme.followup_days)
    for name in ("on_time", "visited_open", "visited_closed"):
        out[name] = defaultdict(int)
    last: dict[str, dict[int, int]] = {o: defaultdict(int) for o in FollowUpVisit.Outcome.values}
    for (commune_id, round_days, outcome), v in made.items():
        last[outcome][commune_id] += v["latest"]
        if round_days in days:  # rounds of the programme's current schedule
            out["on_time"][commune_id] += v["in_time"]
            out["visited_open"][commune_id] += v["window_open"]
            out["visited_closed"][commune_id] += v["n"] - v["window_open"]
    out["visited"] = {
        c: sum(last[o].get(c, 0) for o in last) for c in out["holders"].keys() | set().union(*last.values())
    }
    out["still_using"] = dict(last["using"])
    out["gone"] = {c: last["sold"].get(c, 0) + last["lost"].get(c, 0) for c in out["visited"]}


def _money(programme: Programme, on: dt.date, out: Counts) -> None:
    gifts = {
        r["earmark_id"]: int(r["n"] or 0)
        for r in fundraising.live_gifts(programme, on).values("earmark_id").annotate(n=Sum("amount"))
    }
    out["received_earmarked"] = {c: n for c, n in gifts.items() if c is not None}
    out["received_all"] = {0: sum(gifts.values())}
    spent = {
        r["earmark_id"]: int(r["n"] or 0)
        for r in PurchaseOrder.objects.filter(spent_by(on), programme=programme)
        .values("earmark_id")
        .annotate(n=Sum(F("quantity") * F("unit_price")))
    }
    out["spent_earmarked"] = {c: n for c, n in spent.items() if c is not None}
    out["spent_all"] = {0: sum(spent.values())}


def _counts(
    programme: Programme, on: dt.date, per_event: dict[int, tuple[int, int]], kept: tallies.Tallies | None
) -> Counts:
    """All numerators and denominators per commune id, from the tallies (`kept`) or, with `kept=None`, from the
    facts (the check's reference): a few grouped queries either way.

    Steps and visits count only for people holding a phone on the date. Rather than join a million rows to the
    handovers, each count is taken over the whole programme (a tally, or an index alone) and the counts of the few
    people who held a phone but gave it back by the date are taken off. Nobody handed a phone after the date has a
    step or a visit dated by then: `steps_record` and `followup_record` refuse a date before the first handover."""
    out: Counts = {}
    _holders(programme, on, per_event, out)
    outside = _outside(programme, on)
    _steps(programme, on, outside, out, kept)
    _visits(programme, on, outside, out, kept)
    _money(programme, on, out)
    return out


@dataclasses.dataclass
class _Figures:
    """The raw figures of one unit, summed over its communes."""

    adults: int = 0
    lacking: int = 0
    holders: int = 0
    gone: int = 0
    visited: int = 0
    still_using: int = 0
    steps: dict[str, int] = dataclasses.field(default_factory=dict)
    rounds_due: int = 0
    on_time: int = 0
    overdue: int = 0
    received: int = 0
    spent: int = 0

    def add(self, other: _Figures) -> None:
        for field in dataclasses.fields(self):
            if field.name == "steps":
                for k, v in other.steps.items():
                    self.steps[k] = self.steps.get(k, 0) + v
            else:
                setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _figures(commune: ProgrammeCommune, counts: dict[str, dict[int, int]]) -> _Figures:
    c = commune.pk
    closed = counts["rounds_closed"].get(c, 0)
    return _Figures(
        adults=commune.adult_population,
        lacking=commune.baseline_without_smartphone,
        holders=counts["holders"].get(c, 0),
        gone=counts["gone"].get(c, 0),
        visited=counts["visited"].get(c, 0),
        still_using=counts["still_using"].get(c, 0),
        steps={k: counts[k].get(c, 0) for k in STEP_INDICATORS},
        rounds_due=closed + counts["visited_open"].get(c, 0),
        on_time=counts["on_time"].get(c, 0),
        overdue=max(0, closed - counts["visited_closed"].get(c, 0)),
        received=counts["received_earmarked"].get(c, 0),
        spent=counts["spent_earmarked"].get(c, 0),
    )


def _indicators(f: _Figures, programme: Programme, coverage_target: float) -> dict[str, Indicator]:
    t = programme.target
    owners = f.adults - f.lacking + f.holders - f.gone
    out = {
        "smartphone_coverage": Indicator(owners, f.adults, coverage_target),
        "handover_progress": Indicator(f.holders, f.lacking, t("handover_progress")),
        "funds_received": Indicator(f.received, f.lacking * programme.phone_package_price, t("funds_received")),
        "funds_spent": Indicator(f.spent, f.received, t("funds_spent")),
    }
    for key in STEP_INDICATORS:
        out[key] = Indicator(f.steps.get(key, 0), f.holders, t(key))
    out["still_using"] = Indicator(f.still_using, f.visited, t("still_using"))
    out["followup_on_time"] = Indicator(f.on_time, f.rounds_due, t("followup_on_time"))
    return out


def compute(
    programme: Programme,
    on: dt.date | None = None,
    communes: Iterable[ProgrammeCommune] | None = None,
    *,
    from_facts: bool = False,
) -> Report:
    """The indicators of the given communes (default: all the programme's) on a date (default: `Programme.as_of()`).
    The programme totals are over all its communes, with the programme-wide money (general and earmarked).
    Counts over people come from the tallies the database keeps (`reports.tallies`); `from_facts`: recounted from
    the handovers, steps and visits themselves (`phocap kpi-check` compares the two)."""
    on = on or programme.as_of()
    every = list(programme.communes.select_related("unit").order_by("unit__code"))
    shown = {c.pk for c in communes} if communes is not None else {c.pk for c in every}
    kept = None if from_facts else tallies.on(programme.pk, on)
    per_event = _handovers_from_facts(programme, on) if kept is None else handovers_per_event(programme, on, kept)
    counts = _counts(programme, on, per_event, kept)
    figures = {c.pk: _figures(c, counts) for c in every}
    units = [
        Unit(
            c.code,
            c.unit.name,
            _indicators(figures[c.pk], programme, float(c.target_percent)),
            figures[c.pk].overdue,
            figures[c.pk].holders,
        )
        for c in every
        if c.pk in shown
    ]
    total = _Figures()
    for f in figures.values():
        total.add(f)
    total.received, total.spent = counts["received_all"][0], counts["spent_all"][0]
    totals = Unit(
        programme.code,
        programme.name,
        _indicators(total, programme, float(programme.target_percent)),
        total.overdue,
        total.holders,
    )
    return Report(programme, on, units, totals, _organisations(programme, on, every, figures), per_event)


def _organisations(
    programme: Programme, on: dt.date, every: list[ProgrammeCommune], figures: dict[int, _Figures]
) -> list[dict[str, Any]]:
    """Per responsible department and enterprise partner: their communes (assignments standing on the date)
    together; money per organisation is what was earmarked for those communes."""
    by_org: dict[int, dict[str, Any]] = {}
    codes = {c.pk: c.code for c in every}
    for organisation_id, key, name, role, commune_id in (
        Assignment.objects.filter(commune__programme=programme)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__date__gt=on))
        .order_by("role", "organisation__name")
        .values_list("organisation_id", "organisation__key", "organisation__name", "role", "commune_id")
    ):
        entry = by_org.setdefault(
            organisation_id, {"key": key, "name": name, "role": role, "communes": [], "_f": _Figures(), "_seen": set()}
        )
        if commune_id not in entry["_seen"]:
            entry["_seen"].add(commune_id)
            entry["communes"].append(codes[commune_id])
            entry["_f"].add(figures[commune_id])
    out = []
    for entry in by_org.values():
        f = entry.pop("_f")
        del entry["_seen"]
        entry["indicators"] = {
            k: v.as_dict() for k, v in _indicators(f, programme, float(programme.target_percent)).items()
        }
        entry["overdue_followups"] = f.overdue
        out.append(entry)
    return out
