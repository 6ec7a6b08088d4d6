"""Database-level guards that Python cannot bypass (raw SQL, admin, shell).

`append_only(table)` returns a migration operation that makes the database refuse UPDATE and DELETE on a
table, on SQLite and PostgreSQL alike. Used for the audit trail now and the ledger in issue #3.

PostgreSQL's TRUNCATE is left to privileges: only the table owner may truncate, and in production the
application's role should not own its tables (see docs/deploy.md). The test suite relies on TRUNCATE to
reset the database between transactional tests.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _forward(table: str) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, 'phocap: {table} is append-only'); END;"
                )
        elif vendor == "postgresql":
            schema_editor.execute(
                f'CREATE OR REPLACE FUNCTION "{table}_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ '
                f"BEGIN RAISE EXCEPTION 'phocap: {table} is append-only'; END; $$;"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                f'FOR EACH STATEMENT EXECUTE FUNCTION "{table}_append_only"();'
            )
        else:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"append-only guard not written for {vendor}")

    return apply


def _backward(table: str) -> Any:
    def revert(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_{op}"')
        elif vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
            schema_editor.execute(f'DROP FUNCTION IF EXISTS "{table}_append_only"()')

    return revert


def append_only(table: str) -> migrations.RunPython:
    return migrations.RunPython(_forward(table), _backward(table), elidable=False)
