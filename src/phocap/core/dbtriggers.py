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

# Every table whose rows are never changed or removed once written. A migration that rebuilds one of them (SQLite
# rebuilds a table to alter it, dropping its triggers) must not leave it writable: `guard_all` puts every guard
# back after each `migrate`, and tests/security/test_append_only.py checks each table after all migrations.
APPEND_ONLY = (
    "core_auditevent",
    "devices_deviceevent",
    "fundraising_journalentry",
    "fundraising_journalline",
    "fundraising_receipt",
    "complaints_complaintstep",
)
BALANCED = (("fundraising_journalentry", "fundraising_journalline"),)
# accounts whose balance can never be below zero: cash at a collection point and cash on its way to the bank
NON_NEGATIVE = ("cash", "cash_in_transit")
NEGATIVE = "phocap: cash at a collection point cannot go below zero"


def _refuse_if(condition: str, message: str) -> str:
    """A PL/pgSQL statement-trigger body raising `message` when `condition` (an SQL boolean over the transition
    tables) holds. The check runs through EXECUTE, planned anew each time: a static query's plan is cached for the
    session, and one made while the tables were small (a worker started on a young database, a long load inside one
    transaction) kept scanning every line however large the ledger grew (issue #18)."""
    return (
        f"DECLARE bad boolean; BEGIN EXECUTE $check$SELECT {condition}$check$ INTO bad; "
        f"IF bad THEN RAISE EXCEPTION '{message}'; END IF; RETURN NULL; END;"
    )


def _non_negative_sql(vendor: str, *, replace: bool = False) -> list[str]:
    """The guard's statements. The sum over an account's lines is taken only for a cash account (CASE evaluates its
    branch only when the code matches): written as one more AND, SQLite summed the bank account's every line for
    each entry posted — an import of 70,000 transfers read billions of rows (issue #18)."""
    codes = ", ".join(f"'{c}'" for c in NON_NEGATIVE)
    below = (
        "EXISTS (SELECT 1 FROM fundraising_journalline l JOIN fundraising_ledgeraccount a ON a.id = l.account_id "
        f"WHERE l.entry_id = NEW.id AND CASE WHEN a.code IN ({codes}) THEN "
        "(SELECT SUM(t.amount) FROM fundraising_journalline t WHERE t.account_id = l.account_id) < 0 ELSE FALSE END)"
    )
    if vendor == "sqlite":
        drop = ['DROP TRIGGER IF EXISTS "fundraising_cash_never_negative"'] if replace else []
        return [
            *drop,
            'CREATE TRIGGER IF NOT EXISTS "fundraising_cash_never_negative" BEFORE INSERT ON '
            f"\"fundraising_journalentry\" BEGIN SELECT RAISE(ABORT, '{NEGATIVE}') WHERE {below}; END;",
        ]
    # PostgreSQL: once per statement, over the cash accounts its entries touched (see `_balanced_forward`)
    touched = (
        "SELECT DISTINCT l.account_id FROM new_entries e JOIN fundraising_journalline l ON l.entry_id = e.id "
        f"JOIN fundraising_ledgeraccount a ON a.id = l.account_id WHERE a.code IN ({codes})"
    )
    # one grouped join over the accounts touched, not a sum per account: planned inside a long load (no statistics
    # yet) the correlated sum scanned every line for each of 4,000 collection points a batch touched
    below_after = (
        f"EXISTS (SELECT 1 FROM ({touched}) c JOIN fundraising_journalline t ON t.account_id = c.account_id "
        "GROUP BY c.account_id HAVING SUM(t.amount) < 0)"
    )
    return [
        'CREATE OR REPLACE FUNCTION "fundraising_cash_never_negative"() RETURNS trigger LANGUAGE plpgsql AS $$ '
        f"{_refuse_if(below_after, NEGATIVE)} $$;",
        'DROP TRIGGER IF EXISTS "fundraising_cash_never_negative" ON "fundraising_journalentry"',
        'CREATE TRIGGER "fundraising_cash_never_negative" AFTER INSERT ON "fundraising_journalentry" '
        'REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION "fundraising_cash_never_negative"();',
    ]


