"""Benchmark: loading the whole country's administrative units (both periods and the old → new mapping).

    ./run phocap manage shell -c "" >/dev/null  # (environment ready)
    .venv/bin/python bench/geo_load.py [--database-url URL]

Runs, each in a fresh database of its own: phocap's loader (`geo_load --all`), the same load again (idempotent
re-run), and a baseline that writes the same units one `get_or_create` at a time, as a naive loader would.
Prints seconds and the ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(mode: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from phocap.core.actors import SYSTEM
    from phocap.geo.models import AdminUnit
    from phocap.geo.services import _current_rows, _legacy_rows, geo_load

    call_command("migrate", verbosity=0)
    out: dict[str, float | int] = {}
    if mode == "phocap":
        t = time.perf_counter()
        geo_load(actor=SYSTEM, load_all=True)
        out["first_load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        geo_load(actor=SYSTEM, load_all=True)
        out["reload_s"] = time.perf_counter() - t
    else:  # naive: one query per unit, parents looked up by code
        from django.db import transaction

        from phocap.geo.models import REFORM_2025

        t = time.perf_counter()
        with transaction.atomic():
            for era, rows in (("legacy", _legacy_rows(None)), ("current", _current_rows(None))):
                valid_from, valid_to = (None, REFORM_2025) if era == "legacy" else (REFORM_2025, None)
                era_filter = {"valid_from": valid_from} if valid_from else {"valid_from__isnull": True}
                for row in rows:
                    parent = None
                    if row.parent_key:
                        parent = AdminUnit.objects.get(level=row.parent_key[0], code=row.parent_key[1], **era_filter)
                    AdminUnit.objects.get_or_create(
                        level=row.level,
                        code=row.code,
                        valid_from=valid_from,
                        defaults={"name": row.name, "kind": row.kind, "parent": parent, "valid_to": valid_to},
                    )
        out["first_load_s"] = time.perf_counter() - t
    out["units"] = AdminUnit.objects.count()
    print(json.dumps(out))


def fresh_postgres(url: str, mode: str) -> str:
    """A new empty database named after the given one and the mode, on the same server."""
    import psycopg

    base, _, name = url.rpartition("/")
    fresh = f"{name}_{mode}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        conn.execute(f'CREATE DATABASE "{fresh}"')
    return f"{base}/{fresh}"


def run(mode: str, url: str | None) -> dict[str, float]:
    if url and url.startswith("postgres"):
        url = fresh_postgres(url, mode)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PHOCAP_DATA_DIR": tmp,
            "DATABASE_URL": url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
        }
        result = subprocess.run(
            [sys.executable, __file__, "--child", mode], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server/database name to create fresh databases beside (default: SQLite)",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    ours = run("phocap", args.database_url)
    naive = run("naive", args.database_url)
    print(f"units loaded                     {ours['units']:>8}")
    print(f"naive get_or_create (baseline)   {naive['first_load_s']:8.2f} s   (units only, no mapping)")
    print(
        f"phocap geo load --all            {ours['first_load_s']:8.2f} s   "
        f"{naive['first_load_s'] / ours['first_load_s']:.1f}× faster than the baseline, mapping included"
    )
    print(f"phocap geo load --all, again     {ours['reload_s']:8.2f} s   (idempotent: nothing written)")


if __name__ == "__main__":
    main()
