"""Benchmark: importing a generated bank statement of 100,000 lines.

    .venv/bin/python bench/statements.py [--lines 100000] [--layout vietcombank] [--database-url URL]

Generates a statement (XLSX, the given bank's layout) for the demo programme: 70 % transfers carrying a pledge's
reference code inside bank prefixes, 15 % with the walk-in code, 10 % unknown credits, 5 % fee debits. Then, in
one fresh database: the time to only read the file with python-calamine (the fastest reader measured, see
ARCHITECTURE.md) and the time of the full import (parse, fingerprint, match, donations, ledger, audit).
Prints lines/s for both and their ratio; then imports the same file again (idempotent pass).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import time

from fresh import run_child


def build(lines: int, layout: str, account: str, pledge_refs: list[str], walk_in: str) -> bytes:
    from phocap.fundraising.sample_statements import Row, render

    rng = random.Random(2023)
    start = dt.date(2023, 8, 11)
    rows = []
    for i in range(lines):
        day = start + dt.timedelta(days=i * 142 // lines)
        kind = rng.random()
        if kind < 0.70:
            ref = rng.choice(pledge_refs)
            text = rng.choice(
                [
                    f"MBVCB.{rng.randrange(10**9)}.{ref}.CT tu {rng.randrange(10**12)} NGUYEN VAN A",
                    f"{rng.randrange(10**6):06d}.{day:%d%m%y}.101522.CTY X chuyen tien {ref[:3]} {ref[3:]}",
                    f"CT nhanh 247 den: UNG HO {ref.lower()}",
                ]
            )
            amount = rng.choice([100_000, 200_000, 500_000, 1_000_000])
        elif kind < 0.85:
            text, amount = f"MoMo UNG HO {walk_in}", rng.choice([50_000, 100_000, 200_000])
        elif kind < 0.95:
            text, amount = f"UNG HO DIEN THOAI {rng.randrange(10**6)}", rng.choice([150_000, 300_000])
        else:
            text, amount = "Phi dich vu SMS Banking", -11_000
        rows.append(Row(day, f"{5000 + i} - {rng.randrange(10**5)}", amount, text))
    return render(layout, account, rows, fmt="xlsx")


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from python_calamine import CalamineWorkbook

    from phocap.core.actors import SYSTEM
    from phocap.fundraising import services
    from phocap.fundraising.statement_files import parse
    from phocap.fundraising.statements import statement_import
    from phocap.programmes.services import programme_init

    call_command("migrate", verbosity=0)
    programme = programme_init(actor=SYSTEM, name_or_path="bac-kan-2023")
    refs = []
    for n in range(1000):
        donor = services.donor_create(actor=SYSTEM, programme=programme, kind="enterprise", name=f"Công ty {n}")
        refs.append(services.pledge_create(actor=SYSTEM, programme=programme, donor=donor, amount=10**12).reference)
    walk_in = services.walk_in_code_create(actor=SYSTEM, programme=programme).reference
    data = build(args.lines, args.layout, programme.bank_account_number, refs, walk_in)
    out: dict[str, float] = {"bytes": len(data)}

    t = time.perf_counter()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    out["read_only_s"] = time.perf_counter() - t
    out["rows_read"] = len(rows)

    t = time.perf_counter()
    parsed = parse(data, "bench.xlsx")
    out["parse_s"] = time.perf_counter() - t
    out["lines_parsed"] = len(parsed.lines)

    t = time.perf_counter()
    result = statement_import(actor=SYSTEM, programme=programme, data=data, filename="bench.xlsx")
    out["import_s"] = time.perf_counter() - t
    out.update({k: v for k, v in result.as_dict().items() if isinstance(v, int)})

    t = time.perf_counter()
    again = statement_import(actor=SYSTEM, programme=programme, data=data, filename="bench.xlsx")
    out["reimport_s"] = time.perf_counter() - t
    out["reimport_already"] = again.already_imported

    # the public statement over the donations this import created
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    cache.clear()
    t = time.perf_counter()
    assert client.get("/cong-khai/bac-kan-2023/").status_code == 200
    out["public_cold_s"] = time.perf_counter() - t
    t = time.perf_counter()
    assert client.get("/cong-khai/bac-kan-2023/?page=500").status_code == 200
    out["public_warm_s"] = time.perf_counter() - t
    t = time.perf_counter()
    body = b"".join(client.get("/cong-khai/bac-kan-2023/danh-sach.csv").streaming_content)
    out["public_csv_s"] = time.perf_counter() - t
    out["public_csv_rows"] = body.count(b"\n") - 1
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--layout", default="vietcombank")
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    r = run_child(__file__, ["--lines", str(args.lines), "--layout", args.layout], args.database_url)
    n = r["lines"]
    print(f"statement: {n:,} lines ({r['bytes'] / 1e6:.1f} MB XLSX, {args.layout} layout)")
    print(f"read only (python-calamine)  {r['read_only_s']:8.2f} s  {r['rows_read'] / r['read_only_s']:>10,.0f} rows/s")
    print(f"parse (profile, amounts)     {r['parse_s']:8.2f} s  {r['lines_parsed'] / r['parse_s']:>10,.0f} lines/s")
    print(
        f"full import                  {r['import_s']:8.2f} s  {n / r['import_s']:>10,.0f} lines/s   "
        f"= {r['import_s'] / r['parse_s']:.1f}× the parse, {r['import_s'] / r['read_only_s']:.1f}× the read-only time"
    )
    print(f"  matched {r['matched']:,}, review {r['unmatched']:,}, donations {r['donations_created']:,}")
    print(
        f"import again (idempotent)    {r['reimport_s']:8.2f} s  {n / r['reimport_s']:>10,.0f} lines/s   "
        f"({r['reimport_already']:,} already imported, nothing written)"
    )
    print(
        f"public statement over {r['public_csv_rows']:,} gifts: first page (totals computed) "
        f"{r['public_cold_s'] * 1000:.0f} ms, page 500 (totals cached) {r['public_warm_s'] * 1000:.0f} ms, "
        f"CSV download {r['public_csv_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
