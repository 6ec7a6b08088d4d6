"""Probabilistic matching of residents (issue #4, deduplication) with Splink on an in-memory DuckDB.

Pure: records in, scored pairs out; nothing here touches Django, so `bench/dedup.py` runs the very same model
on generated registries and on the FEBRL sets. The model is Fellegi–Sunter as Splink implements it:

- names compared without diacritics (Vietnamese lists often lose them), whole name by Jaro–Winkler, given name
  (the last word, the one people are called by) exactly; birth date exact / same year / within 2 years (lists
  often hold only the year); sex, commune, village, phone, identity-number hash exactly (two *different*
  numbers weigh strongly against);
- candidate pairs from blocking on (given name, birth year), (family name, given name), phone and the whole
  name, so we never compare everyone with everyone;
- u-probabilities estimated by random sampling of the data; m-probabilities start from priors written below
  and are refined by expectation–maximisation when the registry is big enough for it (EM on a few hundred
  rows of one commune is unstable, the priors are not).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

from phocap.core.text import ascii_fold

EM_MINIMUM_RECORDS = 5_000
COLUMNS = ("unique_id", "name", "given", "family", "birth_date", "birth_year", "sex", "commune", "village", "phone")


@dataclasses.dataclass(frozen=True)
class MatchRecord:
    unique_id: int
    full_name: str
    birth_year: int | None
    birth_date: str | None = None  # ISO date, or None when only the year is known
    sex: str | None = None
    commune: str | None = None
    village: str | None = None
    phone: str | None = None
    id_hash: str | None = None


@dataclasses.dataclass(frozen=True)
class ScoredPair:
    a: int
    b: int
    score: float
    evidence: dict[str, float]  # match weight (bits) each field gave: + for alike, − for different


def fold(text: str | None) -> str | None:
    folded = " ".join(ascii_fold(text or "").lower().replace("'", "").split())
    return folded or None


def _table(records: Sequence[MatchRecord]) -> dict[str, list[Any]]:
    table: dict[str, list[Any]] = {c: [] for c in (*COLUMNS, "id_hash")}
    for r in records:
        name = fold(r.full_name) or ""
        words = name.split()
        table["unique_id"].append(r.unique_id)
        table["name"].append(name or None)
        table["given"].append(words[-1] if words else None)
        table["family"].append(words[0] if len(words) > 1 else None)
        table["birth_date"].append(r.birth_date or None)
        table["birth_year"].append(r.birth_year)
        table["sex"].append(r.sex or None)
        table["commune"].append(r.commune or None)
        table["village"].append(fold(r.village))
        table["phone"].append(r.phone or None)
        table["id_hash"].append(r.id_hash or None)
    return table


def _settings(record_count: int) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    birth = cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_date").configure(m_probability=0.6, u_probability=0.0001),
            cll.ExactMatchLevel("birth_year").configure(m_probability=0.3, u_probability=0.015),
            cll.AbsoluteDifferenceLevel("birth_year", 2).configure(m_probability=0.07, u_probability=0.06),
            cll.ElseLevel().configure(m_probability=0.03, u_probability=0.925),
        ],
    )
    # one expected duplicate per ~100 records, among all n(n-1)/2 pairs
    prior = min(0.5, max(1e-9, 0.01 * record_count / max(1, record_count * (record_count - 1) / 2)))
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=[
            cl.NameComparison("name", jaro_winkler_thresholds=[0.95, 0.88]).configure(
                m_probabilities=[0.75, 0.17, 0.06, 0.02], u_probabilities=[0.001, 0.005, 0.04, 0.954]
            ),
            cl.ExactMatch("given").configure(m_probabilities=[0.95, 0.05], u_probabilities=[0.03, 0.97]),
            birth,
            cl.ExactMatch("sex").configure(m_probabilities=[0.97, 0.03], u_probabilities=[0.5, 0.5]),
            cl.ExactMatch("commune").configure(m_probabilities=[0.9, 0.1], u_probabilities=[0.2, 0.8]),
            cl.JaroWinklerAtThresholds("village", [0.9]).configure(
                m_probabilities=[0.8, 0.1, 0.1], u_probabilities=[0.1, 0.05, 0.85]
            ),
            cl.ExactMatch("phone").configure(m_probabilities=[0.9, 0.1], u_probabilities=[0.0001, 0.9999]),
            cl.ExactMatch("id_hash").configure(m_probabilities=[0.98, 0.02], u_probabilities=[0.00001, 0.99999]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given", "birth_year"),
            block_on("family", "given"),
            block_on("family", "birth_date"),
            block_on("birth_date", "village"),
            block_on("phone"),
            block_on("id_hash"),
            block_on("name"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def score_pairs(
    records: Sequence[MatchRecord], *, threshold: float, train: bool | None = None, seed: int = 1
) -> list[ScoredPair]:
    """Every pair of records scoring at least `threshold` (a probability, 0–1), best first."""
    if len(records) < 2:
        return []
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    frame = db_api.register(_table(records))
    linker = Linker(frame, _settings(len(records)), log_level=None)
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if train if train is not None else len(records) >= EM_MINIMUM_RECORDS:
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    weight = math.log2(threshold / (1 - threshold)) if threshold < 1 else 60.0
    predictions = linker.inference.predict(threshold_match_weight=weight)
    pairs = []
    for row in predictions.as_record_list():
        left, right = int(row["unique_id_l"]), int(row["unique_id_r"])
        evidence = {
            k.removeprefix("mw_"): round(float(v), 1)
            for k, v in row.items()
            if k.startswith("mw_") and not k.startswith("mw_tf_") and v is not None
        }
        pairs.append(ScoredPair(min(left, right), max(left, right), float(row["match_probability"]), evidence))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


def records_of(rows: Iterable[dict[str, Any]]) -> list[MatchRecord]:
    return [MatchRecord(**row) for row in rows]
