"""Benchmark: the indicators dashboard on a national-scale registry.

    .venv/bin/python bench/dashboard.py [--residents 1000000] [--communes 100] [--donations 100000]
                                        [--holders 200000] [--runs 9] [--database-url URL]

Builds, in a fresh database, a programme with `--communes` communes and `--residents` adults in the registry,
`--donations` gifts (cash at a collection point, each with its balanced ledger entry; a fifth earmarked for a
commune; 1 % reversed), one purchase order per commune, and `--holders` people who received a phone at one of
five handover events per commune (with device, reservation and handover rows; 1 % given back), their onboarding
checklists (about half the steps done) and their follow-up visits (most rounds visited, some late, a few phones
sold or lost), and ten responsible departments.

Then times, as the median of `--runs` after one warm-up:
- the dashboard page `/p/bench/chi-so/` rendered for a signed-in manager through Django's test client (every
  query, the SVG charts and the template);
- `indicators.compute` alone (from the tallies the database keeps), and `indicators.compute(from_facts=True)`
  (counting the facts: what the dashboard did before the tallies) — and whether both give the same figures;
- the floor: the bare aggregate SQL the indicators rest on — holders per commune, checklist steps per commune and
  step, gifts per earmark — written by hand and run through the database cursor.
Prints milliseconds and the ratio of the dashboard to the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time
from collections.abc import Iterator

from fresh import run_child

AS_OF = dt.date(2023, 12, 31)


def child(residents: int, communes: int, donations: int, holders: int, runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models.expressions import DatabaseDefault
    from django.test import Client
    from django.utils import timezone
    from stdnum import luhn

    from phocap.accounts.models import User
    from phocap.allocation.models import PriorityPolicy, Reservation, Round
    from phocap.core.queries import insert_many, insert_rows
    from phocap.devices.models import Device, PhoneModel, PurchaseOrder
    from phocap.fundraising import ledger
    from phocap.fundraising.models import Donation, LedgerAccount
    from phocap.geo.models import AdminUnit
    from phocap.handover.models import Handover, HandoverEvent
    from phocap.onboarding.models import FollowUpVisit, Step, StepRecord
    from phocap.programmes.models import Assignment, CollectionPoint, Organisation, Programme, ProgrammeCommune
    from phocap.registry.models import Resident
    from phocap.reports import indicators

    call_command("migrate", verbosity=0)
    rng = random.Random(11)
    start = dt.date(2023, 8, 11)
    out: dict[str, float | int | str] = {
        "database": connection.vendor,
        "residents": residents,
        "communes": communes,
        "donations": donations,
        "holders": holders,
    }
    t = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        province = AdminUnit.objects.create(level="province", code="99", name="Tỉnh thử")
        programme = Programme.objects.create(
            code="bench",
            name="Bench",
            province=province,
            units_as_of=start,
            campaign_start=start,
            campaign_end=AS_OF,
            reference_date=start,
            ends_on=AS_OF,
            status="distributing",
        )
        per = residents // communes
        pcs = [
            ProgrammeCommune.objects.create(
                programme=programme,
                unit=AdminUnit.objects.create(level="commune", code=f"9{i:04d}", name=f"Xã thử {i}", parent=province),
                adult_population=per + per // 3,
                baseline_without_smartphone=per,
            )
            for i in range(communes)
        ]
        for d in range(10):
            org = Organisation.objects.create(key=f"so-{d}", name=f"Sở thử {d}", kind="department")
            for c in pcs[d::10]:
                Assignment.objects.create(commune=c, organisation=org, role="department")
        # residents as plain rows (`insert_rows`: COPY on PostgreSQL) from one template: at 10,000,000 people a model
        # instance each was the bench's own bottleneck, not the database's
        names = [f.attname for f in Resident._meta.concrete_fields if not f.primary_key]
        template = Resident(
            programme=programme,
            full_name="Người Thử",
            birth_year=1970,
            smartphone_status="lacks",
            created_at=now,
            updated_at=now,
        )
        base = [
            f.db_default if isinstance(getattr(template, f.attname), DatabaseDefault) else getattr(template, f.attname)
            for f in Resident._meta.concrete_fields
            if not f.primary_key
        ]
        at = {n: i for i, n in enumerate(names)}

        def people() -> Iterator[list[object]]:
            for c in pcs:
                for j in range(per):
                    row = base.copy()
                    row[at["commune_id"]], row[at["village"]] = c.pk, f"Thôn {j % 12 + 1}"
                    row[at["birth_year"]] = rng.randint(1930, 2004)
                    yield row

        insert_rows(Resident, names, people(), batch_size=20_000)
        out["setup_residents_s"] = round(time.perf_counter() - t, 1)

        # gifts: a balanced entry each (lines, then the entry), then the donation rows
        bank = ledger.account(programme, LedgerAccount.Code.BANK)
        # gifts are counted at collection points (a bank transfer would need its statement line too), one per commune
        # as in a real drive: the cash guard sums a point's lines for each entry posted (no point goes below zero)
        points = [
            CollectionPoint.objects.create(programme=programme, key=f"bench-{i}", name=f"Điểm thu {i}", kind="commune")
            for i in range(len(pcs))
        ]
        cash_of = {p.pk: ledger.account(programme, LedgerAccount.Code.CASH, point=p) for p in points}
        general = ledger.account(programme, LedgerAccount.Code.UNRESTRICTED)
        earmarked = {c.pk: ledger.account(programme, LedgerAccount.Code.EARMARKED, commune=c) for c in pcs}
        days = (AS_OF - start).days
        for first in range(0, donations, 5000):
            built, rows = [], []
            for _ in range(first, min(donations, first + 5000)):
                amount = rng.choice([100_000, 200_000, 500_000, 2_000_000, 10_000_000])
                commune = rng.choice(pcs) if rng.random() < 0.2 else None
                fund = earmarked[commune.pk] if commune else general
                on = start + dt.timedelta(days=rng.randrange(days))
                point = rng.choice(points)
                cash = cash_of[point.pk]
                lines, entry = ledger.build(
                    programme=programme,
                    kind="donation",
                    occurred_on=on,
                    memo="bench",
                    lines=[(cash, amount), (fund, -amount)],
                    actor_label="bench",
                )
                built.append((lines, entry))
                rows.append(
                    Donation(
                        programme=programme,
                        channel="cash",
                        collection_point=point,
                        amount=amount,
                        received_on=on,
                        receipt_year=on.year,
                        earmark=commune,
                        entry_id=entry.id,
                        reversed_at=now if rng.random() < 0.01 else None,
                        created_at=now,
                    )
                )
            ledger.post_many(built)
            Donation.objects.bulk_create(rows, batch_size=2000)  # UUID entry ids need the field conversion
        model = PhoneModel.objects.create(brand="Bench", model="Phone")  # synthetic set-up, written directly
        orders = {}
        for c in pcs:
            entry = ledger.post(
                programme=programme,
                kind="purchase",
                occurred_on=dt.date(2023, 9, 20),
                memo="bench",
                lines=[(bank, -1), (ledger.account(programme, LedgerAccount.Code.SPENT_ON_PHONES), 1)],
                actor_label="bench",
            )
            orders[c.pk] = PurchaseOrder.objects.create(
                programme=programme,
                supplier_name="x",
                phone_model=model,
                quantity=holders // communes + 1,
                unit_price=1_900_000,
                earmark=c,
                ordered_on=dt.date(2023, 9, 20),
                payment=entry,
                created_by="bench",
            )
        out["setup_donations_s"] = round(time.perf_counter() - t, 1)
        if connection.vendor == "postgresql":  # statistics, as autovacuum keeps them on a database in use
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        # recipients: the first `holders` residents, spread over the communes
        policy = PriorityPolicy.objects.create(programme=programme, version=1, groups={"1": "x"}, created_by="bench")
        round_ = Round.objects.create(
            programme=programme, policy=policy, seed="bench", status="approved", proposed_label="bench", devices=holders
        )
        chosen: list[tuple[int, int]] = []
        quota = holders // communes
        for c in pcs:
            chosen += [
                (pk, c.pk)
                for pk in Resident.objects.filter(commune=c).order_by("pk").values_list("pk", flat=True)[:quota]
            ]
        events = {
            c.pk: [
                HandoverEvent.objects.create(
                    programme=programme,
                    commune=c,
                    held_on=dt.date(2023, 10, 2) + dt.timedelta(days=14 * k),
                    place="Nhà văn hóa",
                    created_by="bench",
                )
                for k in range(5)
            ]
            for c in pcs
        }
        insert_many(
            Device,
            [
                Device(
                    programme=programme,
                    imei=(body := f"{35 * 10**12 + n:014d}") + luhn.calc_check_digit(body),
                    phone_model=model,
                    source="purchased",
                    purchase_order=orders[commune_id],
                    state="handed_over",
                    location_id=commune_id,
                    received_at=now,
                )
                for n, (_pk, commune_id) in enumerate(chosen)
            ],
        )
        device_ids = list(Device.objects.filter(programme=programme).order_by("imei").values_list("pk", flat=True))
        insert_many(
            Reservation,
            [
                Reservation(
                    programme=programme,
                    round=round_,
                    resident_id=pk,
                    commune_id=commune_id,
                    device_id=device_ids[n],
                    status="handed_over",
                    created_at=now,
                )
                for n, (pk, commune_id) in enumerate(chosen)
            ],
        )
        reservation_of = dict(Reservation.objects.filter(programme=programme).values_list("resident_id", "pk"))
        handovers, steps, visits = [], [], []
        step_names = [s.value for s in Step]
        grace = dt.timedelta(days=programme.followup_grace_days)
        for n, (pk, commune_id) in enumerate(chosen):
            event = events[commune_id][n % 5]
            ended = event.held_on + dt.timedelta(days=40) if rng.random() < 0.01 else None
            handovers.append(
                Handover(
                    programme=programme,
                    event=event,
                    reservation_id=reservation_of[pk],
                    resident_id=pk,
                    device_id=device_ids[n],
                    id_check="checked",
                    sim_activated=True,
                    confirmation="signature",
                    delivered_by="bench",
                    status="returned" if ended else "current",
                    key=f"bench-{n}",
                    at=now,
                    ended_on=ended,
                )
            )
            for name in step_names:
                if rng.random() < 0.5:
                    steps.append(
                        StepRecord(
                            programme=programme,
                            resident_id=pk,
                            commune_id=commune_id,
                            step=name,
                            done_on=event.held_on + dt.timedelta(days=rng.randrange(60)),
                            recorded_by="bench",
                            recorded_at=now,
                        )
                    )
            mine = []
            for offset in programme.followup_days:
                due = event.held_on + dt.timedelta(days=offset)
                if due <= AS_OF and rng.random() < 0.75:
                    mine.append(
                        FollowUpVisit(
                            programme=programme,
                            handover_id=None,  # set below, once the handovers have ids
                            resident_id=pk,
                            commune_id=commune_id,
                            days=offset,
                            due_on=due,
                            window_closes_on=due + grace,
                            visited_on=due + dt.timedelta(days=rng.randrange(-2, 12)),
                            outcome=rng.choices(["using", "sold", "broken", "lost"], [0.9, 0.04, 0.04, 0.02])[0],
                            recorded_by="bench",
                            recorded_at=now,
                        )
                    )
            for n_visit, visit in enumerate(mine):  # what followup_record keeps: when a later round was visited
                later = [v.visited_on for v in mine[n_visit + 1 :]]
                visit.superseded_on = min(later) if later else None
            visits += mine
        insert_many(Handover, handovers)
        handover_of = dict(Handover.objects.filter(programme=programme).values_list("resident_id", "pk"))
        for visit in visits:
            visit.handover_id = handover_of[visit.resident_id]
        insert_many(StepRecord, steps)
        insert_many(FollowUpVisit, visits)
        out["step_records"], out["followup_visits"] = len(steps), len(visits)
        del handovers, steps, visits
        User.objects.create_superuser("bench", password="bench-not-a-secret")  # noqa: S106 - a throwaway database
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # what autovacuum does after a bulk load: statistics, visibility map
            cursor.execute("VACUUM ANALYZE")
        else:  # what SQLite's automatic checkpoint does after the load's commit (no statistics are gathered)
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out["setup_s"] = round(time.perf_counter() - t, 1)

    def median_ms(fn: object) -> float:
        fn()  # type: ignore[operator]  # warm-up
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append(time.perf_counter() - t0)
        return round(1000 * statistics.median(times), 1)

    client = Client(HTTP_HOST="127.0.0.1")
    manager = User.objects.get(username="bench")
    client.force_login(manager)
    # a manager signs in with a second factor: the session is marked verified as django_otp.login would
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=manager, name="bench", confirmed=True).persistent_id
    session.save()

    def dashboard() -> None:
        response = client.get("/p/bench/chi-so/")
        assert response.status_code == 200, response.status_code
        assert "Xã thử 0".encode() in response.content

    q = connection.ops.quote_name
    handover, event = q(Handover._meta.db_table), q(HandoverEvent._meta.db_table)
    step, gift = q(StepRecord._meta.db_table), q(Donation._meta.db_table)
    floor_sql = [
        (
            f"SELECT e.commune_id, COUNT(DISTINCT h.resident_id) FROM {handover} h JOIN {event} e ON e.id = h.event_id "
            "WHERE h.programme_id = %s AND e.held_on <= %s AND (h.ended_on IS NULL OR h.ended_on > %s) "
            "GROUP BY e.commune_id",
            [programme.pk, AS_OF, AS_OF],
        ),
        (
            f"SELECT commune_id, step, COUNT(*) FROM {step} WHERE programme_id = %s AND done_on <= %s "
            "GROUP BY commune_id, step",
            [programme.pk, AS_OF],
        ),
        (
            f"SELECT earmark_id, SUM(amount) FROM {gift} WHERE programme_id = %s AND received_on <= %s "
            "AND reversed_at IS NULL GROUP BY earmark_id",
            [programme.pk, AS_OF],
        ),
    ]

    def floor() -> None:
        with connection.cursor() as cursor:
            for sql, params in floor_sql:
                cursor.execute(sql, params)
                cursor.fetchall()

    out["dashboard_ms"] = median_ms(dashboard)
    out["compute_ms"] = median_ms(lambda: indicators.compute(programme))
    out["compute_from_facts_ms"] = median_ms(lambda: indicators.compute(programme, from_facts=True))
    out["tallies_agree"] = (
        indicators.compute(programme).as_dict() == indicators.compute(programme, from_facts=True).as_dict()
    )
    out["floor_ms"] = median_ms(floor)
    out["ratio"] = round(float(out["dashboard_ms"]) / max(float(out["floor_ms"]), 1e-6), 1)
    report = indicators.compute(programme)
    out["coverage_percent"] = report.totals.indicators["smartphone_coverage"].percent or 0.0
    out["holders_counted"] = report.totals.holders
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        out["database_mb"] = round(cursor.fetchone()[0] / 2**20)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--donations", type=int, default=100_000)
    parser.add_argument("--holders", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    numbers = ["--residents", str(args.residents), "--communes", str(args.communes)]
    numbers += ["--donations", str(args.donations), "--holders", str(args.holders), "--runs", str(args.runs)]
    if args.child:
        child(args.residents, args.communes, args.donations, args.holders, args.runs)
        return
    data = run_child(__file__, numbers, args.database_url, PHOCAP_ALLOWED_HOSTS="127.0.0.1")
    print(
        f"{data['database']}: {data['residents']:,} residents in {data['communes']} communes, "
        f"{data['donations']:,} donations, {data['holders_counted']:,} holding a phone, "
        f"{data['step_records']:,} checklist steps, {data['followup_visits']:,} follow-up visits "
        f"— set-up {data['setup_s']} s\n"
        f"floor (3 bare aggregate queries)        {data['floor_ms']:9.1f} ms\n"
        f"indicators.compute (tallies)             {data['compute_ms']:9.1f} ms\n"
        f"indicators.compute (counting the facts)  {data['compute_from_facts_ms']:9.1f} ms\n"
        f"dashboard page (median of the runs)      {data['dashboard_ms']:9.1f} ms  = {data['ratio']}× the floor\n"
        f"both ways the same figures: {data['tallies_agree']}; coverage {data['coverage_percent']} %; "
        f"database {data['database_mb']:,} MB"
    )
    print(json.dumps(data))


if __name__ == "__main__":
    main()
