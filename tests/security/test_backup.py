"""Backup and restore, as the operator runs them: `phocap backup --out FILE` of a programme in use, `phocap restore
FILE` into a fresh database gives back every table's rows and the ledger's balances; a restore refuses a database
with data (unless --force) and a backup the configured keys cannot read, leaving everything as it was."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid

import psycopg
import pytest

from phocap.registry.samples import messy_list_xlsx

BALANCES = (
    "SELECT a.code, SUM(l.amount) FROM fundraising_journalline l JOIN fundraising_ledgeraccount a "
    "ON a.id = l.account_id GROUP BY a.code ORDER BY a.code"
)


def _fill(cli, url, tmp_path):
    """A province at work: its list imported (identity numbers encrypted) and money received (the ledger)."""
    assert cli("init", database_url=url).returncode == 0
    listing = tmp_path / "ds.xlsx"
    listing.write_bytes(messy_list_xlsx())
    imported = cli(
        "registry", "import", str(listing), "--programme", "bac-kan-2023", "--commune", "01870",
        "--smartphone-status", "lacks", database_url=url,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    for i, amount in enumerate((500_000, 2_000_000, 750_000)):
        cash = cli(
            "fundraising", "cash-add", "--programme", "bac-kan-2023", "--point", "tinh", "--amount", str(amount),
            "--date", "2023-09-12", "--receipt-number", f"PT-{i}", database_url=url,
        )  # fmt: skip
        assert cash.returncode == 0, cash.stderr


def _run_json(cli, *args, url, env=None):
    done = cli(*args, "--json", database_url=url, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _check_round_trip(cli, tmp_path, source, target, fresh, balances):
    file = tmp_path / "phocap.backup"
    made = _run_json(cli, "backup", "--out", str(file), url=source)
    assert made["tables"]["registry_resident"] > 0
    assert made["tables"]["fundraising_journalline"] > 0
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    # the wrong keys are refused before anything is touched
    wrong = cli("restore", str(file), database_url=fresh, env={"PHOCAP_FIELD_KEYS": "not-the-key"})
    assert wrong.returncode == 2
    assert "PHOCAP_FIELD_KEYS" in wrong.stderr
    restored = _run_json(cli, "restore", str(file), url=target)
    assert restored["tables"] == made["tables"]
    assert balances(target) == balances(source)
    again = cli("restore", str(file), database_url=target)
    assert again.returncode == 2
    assert "--force" in again.stderr
    assert _run_json(cli, "restore", str(file), "--force", url=target)["tables"]["registry_resident"] > 0
    # the restored database works: its people's numbers are read back with the keys
    listed = cli("registry", "export", "--programme", "bac-kan-2023", "--format", "csv", database_url=target)
    assert listed.returncode == 0, listed.stderr
    assert "006070012345" in listed.stdout  # decrypted: the keys fit


def _sqlite_balances(url):
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        return db.execute(BALANCES).fetchall()


def test_sqlite_backup_and_restore(cli, tmp_path):
    source, target, fresh = (f"sqlite:///{tmp_path / n}.sqlite3" for n in ("live", "restored", "fresh"))
    _fill(cli, source, tmp_path)
    _check_round_trip(cli, tmp_path, source, target, fresh, _sqlite_balances)
    assert (
        not (tmp_path / "fresh.sqlite3").exists()
        or not sqlite3.connect(tmp_path / "fresh.sqlite3").execute("SELECT name FROM sqlite_master").fetchall()
    )


@pytest.mark.postgres
def test_postgresql_backup_and_restore(cli, tmp_path):
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    names = [f"phocap_bk_{uuid.uuid4().hex[:8]}_{n}" for n in ("live", "restored", "fresh")]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        source, target, fresh = (f"{base}/{n}" for n in names)
        _fill(cli, source, tmp_path)

        def balances(url):
            with psycopg.connect(url) as db:
                return db.execute(BALANCES).fetchall()

        _check_round_trip(cli, tmp_path, source, target, fresh, balances)
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
