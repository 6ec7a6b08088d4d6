"""Benchmark: one allocation round at national scale.

    .venv/bin/python bench/allocation.py [--residents 1000000] [--communes 100] [--devices 200000]
                                         [--database-url URL]

Builds, in a fresh database, a programme with `--communes` communes, `--residents` eligible adults (lacking a
phone, with consent, in households with poverty statuses and some priority groups) and `--devices` ready phones,
10 % of them bought with money earmarked for one commune. Then times `allocation.services.round_propose` — read
the eligible, split the devices fairly, rank every commune by the policy and the lottery, write one placement
per person — against the floor: one SQL `SELECT … ORDER BY` over the same candidates (commune, age) read to the
end; and against the write floor: the same candidates ranked and written by one `INSERT … SELECT` into a bare
table shaped like the placements (its unique key and index, no foreign keys). Prints seconds and the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time

from fresh import run_child


def child(residents: int, communes: int, devices: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from stdnum import luhn

    from phocap.allocation import selectors, services
    from phocap.core.actors import SYSTEM
    from phocap.core.queries import insert_many
    from phocap.devices.models import Device, PhoneModel, PurchaseOrder
    from phocap.fundraising import ledger
    from phocap.fundraising.models import JournalEntry, LedgerAccount
    from phocap.geo.models import AdminUnit
    from phocap.programmes.models import Programme, ProgrammeCommune
    from phocap.registry.models import Consent, Household, PriorityFlag, Resident

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    today = dt.date(2023, 10, 1)
    out: dict[str, float | int] = {"residents": residents, "communes": communes, "devices": devices}
    t = time.perf_counter()
    with transaction.atomic():
        province = AdminUnit.objects.create(level="province", code="99", name="Tỉnh thử")
        programme = Programme.objects.create(
            code="bench",
            name="Bench",
            province=province,
            units_as_of=today,
            campaign_start=today,
            campaign_end=today,
            reference_date=today,
        )
        pcs = []
        for i in range(communes):
            unit = AdminUnit.objects.create(level="commune", code=f"9{i:04d}", name=f"Xã thử {i}", parent=province)
            pcs.append(
                ProgrammeCommune.objects.create(
                    programme=programme,
                    unit=unit,
                    adult_population=residents // communes * 3,
                    baseline_without_smartphone=residents // communes,
                )
            )
        now = timezone.now()
        per = residents // communes
        households: list[Household] = []
        for c in pcs:
            households += [
                Household(
                    programme=programme,
                    commune=c,
                    code=f"H{j}",
                    poverty_status=rng.choices(["poor", "near_poor", "none"], [0.25, 0.15, 0.6])[0],
                )
                for j in range(per // 2)
            ]
        insert_many(Household, households)
        ids = list(Household.objects.order_by("pk").values_list("pk", "commune_id"))
        by_commune: dict[int, list[int]] = {}
        for pk, commune_id in ids:
            by_commune.setdefault(commune_id, []).append(pk)
        people = [
            Resident(
                programme=programme,
                commune=c,
                household_id=by_commune[c.pk][j // 2],
                full_name="Người Thử",
                birth_year=rng.randint(1930, 2004),
                smartphone_status="lacks",
                created_at=now,
                updated_at=now,
            )
            for c in pcs
            for j in range(per)
        ]
        insert_many(Resident, people)
        del people
        pks = list(Resident.objects.filter(programme=programme).values_list("pk", flat=True))
        insert_many(
            Consent,
            [Consent(resident_id=pk, purpose="x", given_on=today, method="x", recorded_by="x") for pk in pks],
        )
        insert_many(
            PriorityFlag,
            [
                PriorityFlag(
                    resident_id=pk,
                    kind=rng.choice(["merit", "disability", "elderly_alone"]),
                    source="x",
                    recorded_on=today,
                )
                for pk in pks
                if rng.random() < 0.08
            ],
        )
        model = PhoneModel.objects.create(brand="Bench", model="Phone")  # synthetic set-up, written directly

        def entry_of() -> JournalEntry:
            bank = ledger.account(programme, LedgerAccount.Code.BANK)
            spent = ledger.account(programme, LedgerAccount.Code.SPENT_ON_PHONES)
            return ledger.post(
                programme=programme,
                kind="purchase",
                occurred_on=today,
                memo="bench",
                lines=[(bank, -1), (spent, 1)],
                actor_label="bench",
            )

        entry = entry_of()
        general = PurchaseOrder.objects.create(
            programme=programme,
            supplier_name="x",
            phone_model=model,
            quantity=devices,
            unit_price=1,
            ordered_on=today,
            payment=entry,
            created_by="bench",
        )
        entry2 = entry_of()
        earmarked = PurchaseOrder.objects.create(
            programme=programme,
            supplier_name="x",
            phone_model=model,
            quantity=devices,
            unit_price=1,
            ordered_on=today,
            payment=entry2,
            created_by="bench",
            earmark=pcs[0],
        )
        insert_many(
            Device,
            [
                Device(
                    programme=programme,
                    imei=(body := f"{35 * 10**12 + n:014d}") + luhn.calc_check_digit(body),
                    phone_model=model,
                    source="purchased",
                    purchase_order=earmarked if n % 10 == 0 else general,
                    state="ready",
                    received_at=now,
                )
                for n in range(devices)
            ],
        )
    if connection.vendor == "postgresql":  # as autovacuum leaves a database in use: planned with statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out["setup_s"] = round(time.perf_counter() - t, 1)

    # the floor: the candidates ordered by commune and age, read to the end
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, commune_id, household_id, birth_year FROM registry_resident WHERE programme_id = %s "
            "AND smartphone_status = 'lacks' ORDER BY commune_id, birth_year, id",
            [programme.pk],
        )
        rows = cursor.fetchall()
    out["floor_s"] = round(time.perf_counter() - t, 2)
    out["floor_rows"] = len(rows)
    del rows

    # the write floor: one placement-shaped row per candidate written by INSERT … SELECT into a table with the same
    # columns, the same unique key and index, and no foreign keys — what writing the round costs at the least
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_placement (id integer PRIMARY KEY, round_id integer, resident_id integer, "
            "commune_id integer, grp integer, rank integer, of integer, selected boolean, reason varchar(300))"
        )
        cursor.execute("CREATE UNIQUE INDEX bench_placement_once ON bench_placement (round_id, resident_id)")
        cursor.execute("CREATE INDEX bench_placement_rank ON bench_placement (round_id, commune_id, rank)")
        cursor.execute(
            "INSERT INTO bench_placement (id, round_id, resident_id, commune_id, grp, rank, of, selected, reason) "
            "SELECT id, 1, id, commune_id, 1, ROW_NUMBER() OVER (PARTITION BY commune_id ORDER BY birth_year, id), "
            "0, false, '' FROM registry_resident WHERE programme_id = %s AND smartphone_status = 'lacks'",
            [programme.pk],
        )
        cursor.execute("DROP TABLE bench_placement")
    out["write_floor_s"] = round(time.perf_counter() - t, 2)

    if os.environ.get("PHOCAP_BENCH_ENGINE"):  # the engine's walk in Python, for comparison
        services.ranking.place_in_database = lambda round_, eligible, quota: services._compute_in_python(
            round_, programme, []
        )
    profile = None
    if os.environ.get("PHOCAP_BENCH_PROFILE"):  # where the round's time goes, on stderr
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    t = time.perf_counter()
    round_ = services.round_propose(actor=SYSTEM, programme=programme, seed="bench")
    out["round_s"] = round(time.perf_counter() - t, 2)
    if profile is not None:
        import pstats
        import sys

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    summary = selectors.round_summary(round_)
    out["selected"] = summary["selected"]
    out["ratio"] = round(out["round_s"] / max(out["floor_s"], 1e-9), 1)

    # approval by another manager: a ready phone kept for each person chosen (moved to their commune first)
    from phocap.accounts.models import Membership, Role, User

    checker = User.objects.create(username="checker")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=programme)
    t = time.perf_counter()
    services.round_approve(actor=checker, round_=round_)
    out["approve_s"] = round(time.perf_counter() - t, 2)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--engine", action="store_true", help="rank with the engine's walk in Python instead")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.residents, args.communes, args.devices)
        return
    data = run_child(
        __file__,
        ["--residents", str(args.residents), "--communes", str(args.communes), "--devices", str(args.devices)],
        args.database_url,
        **({"PHOCAP_BENCH_ENGINE": "1"} if args.engine else {}),
    )
    print(
        f"{data['residents']:,} eligible residents in {data['communes']} communes, {data['devices']:,} ready "
        f"devices (10 % earmarked) — set-up {data['setup_s']} s\n"
        f"floor (SELECT … ORDER BY, {data['floor_rows']:,} rows)   {data['floor_s']:8.2f} s\n"
        f"write floor (INSERT … SELECT, ranked, no FKs)  {data['write_floor_s']:8.2f} s\n"
        f"allocation round (propose)                  {data['round_s']:8.2f} s  = {data['ratio']}× the floor, "
        f"{data['selected']:,} selected, "
        f"{data['round_s'] / max(data['write_floor_s'], 1e-9):.1f}× the write floor\n"
        f"approval (a phone kept for each person)    {data['approve_s']:8.2f} s"
    )


if __name__ == "__main__":
    main()
