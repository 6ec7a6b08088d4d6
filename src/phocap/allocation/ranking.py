"""A round ranked and written by the database itself (issue #18): one `INSERT … SELECT` with window functions.

`engine.rank_and_select` is the rule, in Python, and stays the reference; this is the same rule in SQL, so that a
national round neither reads a million people into Python nor writes a million placements back through it:

* order within each commune: the group's place in the policy, older first (the 1st of July of the year when only
  the year is known), then the public lottery `sha256("<seed>:<resident id>")` as hexadecimal text — SQLite
  calls a function registered on its connection (`phocap_sha256`), PostgreSQL its own `sha256()`, compared byte by
  byte (`COLLATE "C"`), as Python compares the strings;
* one phone per household: only a household's first member in that order can be chosen, and the n-th such first
  member is chosen while n ≤ the commune's quota (`engine.fair_split`) — which is what the one-by-one walk of the
  engine does when no duplicate pair is in play (a later member is refused "hết máy" when the quota is spent by
  then, else "hộ đã có người được chọn");
* each placement's one-line reason, built from the same words (`engine.GROUPS`, the flags' names).

When an undecided pair of possible duplicates has both people eligible, the walk depends on who was chosen before
(at most one of the two), so that round is ranked by the engine (`services._compute_in_python`).
`tests/allocation/test_ranking.py` proves the two give the same placements, with Hypothesis."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection

from phocap.allocation import engine
from phocap.allocation.models import Round
from phocap.registry.models import PriorityFlag

# bit of each priority flag in a person's mask; group 5 names them in this (alphabetical) order, as `_reason` does
FLAG_BITS = {"disability": 4, "elderly_alone": 8, "merit": 1, "prestigious": 16, "social_policy": 2}
NO_PHONE_LEFT = "hết máy"
HOUSEHOLD_CHOSEN = "hộ đã có người được chọn trong đợt này"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _what(policy_order: list[int]) -> str:
    """The reason's first words: the group's short name, or (group 5) the person's flags by name."""
    names = {kind: str(PriorityFlag.Kind(kind).label) for kind in FLAG_BITS}
    by_mask = []
    for mask in range(1, 32):
        kinds = sorted(k for k, bit in FLAG_BITS.items() if mask & bit)
        by_mask.append(f"WHEN {mask} THEN {_literal(', '.join(names[k] for k in kinds))}")
    flags = f"CASE mask {' '.join(by_mask)} ELSE 'Người dân' END"
    shorts = " ".join(f"WHEN {g} THEN {_literal(engine.GROUPS[g].short or 'Người dân')}" for g in engine.GROUPS)
    return f"CASE WHEN grp = 5 THEN {flags} ELSE CASE grp {shorts} END END"


def _people(vendor: str, policy_order: list[int], reference: Any) -> tuple[str, str]:
    """Each eligible person (`e`): a common table `p` (birth, lottery, age, poverty, flags as a mask) and the
    query over it adding their group and its place in the policy."""
    bits = " + ".join(f"{bit} * MAX(CASE WHEN kind = '{kind}' THEN 1 ELSE 0 END)" for kind, bit in FLAG_BITS.items())
    poor = "pov IN ('poor', 'near_poor')"
    group = (
        f"CASE WHEN {poor} AND (mask & 1) = 1 THEN 1 WHEN {poor} AND (mask & 2) = 2 THEN 2 "
        "WHEN pov = 'poor' THEN 3 WHEN pov = 'near_poor' THEN 4 WHEN mask > 0 THEN 5 ELSE 6 END"
    )
    place = " ".join(f"WHEN {g} THEN {i}" for i, g in enumerate(policy_order, 1))
    if vendor == "postgresql":
        born = "COALESCE(r.birth_date, make_date(r.birth_year, 7, 1))"
        lottery = "encode(sha256(convert_to(%s || ':' || r.id::text, 'UTF8')), 'hex') COLLATE \"C\""
        month_day = "to_char(r.birth_date, 'MM-DD')"
    else:
        born = "COALESCE(r.birth_date, printf('%%04d-07-01', r.birth_year))"
        lottery = "phocap_sha256(%s || ':' || CAST(r.id AS TEXT))"
        month_day = "strftime('%%m-%%d', r.birth_date)"
    later = f"CASE WHEN r.birth_date IS NOT NULL AND {month_day} > '{reference:%m-%d}' THEN 1 ELSE 0 END"
    # numbers only: the sorts carry no text (the reason's words are joined once everything is ranked); each person's
    # flags looked up once, by their index, in a materialised step (inlined, PostgreSQL ran the lookup once for
    # every mention of the mask, and a joined aggregate was scanned again for every person)
    people = (
        f"p AS MATERIALIZED (SELECT r.id, r.commune_id, r.household_id, {born} AS born, {lottery} AS lot, "
        f"{reference.year} - r.birth_year - {later} AS age, COALESCE(h.poverty_status, 'none') AS pov, "
        f"COALESCE((SELECT {bits} FROM registry_priorityflag f WHERE f.resident_id = r.id), 0) AS mask "
        "FROM registry_resident r JOIN e ON e.id = r.id LEFT JOIN registry_household h ON h.id = r.household_id)"
    )
    return people, f"SELECT g.*, CASE grp {place} END AS ord FROM (SELECT p.*, {group} AS grp FROM p) g"