def cash_never_negative(*, replace: bool = False) -> migrations.RunPython:
    """The balance of a collection point's cash (and of cash on its way to the bank) can never go below zero:
    posting an entry that would leave one negative is refused by the database — the services check first and
    say why in Vietnamese; this is the backstop for anything that bypasses them. `replace`: a migration putting a
    new version in place of an installed one."""

    def apply(apps: Any, schema_editor: Any) -> None:
        for statement in _non_negative_sql(schema_editor.connection.vendor, replace=replace):
            schema_editor.execute(statement)

    def revert(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute('DROP TRIGGER IF EXISTS "fundraising_cash_never_negative"')
        else:
            schema_editor.execute(
                'DROP TRIGGER IF EXISTS "fundraising_cash_never_negative" ON fundraising_journalentry'
            )
            schema_editor.execute('DROP FUNCTION IF EXISTS "fundraising_cash_never_negative"()')

    return migrations.RunPython(apply, revert, elidable=False)


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
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
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


def append_only_lifted(table: str) -> migrations.RunPython:
    """For a migration that must fill a new column of existing rows: the guard off until `append_only(table)`
    later in the same migration puts it back."""
    return migrations.RunPython(_backward(table), _forward(table), elidable=False)


def _balanced_forward(entry_table: str, line_table: str) -> Any:
    unbalanced = "phocap: journal entry does not balance"
    posted = "phocap: journal entry already posted"

    def apply(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{entry_table}_balanced" BEFORE INSERT ON "{entry_table}" '
                f"BEGIN SELECT RAISE(ABORT, '{unbalanced}') WHERE "
                f'(SELECT COUNT(*) FROM "{line_table}" WHERE entry_id = NEW.id) < 2 OR '
                f'(SELECT COALESCE(SUM(amount), 0) FROM "{line_table}" WHERE entry_id = NEW.id) != 0; END;'
            )
            schema_editor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{line_table}_before_entry" BEFORE INSERT ON "{line_table}" '
                f"BEGIN SELECT RAISE(ABORT, '{posted}') WHERE "
                f'EXISTS (SELECT 1 FROM "{entry_table}" WHERE id = NEW.entry_id); END;'
            )
        elif vendor == "postgresql":
            # once per statement, over the rows it inserted (a transition table): a row-level check planned
            # while the tables were empty scanned every line for every entry of a bulk insert (issue #18)
            schema_editor.execute(
                f'CREATE OR REPLACE FUNCTION "{entry_table}_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$ '
                + _refuse_if(
                    f'EXISTS (SELECT 1 FROM new_entries e LEFT JOIN "{line_table}" l ON l.entry_id = e.id '
                    "GROUP BY e.id HAVING COUNT(l.id) < 2 OR COALESCE(SUM(l.amount), 0) <> 0)",
                    unbalanced,
                )
                + " $$;"
            )
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{entry_table}_balanced" ON "{entry_table}"')
            schema_editor.execute(
                f'CREATE TRIGGER "{entry_table}_balanced" AFTER INSERT ON "{entry_table}" '
                f'REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION "{entry_table}_balanced"();'
            )
            schema_editor.execute(
                f'CREATE OR REPLACE FUNCTION "{line_table}_before_entry"() RETURNS trigger LANGUAGE plpgsql AS $$ '
                + _refuse_if(f'EXISTS (SELECT 1 FROM new_lines l JOIN "{entry_table}" e ON e.id = l.entry_id)', posted)
                + " $$;"
            )
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{line_table}_before_entry" ON "{line_table}"')
            schema_editor.execute(
                f'CREATE TRIGGER "{line_table}_before_entry" AFTER INSERT ON "{line_table}" '
                f'REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION "{line_table}_before_entry"();'
            )
        else:  # pragma: no cover
            raise RuntimeError(f"balanced-entry guard not written for {vendor}")

    return apply


def _balanced_backward(entry_table: str, line_table: str) -> Any:
    def revert(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{entry_table}_balanced"')
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{line_table}_before_entry"')
        elif vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{entry_table}_balanced" ON "{entry_table}"')
            schema_editor.execute(f'DROP FUNCTION IF EXISTS "{entry_table}_balanced"()')
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{line_table}_before_entry" ON "{line_table}"')
            schema_editor.execute(f'DROP FUNCTION IF EXISTS "{line_table}_before_entry"()')

    return revert


def balanced_entries(entry_table: str, line_table: str) -> migrations.RunPython:
    """Double-entry guard. Lines are written first, then their entry: inserting the entry checks that it has
    at least two lines summing to zero; a line for an entry that already exists is refused. With the
    line → entry foreign key deferred (Django's default on both databases), a line whose entry never
    arrives fails at commit. So: an entry exists ⇔ it is balanced and complete."""
    return migrations.RunPython(
        _balanced_forward(entry_table, line_table),
        _balanced_backward(entry_table, line_table),
        elidable=False,
    )


def audit_repair(rewrite: Any) -> migrations.RunPython:
    """A one-off repair of rows already in the audit trail (labels that named people, written before labels were
    numbers): the append-only guard is lifted for `rewrite(apps, schema_editor)` and put back in the same
    migration transaction, so no other write can slip through the gap. Nothing else may use it."""

    def apply(apps: Any, schema_editor: Any) -> None:
        _backward("core_auditevent")(apps, schema_editor)
        rewrite(apps, schema_editor)
        _forward("core_auditevent")(apps, schema_editor)

    return migrations.RunPython(apply, migrations.RunPython.noop, elidable=False)


def guard_all(using: str = "default", **_: Any) -> None:
    """After `migrate` (Django's post_migrate signal): every guard in place, whatever a migration rebuilt.
    Idempotent on both databases; tables not created yet (a partial migrate) are left for the next run."""
    from django.db import connections

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    with connection.schema_editor(atomic=True) as editor:
        for table in APPEND_ONLY:
            if table in tables:
                _forward(table)(None, editor)
        for entry_table, line_table in BALANCED:
            if {entry_table, line_table} <= tables:
                _balanced_forward(entry_table, line_table)(None, editor)
        if {"fundraising_journalentry", "fundraising_journalline", "fundraising_ledgeraccount"} <= tables:
            for statement in _non_negative_sql(connection.vendor):
                editor.execute(statement)
