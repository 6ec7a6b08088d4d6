"""`phocap backup --out FILE` and `phocap restore FILE [--force]`: a consistent copy of the whole database while it
is in use, and back.

* SQLite: the online backup API (`sqlite3.Connection.backup`), page by page under the database's own locks — a
  `cp` of a live WAL database can copy a torn state. The copy is an ordinary SQLite file.
* PostgreSQL: `pg_dump -Fc` (one snapshot, custom format) and `pg_restore --clean --if-exists --single-transaction`.

Encrypted fields (identity numbers, tax codes) can only be read back with the same `PHOCAP_FIELD_KEYS`, and looked
up with the same `PHOCAP_HMAC_KEY`: a restore first opens one encrypted value of the backup with the keys it has,
and refuses — before touching the database — when they do not fit. docs/deploy.md is the runbook."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.db import connection

from phocap.core import crypto
from phocap.core.errors import Conflict, ValidationFailed

# rows anywhere in these mean the database is in use: a restore over it needs --force
IN_USE = ("accounts_user", "programmes_programme", "core_auditevent")
# an encrypted value and its keyed hash, to check the keys against the backup
KEY_PROBE = ("registry_resident", "id_number", "id_hash")


def table_counts() -> dict[str, int]:
    """Rows in every table of the live database (what a restore is compared against)."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608 - names from the database itself
            counts[name] = int(cursor.fetchone()[0])
    return counts


def backup(out: Path) -> dict[str, Any]:
    """Write the copy to `out` (through a temporary file beside it: a half-written backup never has its name)."""
    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(handle)
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(temporary)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            _pg("pg_dump", "--format=custom", "--no-owner", f"--file={temporary}", _pg_database())
        os.chmod(temporary, 0o600)
        os.replace(temporary, out)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return {"database": connection.vendor, "file": str(out), "bytes": out.stat().st_size, "tables": table_counts()}


def restore(source: Path, *, force: bool = False) -> dict[str, Any]:
    """Replace the database with the backup. Refuses a database with data in it unless `force`, and a backup the
    configured keys cannot read (nothing is changed then)."""
    source = source.expanduser().resolve()
    if not source.is_file():
        raise ValidationFailed(f"Không có tệp sao lưu {source}.", field="file")
    if not force and any(_has_rows(t) for t in IN_USE):
        raise Conflict(
            "Cơ sở dữ liệu này đang có dữ liệu; khôi phục sẽ xóa hết. Dừng máy chủ và tiến trình nền, rồi chạy lại "
            "với --force nếu chắc chắn.",
            code="database_in_use",
        )
    probe = _sqlite_probe(source) if connection.vendor == "sqlite" else _pg_probe(source)
    _check_keys(probe)
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        connection.close()
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(name)
        try:
            backup_file.backup(live)
        finally:
            live.close()
            backup_file.close()
    else:
        connection.close()
        _pg(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_pg_database()}",
            str(source),
        )
    return {"database": connection.vendor, "file": str(source), "tables": table_counts()}


def _has_rows(table: str) -> bool:
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return False
        cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
        return cursor.fetchone() is not None


def _check_keys(probe: tuple[str, str] | None) -> None:
    if probe is None:
        return  # nothing encrypted in the backup
    encrypted, hashed = probe
    try:
        plain = crypto.decrypt(encrypted)
    except ValueError:
        raise Conflict(
            "Khóa mã hóa hiện tại (PHOCAP_FIELD_KEYS) không mở được dữ liệu trong bản sao lưu: đặt đúng khóa đã dùng "
            "khi sao lưu (xem docs/deploy.md), rồi khôi phục lại. Chưa có gì bị thay đổi.",
            code="wrong_field_keys",
        ) from None
    if hashed and crypto.blind_index(plain) != hashed:
        raise Conflict(
            "Khóa tra cứu (PHOCAP_HMAC_KEY) khác khóa lúc sao lưu: số định danh sẽ không tra được. Đặt đúng khóa, rồi "
            "khôi phục lại. Chưa có gì bị thay đổi.",
            code="wrong_hmac_key",
        )


def _sqlite_probe(source: Path) -> tuple[str, str] | None:
    table, value, hashed = KEY_PROBE
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
        try:
            row = db.execute(f'SELECT "{value}", "{hashed}" FROM "{table}" WHERE "{value}" != "" LIMIT 1').fetchone()  # noqa: S608
        except sqlite3.DatabaseError as exc:
            raise ValidationFailed(f"Tệp không phải bản sao lưu phocap ({exc}).", field="file") from None
    return (str(row[0]), str(row[1])) if row else None


def _pg_probe(source: Path) -> tuple[str, str] | None:
    """The first encrypted value in the dump's data for the probe table (pg_restore prints its COPY block)."""
    table, value, hashed = KEY_PROBE
    text = _pg("pg_restore", "--data-only", f"--table={table}", "--file=-", str(source), capture=True)
    columns: list[str] = []
    for line in text.splitlines():
        if line.startswith("COPY "):
            columns = [c.strip().strip('"') for c in line[line.index("(") + 1 : line.index(")")].split(",")]
            continue
        if columns and line and line != "\\.":
            cells = line.split("\t")
            row = dict(zip(columns, cells, strict=False))
            if row.get(value) not in ("", "\\N", None):
                return row[value], row.get(hashed, "")
    return None


def _pg_database() -> str:
    return str(connection.settings_dict["NAME"])


def _pg(program: str, *args: str, capture: bool = False) -> str:
    executable = shutil.which(program)
    if executable is None:
        raise Conflict(f"Cần chương trình {program} của PostgreSQL (gói postgresql-client).", code="missing_tool")
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(settings.get("PASSWORD") or "")}
    options = [f"--host={settings.get('HOST') or 'localhost'}", f"--port={settings.get('PORT') or 5432}"]
    options += [f"--username={settings['USER']}"] if settings.get("USER") else []
    done = subprocess.run(  # noqa: S603 - a fixed program with our own arguments
        [executable, *options, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Conflict(f"{program} không thành công: {done.stderr.strip()[:500]}", code=f"{program}_failed")
    return done.stdout if capture else ""
