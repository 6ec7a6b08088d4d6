"""The triggers that keep the indicators' tallies (`reports.models`), the reads the indicators make of them, and the
check that recomputes them from the facts (issue #18).

What is counted, per fact table (`PARTS`): each part is a key, the scope it is counted for (a handover event, a
programme commune), the day it counts from (none: only a total), and when a row counts at all. A row inserted adds
one to each of its parts, a row deleted takes one off, a row updated does both (the old row's parts off, the new
row's on; nothing is written when they cancel).

- handovers, per event: `handed` (every handover, a total); `ended` on the day it was returned, swapped or lost;
- checklist steps, per commune: `step:<step>` on the day it was done;
- follow-up visits, per commune: `visit:<days>:<outcome>` on the day of the visit; `in_time:<days>:<outcome>` for a
  visit made within its window, on its day, and `shut:<days>:<outcome>` for the same visit on the day after its window
  closed (so `in_time − shut` on a date is the visits whose window is still open); `superseded:<days>:<outcome>` on the
  day a later round's visit took over as the person's last (not before the visit's own day).

SQLite fires a trigger per row (it has one writer at a time). PostgreSQL fires one per statement over its transition
tables: one bulk insert of 40,000 steps is one grouped upsert of a few rows, written in key order so that two
statements touching the same rows take their locks in the same order."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection

from phocap.reports.models import TallyDay, TallyTotal


@dataclasses.dataclass(frozen=True)
class Part:
    key: str  # an SQL expression over the row, its columns written {r}column
    scope: str  # the column naming the event or commune
    day: str | None  # an SQL expression; None: counted in the total only
    when: str = "1 = 1"


NEXT_DAY = {"sqlite": "date({r}window_closes_on, '+1 day')", "postgresql": "({r}window_closes_on + 1)"}
# a visit stops being the person's last on the day a later round's visit took over, never before its own day
LAST_UNTIL = {
    "sqlite": "max({r}superseded_on, {r}visited_on)",
    "postgresql": "GREATEST({r}superseded_on, {r}visited_on)",
}
_VISIT = "{r}days || ':' || {r}outcome"


def parts(vendor: str) -> dict[str, list[Part]]:
    in_time = "{r}visited_on <= {r}window_closes_on"
    return {
        "handover_handover": [
            Part("'handed'", "event_id", None),
            Part("'ended'", "event_id", "{r}ended_on", "{r}ended_on IS NOT NULL"),
        ],
        "onboarding_steprecord": [Part("'step:' || {r}step", "commune_id", "{r}done_on")],
        "onboarding_followupvisit": [
            Part(f"'visit:' || {_VISIT}", "commune_id", "{r}visited_on"),
            Part(f"'in_time:' || {_VISIT}", "commune_id", "{r}visited_on", in_time),
            Part(f"'shut:' || {_VISIT}", "commune_id", NEXT_DAY[vendor], in_time),
            Part(f"'superseded:' || {_VISIT}", "commune_id", LAST_UNTIL[vendor], "{r}superseded_on IS NOT NULL"),
        ],
    }


def _rows(table_parts: list[Part], r: str, sign: int, source: str) -> str:
    """The parts of the rows of `source` ("" inside a SQLite row trigger, "FROM <transition table> r" on PostgreSQL,
    "FROM <table> r" to recount), as (p, s, k, d, n) rows."""
    return " UNION ALL ".join(
        f"SELECT {r}programme_id AS p, {r}{part.scope} AS s, {part.key.format(r=r)} AS k, "
        f"{part.day.format(r=r) if part.day else 'NULL'} AS d, {sign} AS n {source} WHERE {part.when.format(r=r)}"
        for part in table_parts
    )


def _upserts(changes: str) -> list[str]:
    """Add the changes (p, s, k, d, n rows) to the tallies, grouped, in key order."""
    return [
        "INSERT INTO reports_tallyday (programme_id, scope_id, key, day, n) "
        f"SELECT p, s, k, d, SUM(n) FROM ({changes}) c WHERE d IS NOT NULL GROUP BY p, s, k, d HAVING SUM(n) <> 0 "
        "ORDER BY p, s, k, d ON CONFLICT (programme_id, scope_id, key, day) "
        "DO UPDATE SET n = reports_tallyday.n + excluded.n",
        "INSERT INTO reports_tallytotal (programme_id, scope_id, key, n) "
        f"SELECT p, s, k, SUM(n) FROM ({changes}) c WHERE 1 = 1 GROUP BY p, s, k HAVING SUM(n) <> 0 "
        "ORDER BY p, s, k ON CONFLICT (programme_id, scope_id, key) "
        "DO UPDATE SET n = reports_tallytotal.n + excluded.n",
    ]


OPS = ("insert", "update", "delete")


def _sqlite(table: str, table_parts: list[Part]) -> list[str]:
    out = []
    for op in OPS:
        changes = " UNION ALL ".join(
            [_rows(table_parts, "NEW.", 1, "")] * (op != "delete")
            + [_rows(table_parts, "OLD.", -1, "")] * (op != "insert")
        )
        body = "; ".join(_upserts(changes))
        out += [
            f'DROP TRIGGER IF EXISTS "{table}_tally_{op}"',
            f'CREATE TRIGGER "{table}_tally_{op}" AFTER {op.upper()} ON "{table}" FOR EACH ROW BEGIN {body}; END',
        ]
    return out


def _postgresql(table: str, table_parts: list[Part]) -> list[str]:
    out = []
    for op in OPS:
        changes = " UNION ALL ".join(
            [_rows(table_parts, "r.", 1, "FROM new_rows r")] * (op != "delete")
            + [_rows(table_parts, "r.", -1, "FROM old_rows r")] * (op != "insert")
        )
        body = "; ".join(_upserts(changes))
        referencing = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
        function = f"{table}_tally_{op}"
        out += [
            f'CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql AS $$ '
            f"BEGIN {body}; RETURN NULL; END; $$",
            f'DROP TRIGGER IF EXISTS "{function}" ON "{table}"',
            f'CREATE TRIGGER "{function}" AFTER {op.upper()} ON "{table}" '
            f"REFERENCING {referencing.get(op, 'OLD TABLE AS old_rows')} "
            f'FOR EACH STATEMENT EXECUTE FUNCTION "{function}"()',
        ]
    return out


def trigger_sql(vendor: str, tables: set[str] | None = None) -> list[str]:
    """The statements that put every tally trigger in place (idempotent); `tables`: only those that exist."""
    write = _sqlite if vendor == "sqlite" else _postgresql
    return [
        statement
        for table, table_parts in parts(vendor).items()
        if tables is None or table in tables
        for statement in write(table, table_parts)
    ]


def backfill_sql(vendor: str) -> list[str]:
    """Tallies for the facts already written (a migration that adds the triggers to a database with data)."""
    every = " UNION ALL ".join(_rows(ps, "r.", 1, f'FROM "{table}" r') for table, ps in parts(vendor).items())
    return _upserts(every)


def drop_sql(vendor: str) -> list[str]:
    out = []
    for table in parts(vendor):
        for op in OPS:
            if vendor == "sqlite":
                out.append(f'DROP TRIGGER IF EXISTS "{table}_tally_{op}"')
            else:
                out += [
                    f'DROP TRIGGER IF EXISTS "{table}_tally_{op}" ON "{table}"',
                    f'DROP FUNCTION IF EXISTS "{table}_tally_{op}"()',
                ]
    return out


# --- reads ------------------------------------------------------------------------------------------------------

Tallies = dict[tuple[int, str], int]  # {(scope id, key): count on the date}


TOTAL_ONLY = "handed"  # the one key counted without a day (`parts`)


def on(programme_id: int, day: dt.date) -> Tallies:
    """Every tally of the programme as it stood at the end of `day`, from whichever side has fewer days to add: the
    totals less the changes after it (for today: the totals alone), or the changes up to it (a date early in the
    programme) plus the totals of the keys kept without a day. Plain cursor reads: at 10,000 communes there are a
    few hundred thousand rows, and a model row each cost more than the database's work."""
    t, d = connection.ops.quote_name(TallyTotal._meta.db_table), connection.ops.quote_name(TallyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(day), MAX(day) FROM {d} WHERE programme_id = %s", [programme_id])
        first, last = (_date(x) for x in cursor.fetchone())
        if last is None or day >= last:
            cursor.execute(f"SELECT scope_id, key, n FROM {t} WHERE programme_id = %s", [programme_id])
            return {(s, k): n for s, k, n in cursor.fetchall()}
        if first is not None and day - first < last - day:  # fewer days before than after
            cursor.execute(
                f"SELECT scope_id, key, SUM(n) FROM {d} WHERE programme_id = %s AND day <= %s GROUP BY scope_id, key",
                [programme_id, day],
            )
            out: Tallies = {(s, k): int(n) for s, k, n in cursor.fetchall()}
            cursor.execute(
                f"SELECT scope_id, key, n FROM {t} WHERE programme_id = %s AND key = %s",
                [programme_id, TOTAL_ONLY],
            )
            out.update({(s, k): n for s, k, n in cursor.fetchall()})
            return out
        cursor.execute(f"SELECT scope_id, key, n FROM {t} WHERE programme_id = %s", [programme_id])
        out = {(s, k): n for s, k, n in cursor.fetchall()}
        cursor.execute(
            f"SELECT scope_id, key, SUM(n) FROM {d} WHERE programme_id = %s AND day > %s GROUP BY scope_id, key",
            [programme_id, day],
        )
        for s, k, after in cursor.fetchall():
            out[s, k] = out.get((s, k), 0) - int(after)
        return out


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# --- the check --------------------------------------------------------------------------------------------------


def recount(programme_id: int) -> tuple[dict[tuple[int, str, dt.date], int], dict[tuple[int, str], int]]:
    """The tallies recomputed from the facts: ({(scope, key, day): n}, {(scope, key): n}), zeros left out."""
    days: dict[tuple[int, str, dt.date], int] = defaultdict(int)
    totals: dict[tuple[int, str], int] = defaultdict(int)
    with connection.cursor() as cursor:
        for table, table_parts in parts(connection.vendor).items():
            rows = _rows(table_parts, "r.", 1, f'FROM "{table}" r')
            cursor.execute(f"SELECT s, k, d, SUM(n) FROM ({rows}) c WHERE p = %s GROUP BY s, k, d", [programme_id])
            for s, k, d, n in cursor.fetchall():
                totals[s, k] += int(n)
                day = _date(d)
                if day is not None:
                    days[s, k, day] += int(n)
    return {k: n for k, n in days.items() if n}, {k: n for k, n in totals.items() if n}


@dataclasses.dataclass
class Check:
    checked_days: int
    checked_totals: int
    differences: list[dict[str, Any]]

    @property
    def agree(self) -> bool:
        return not self.differences


def check(programme_id: int, *, repair: bool = False) -> Check:
    """Compare the tallies with a recount from the facts; `repair`: write the recount in their place (in the
    caller's transaction — the services' `tallies_check`)."""
    days, totals = recount(programme_id)
    kept_days = {
        (s, k, d): n
        for s, k, d, n in TallyDay.objects.filter(programme_id=programme_id).values_list("scope_id", "key", "day", "n")
        if n
    }
    kept_totals = {
        (s, k): n
        for s, k, n in TallyTotal.objects.filter(programme_id=programme_id).values_list("scope_id", "key", "n")
        if n
    }
    differences = [
        {
            "scope": key[0],
            "key": key[1],
            "day": key[2].isoformat(),
            "kept": kept_days.get(key, 0),
            "facts": days.get(key, 0),
        }
        for key in sorted(kept_days.keys() | days.keys(), key=str)
        if kept_days.get(key, 0) != days.get(key, 0)
    ] + [
        {"scope": key[0], "key": key[1], "day": None, "kept": kept_totals.get(key, 0), "facts": totals.get(key, 0)}
        for key in sorted(kept_totals.keys() | totals.keys(), key=str)
        if kept_totals.get(key, 0) != totals.get(key, 0)
    ]
    if repair and differences:
        TallyDay.objects.filter(programme_id=programme_id).delete()
        TallyTotal.objects.filter(programme_id=programme_id).delete()
        TallyDay.objects.bulk_create(
            TallyDay(programme_id=programme_id, scope_id=s, key=k, day=d, n=n) for (s, k, d), n in days.items()
        )
        TallyTotal.objects.bulk_create(
            TallyTotal(programme_id=programme_id, scope_id=s, key=k, n=n) for (s, k), n in totals.items()
        )
    return Check(len(days), len(totals), differences)