QUOTA_TABLE = "phocap_round_quota"


def _quotas(vendor: str, quota: dict[int, int]) -> tuple[str, list[Any]]:
    """The communes' quotas as a relation to join: an array pair on PostgreSQL (joined by hash); on SQLite a temporary
    table keyed by commune (a list from `json_each` was scanned again for every person)."""
    communes = sorted(quota)
    if vendor == "postgresql":
        sql = "SELECT * FROM unnest(%s::bigint[], %s::int[]) AS q(commune_id, quota)"
        return sql, [communes, [quota[c] for c in communes]]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {QUOTA_TABLE} (commune_id INTEGER PRIMARY KEY, quota INTEGER)")
        cursor.execute(f"DELETE FROM {QUOTA_TABLE}")
        cursor.executemany(f"INSERT INTO {QUOTA_TABLE} VALUES (%s, %s)", [(c, quota[c]) for c in communes])
    return f"SELECT commune_id, quota FROM {QUOTA_TABLE}", []


def place_in_database(round_: Round, eligible: Any, quota: dict[int, int]) -> int:
    """Write the round's placements (its earlier ones already deleted): `eligible` is the queryset of eligible
    residents. Returns how many were placed."""
    vendor = connection.vendor
    policy = round_.policy
    order = policy.groups["order"]
    eligible_sql, eligible_params = eligible.values("pk").query.sql_with_params()
    quotas, quota_params = _quotas(vendor, quota)
    people, ranked = _people(vendor, order, round_.programme.reference_date)
    chosen = "(first = 1 AND nth <= quota)"
    not_chosen = "'; chưa được chọn: '"
    reason = (
        f"{_what(order)} || ', ' || CAST(age AS TEXT) || ' tuổi — xếp thứ ' || CAST(rank AS TEXT) || '/' "
        "|| CAST(total AS TEXT) "
        f"|| ' tại ' || u.name || CASE WHEN {chosen} THEN '' WHEN nth >= quota THEN {not_chosen} || "
        f"{_literal(NO_PHONE_LEFT)} ELSE {not_chosen} || {_literal(HOUSEHOLD_CHOSEN)} END"
    )
    household = (
        "1"
        if not policy.one_per_household
        else (
            "CASE WHEN household_id IS NULL THEN 1 WHEN row_number() OVER "
            "(PARTITION BY commune_id, household_id ORDER BY ord, born, lot) = 1 THEN 1 ELSE 0 END"
        )
    )
    sql = (
        f"WITH e (id) AS MATERIALIZED ({eligible_sql}), {people} "
        'INSERT INTO allocation_placement (round_id, resident_id, commune_id, "group", rank, "of", selected, reason) '
        f"SELECT %s, s.id, s.commune_id, grp, rank, total, {chosen}, SUBSTR({reason}, 1, 300) FROM ("
        "SELECT o.*, SUM(first) OVER (PARTITION BY o.commune_id ORDER BY rank ROWS UNBOUNDED PRECEDING) AS nth, "
        "COALESCE(q.quota, 0) AS quota FROM ("
        "SELECT k.*, row_number() OVER (PARTITION BY commune_id ORDER BY ord, born, lot) AS rank, "
        f"COUNT(*) OVER (PARTITION BY commune_id) AS total, {household} AS first "
        f"FROM ({ranked}) k"
        f") o LEFT JOIN ({quotas}) q ON q.commune_id = o.commune_id"
        ") s JOIN programmes_programmecommune pc ON pc.id = s.commune_id JOIN geo_adminunit u ON u.id = pc.unit_id"
    )
    params = [*eligible_params, round_.seed, round_.pk, *quota_params]  # in the order the SQL names them
    connection.ensure_connection()
    if vendor == "sqlite":
        connection.connection.create_function("phocap_sha256", 1, _sha256, deterministic=True)
    with connection.cursor() as cursor:
        if vendor == "postgresql":  # the round's sorts in memory (4 MB, the default, sends a province's to disk)
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(sql, params)
        return int(cursor.rowcount)
