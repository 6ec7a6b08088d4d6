"""Benchmark: importing a 100,000-row commune-style list end to end.

    .venv/bin/python bench/registry_import.py [--rows 100000] [--database-url URL]

Generates an XLSX like the demo's commune lists (title row, header, names, birth dates or years, CCCD numbers,
ethnicity, villages, phones) and, in one fresh database per run: (1) the **limit** — only reading the file with
python-calamine plus one raw `executemany` insert of the same rows into a plain table; (2) phocap's import —
parse, validate every cell, encrypt and hash the numbers, deduplicate by number, bulk-write with audit rows;
(3) django-import-export importing the same rows (name, year, sex, village) into the same model, on at most
10,000 of them. Prints rows/s and the ratios measured in the same run.

    .venv/bin/python bench/registry_import.py --memory [--rows 1000000]

Peak memory instead: the list is written as XLSX and as CSV by one process, then each is imported by a fresh
process of its own, which reports its resident set before the import (Django, the migrated database, the file's
bytes) and its peak during it (sampled every 5 ms): what the import itself holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from fresh import run_child


def child(rows: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    import io

    from django.core.management import call_command
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from phocap.core.actors import SYSTEM
    from phocap.programmes.services import programme_init
    from phocap.registry.demo import _rows, _xlsx
    from phocap.registry.importing import import_residents

    call_command("migrate", verbosity=0)
    programme = programme_init(actor=SYSTEM, name_or_path="bac-kan-2023")
    data = _xlsx(_rows(programme, "01870", rows, random.Random(7)))
    out: dict[str, float] = {"bytes": len(data)}

    # the limit: read with calamine, insert the raw cells with one executemany
    t = time.perf_counter()
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[2:]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw (n text, name text, birth text, sex text, idn text, eth text, "
            "village text, phone text)"
        )
        cursor.executemany(
            "INSERT INTO bench_raw VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", [[str(c) for c in r[:8]] for r in table]
        )
    out["limit_s"] = time.perf_counter() - t

    t = time.perf_counter()
    report = import_residents(
        actor=SYSTEM,
        programme=programme,
        data=data,
        filename="bench.xlsx",
        commune_code="01870",
        smartphone_status="lacks",
    )
    out["import_s"] = time.perf_counter() - t
    out.update(
        {"rows": report.rows, "created": report.created, "duplicates": report.duplicates, "rejected": report.rejected}
    )
    t = time.perf_counter()
    again = import_residents(
        actor=SYSTEM,
        programme=programme,
        data=data,
        filename="bench.xlsx",
        commune_code="01870",
        smartphone_status="lacks",
    )
    out["reimport_s"] = time.perf_counter() - t
    out["reimport_created"] = again.created

    # django-import-export importing the same rows (already parsed: it gets its own dataset) into the same model,
    # on a sample of at most 10,000 rows (it is much slower); compared by rate
    import tablib
    from import_export import fields, resources

    from phocap.registry.models import Resident

    commune = programme.communes.get(unit__code="01837")

    class ResidentResource(resources.ModelResource):
        full_name = fields.Field(attribute="full_name", column_name="name")
        birth_year = fields.Field(attribute="birth_year", column_name="year")
        sex = fields.Field(attribute="sex", column_name="sex")
        id_number = fields.Field(attribute="id_number", column_name="idn")
        village = fields.Field(attribute="village", column_name="village")

        class Meta:
            model = Resident
            import_id_fields: tuple[str, ...] = ()
            fields = ("full_name", "birth_year", "sex", "id_number", "village")
            use_bulk = False

        def before_save_instance(self, instance: Resident, row: object, **kwargs: object) -> None:
            instance.programme, instance.commune = programme, commune

    sample = table[: min(len(table), 10_000)]
    dataset = tablib.Dataset(headers=["name", "year", "sex", "idn", "village"])
    for r in sample:
        year = r[2] if isinstance(r[2], float) else int(str(r[2])[-4:])
        dataset.append([r[1], int(year), "M" if r[3] == "Nam" else "F", "", r[6]])
    t = time.perf_counter()
    result = ResidentResource().import_data(dataset, dry_run=False, use_transactions=True)
    out["iie_s"] = time.perf_counter() - t
    out["iie_rows"] = len(sample)
    out["iie_errors"] = len(result.row_errors()) + len(result.invalid_rows)
    print(json.dumps(out))


def write_lists(rows: int, folder: str) -> None:
    """The same generated list as XLSX and as CSV (title row, header, people), in `folder`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    import csv
    from pathlib import Path

    from django.core.management import call_command

    from phocap.core.actors import SYSTEM
    from phocap.programmes.services import programme_init
    from phocap.registry.demo import _rows, _xlsx

    call_command("migrate", verbosity=0)
    programme = programme_init(actor=SYSTEM, name_or_path="bac-kan-2023")
    table = _rows(programme, "01870", rows, random.Random(7))
    Path(folder, "list.xlsx").write_bytes(_xlsx(table))
    with Path(folder, "list.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(["" if c is None else c for c in r] for r in table)
    print(
        json.dumps({"xlsx": Path(folder, "list.xlsx").stat().st_size, "csv": Path(folder, "list.csv").stat().st_size})
    )


def import_for_memory(path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    import gc
    import resource
    import threading
    from pathlib import Path

    from django.core.management import call_command

    from phocap.core.actors import SYSTEM
    from phocap.programmes.services import programme_init
    from phocap.registry.importing import import_residents

    call_command("migrate", verbosity=0)
    programme = programme_init(actor=SYSTEM, name_or_path="bac-kan-2023")
    data = Path(path).read_bytes()
    gc.collect()

    def rss_mb() -> float:  # the resident set now (ru_maxrss is a high-water mark: migrate's own would hide ours)
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20

    before, peak = rss_mb(), [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t = time.perf_counter()
    report = import_residents(
        actor=SYSTEM,
        programme=programme,
        data=data,
        filename=Path(path).name,
        commune_code="01870",
        smartphone_status="lacks",
    )
    seconds = time.perf_counter() - t
    done.set()
    sampler.join()
    out = {"rows": report.rows, "created": report.created, "before_mb": before, "peak_mb": max(peak[0], rss_mb())}
    print(json.dumps(out | {"s": seconds}))


def memory(rows: int, database_url: str | None) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        sizes = run_child(__file__, ["--rows", str(rows), "--write", folder], database_url)
        for fmt in ("csv", "xlsx"):
            r = run_child(__file__, ["--import", os.path.join(folder, f"list.{fmt}")], database_url)
            print(
                f"{fmt.upper():<4} {r['rows']:>10,} rows ({sizes[fmt] / 1e6:6.1f} MB): import {r['s']:6.1f} s, "
                f"resident set {r['before_mb']:6.0f} MB before, peak {r['peak_mb']:6.0f} MB "
                f"(+{r['peak_mb'] - r['before_mb']:.0f} MB)",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--memory", action="store_true", help="peak memory of the import, XLSX and CSV")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--write", help=argparse.SUPPRESS)
    parser.add_argument("--import", dest="import_path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.write:
        write_lists(args.rows, args.write)
        return
    if args.child and args.import_path:
        import_for_memory(args.import_path)
        return
    if args.child:
        child(args.rows)
        return
    if args.memory:
        memory(args.rows, args.database_url)
        return
    r = run_child(__file__, ["--rows", str(args.rows)], args.database_url)
    n = r["rows"]
    print(f"list: {n:,} rows ({r['bytes'] / 1e6:.1f} MB XLSX)")
    print(f"limit (calamine read + raw executemany)  {r['limit_s']:7.2f} s  {n / r['limit_s']:>9,.0f} rows/s")
    print(
        f"phocap import                            {r['import_s']:7.2f} s  {n / r['import_s']:>9,.0f} rows/s  "
        f"= {r['import_s'] / r['limit_s']:.1f}× the limit"
    )
    print(f"  created {r['created']:,}, duplicates {r['duplicates']:,}, rejected {r['rejected']:,}")
    print(f"import again (no-op)                     {r['reimport_s']:7.2f} s  created {r['reimport_created']}")
    iie_rate = r["iie_rows"] / r["iie_s"]
    print(
        f"django-import-export ({r['iie_rows']:,} rows)       {r['iie_s']:7.2f} s  {iie_rate:>9,.0f} rows/s  "
        f"→ phocap is {n / r['import_s'] / iie_rate:.1f}× faster (errors: {r['iie_errors']})"
    )


if __name__ == "__main__":
    main()
