"""Probabilistic matching of residents (issue #4, deduplication; trained and sharpened in #18) with Splink on an
in-memory DuckDB — or on Spark for a national run (`score(…, engine="spark")`, `bench/dedup.py --engine spark`).

Pure: records in, scored pairs out; nothing here touches Django, so `bench/dedup.py` runs the very same model
on generated registries and on the FEBRL sets. The model is Fellegi–Sunter as Splink implements it:

- a name in its three parts, compared without diacritics (lists often lose them): family name, middle name(s)
  and given name (the last word, the one people are called by), each exact — weighed by how common the name is
  (term-frequency adjustment: Nguyễn, Trần, Lê … are a third of all people, "Văn" and "Thị" most middle names) —,
  one typing slip away (Damerau–Levenshtein 1: a letter dropped, two swapped), similar (Jaro–Winkler ≥ 0.88), or
  different;
- birth: the same date, one digit apart, both dates written but different (strong evidence against), the same
  year (a date missing on one side), one year apart, or more;
- sex, commune, village (without its "thôn/bản/tổ …" word, weighed by frequency), phone, and the identity
  number's keyed hash — two *different* numbers weigh strongly against;
- candidate pairs from blocking rules (`BLOCKING`), so nobody is compared with everyone;
- u-probabilities written from Bắc Kạn-like registries and, from `U_SAMPLING_MINIMUM` people on, estimated by
  random sampling of the registry; the prior (how likely two random people are one)
  from the expected share of duplicates; m-probabilities start from written priors and are trained by
  expectation–maximisation on two blocked samples (given name and birth year; family and middle names and
  village), each training the comparisons the other holds fixed.

EM needs a registry of a few thousand people: on one commune's few hundred, Splink 5's EM drives an unseen
level's m-probability to zero and refuses it ("m_probability value 0.0 is below the minimum allowed value") —
what "refused our training rules" was before #18 — and a half-trained model is worse than its priors. So EM runs
from `EM_MINIMUM_RECORDS` on, and a session that fails leaves the model as it was before it (`_train`).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import math
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from phocap.core.text import ascii_fold

log = logging.getLogger(__name__)
EM_MINIMUM_RECORDS = 5_000
U_SAMPLING_MINIMUM = 500  # below, u-probabilities stay the written priors
DUPLICATE_SHARE = 0.05  # the prior: about one person in twenty listed twice (as the generated registries plant)
COLUMNS = (
    "unique_id",
    "name",
    "family",
    "middle",
    "given",
    "birth_date",
    "birth_year",
    "sex",
    "commune",
    "village",
    "phone",
    "id_hash",
)
_VILLAGE_WORD = re.compile(r"^(thon|ban|to dan pho|to|xom|lang|khu|khom|ap)\s+")


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


def fold_village(text: str | None) -> str | None:
    """A village as lists write it, with or without its kind: "Thôn Nà Pài", "Nà Pài" and "NA PAI" are one."""
    folded = fold(text)
    return (_VILLAGE_WORD.sub("", folded) or folded) if folded else None


def _table(records: Sequence[MatchRecord]) -> dict[str, list[Any]]:
    table: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for r in records:
        name = fold(r.full_name) or ""
        words = name.split()
        table["unique_id"].append(r.unique_id)
        table["name"].append(name or None)
        table["family"].append(words[0] if len(words) > 1 else None)
        table["middle"].append(" ".join(words[1:-1]) if len(words) > 2 else None)
        table["given"].append(words[-1] if words else None)
        table["birth_date"].append(r.birth_date or None)
        table["birth_year"].append(r.birth_year)
        table["sex"].append(r.sex or None)
        table["commune"].append(r.commune or None)
        table["village"].append(fold_village(r.village))
        table["phone"].append(r.phone or None)
        table["id_hash"].append(r.id_hash or None)
    return table


def _name_part(column: str, u_exact: float) -> Any:
    """`u_exact`: how often two different people share this part (a few dozen family names, "Văn"/"Thị" for half
    the middle names): the prior a small registry keeps; a big one measures it."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True).configure(
                m_probability=0.85, u_probability=u_exact
            ),
            cll.DamerauLevenshteinLevel(column, 1).configure(m_probability=0.08, u_probability=0.01),
            cll.JaroWinklerLevel(column, 0.88).configure(m_probability=0.03, u_probability=0.03),
            cll.ElseLevel().configure(m_probability=0.04, u_probability=0.96 - u_exact),
        ],
    )


def _birth() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_date").configure(m_probability=0.55, u_probability=0.0001),
            cll.DamerauLevenshteinLevel("birth_date", 1).configure(m_probability=0.02, u_probability=0.0005),
            cll.CustomLevel(
                "birth_date_l IS NOT NULL AND birth_date_r IS NOT NULL AND birth_year_l = birth_year_r",
                "both dates written, the same year, different days",
            ).configure(m_probability=0.01, u_probability=0.012),
            cll.ExactMatchLevel("birth_year").configure(m_probability=0.34, u_probability=0.005),
            cll.AbsoluteDifferenceLevel("birth_year", 1).configure(m_probability=0.06, u_probability=0.03),
            cll.ElseLevel().configure(m_probability=0.02, u_probability=0.9524),
        ],
    )


BLOCKING = (
    ("given", "birth_year"),
    ("family", "given"),
    ("family", "birth_date"),
    ("birth_date", "village"),
    ("phone",),
    ("id_hash",),
    ("commune", "family", "middle", "birth_year"),  # a slip in the given name
    ("commune", "middle", "given", "village"),  # a slip in the family name, the year changed
)


def _settings(record_count: int) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    pairs = max(1, record_count * (record_count - 1) / 2)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=min(0.5, max(1e-12, DUPLICATE_SHARE * record_count / pairs)),
        comparisons=[
            _name_part("family", 0.05),
            _name_part("middle", 0.2),
            _name_part("given", 0.01),
            _birth(),
            cl.ExactMatch("sex").configure(m_probabilities=[0.97, 0.03], u_probabilities=[0.5, 0.5]),
            cl.ExactMatch("commune").configure(m_probabilities=[0.9, 0.1], u_probabilities=[0.2, 0.8]),
            cl.CustomComparison(
                output_column_name="village",
                comparison_levels=[
                    cll.NullLevel("village"),
                    cll.ExactMatchLevel("village", term_frequency_adjustments=True).configure(
                        m_probability=0.85, u_probability=0.05
                    ),
                    cll.JaroWinklerLevel("village", 0.88).configure(m_probability=0.05, u_probability=0.05),
                    cll.ElseLevel().configure(m_probability=0.1, u_probability=0.9),
                ],
            ),
            cl.ExactMatch("phone").configure(m_probabilities=[0.9, 0.1], u_probabilities=[0.0001, 0.9999]),
            cl.ExactMatch("id_hash").configure(m_probabilities=[0.98, 0.02], u_probabilities=[0.00001, 0.99999]),
        ],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in BLOCKING],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def _train(linker: Any, record_count: int, seed: int) -> None:
    """u by random sampling; m by EM on two blocked samples when the registry is big enough (a failing session
    leaves the m-probabilities as they were before it)."""
    from splink import block_on

    if record_count < U_SAMPLING_MINIMUM:  # too few pairs to measure: the written priors stay
        return
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    if record_count < EM_MINIMUM_RECORDS:
        return
    for rule in (block_on("given", "birth_year"), block_on("family", "middle", "village")):
        kept = _m_probabilities(linker)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except ValueError as exc:
            log.warning("EM session skipped (%s): the priors stay", exc)
            _restore_m(linker, kept)


def _levels(linker: Any) -> Iterable[tuple[tuple[str, int], Any]]:
    """Each non-null level of the model with its key (Splink keeps them on the linker's settings object)."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if not level.is_null_level:
                yield (comparison.output_column_name, level.comparison_vector_value), level


def _m_probabilities(linker: Any) -> dict[tuple[str, int], float | None]:
    return {key: level.m_probability for key, level in _levels(linker)}


def _restore_m(linker: Any, kept: dict[tuple[str, int], float | None]) -> None:
    for key, level in _levels(linker):
        if kept.get(key) is not None:
            level.m_probability = kept[key]


# pairs below this probability are not worth counting even as expected duplicates (Splink still scores them)
EXPECTED_FLOOR = 0.01


@dataclasses.dataclass
class Scoring:
    """The pairs at or above the threshold, and what the model expects: `expected` duplicates among all blocked
    pairs (the sum of their probabilities from `EXPECTED_FLOOR` up), `expected_found` among the pairs kept — so
    `expected_found / expected` is the model's own estimate of its recall at the threshold."""

    pairs: list[ScoredPair]
    expected: float
    expected_found: float

    @property
    def estimated_recall(self) -> float | None:
        return self.expected_found / self.expected if self.expected else None


def score(
    records: Sequence[MatchRecord],
    *,
    threshold: float,
    train: bool | None = None,
    seed: int = 1,
    engine: str = "duckdb",
) -> Scoring:
    """Every pair of records scoring at least `threshold` (a probability, 0–1), best first, with the model's
    expectations (`Scoring`). `train`: False uses the written priors only (tests that want a fixed model).
    `engine`: "duckdb" (in memory, this process) or "spark" (`spark_session()`: the same model, settings and
    training on Splink's Spark backend, for what outgrows one machine — docs/scale.md)."""
    if len(records) < 2:
        return Scoring([], 0.0, 0.0)
    from splink import Linker

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    table = _table(records)
    if engine == "spark":
        # looked up at run time: pyspark is an optional group (`uv sync --group spark`), absent where types are checked
        spark_api: Any = importlib.import_module("splink.backends.spark").SparkAPI
        spark = spark_session()
        rows = spark.createDataFrame(list(zip(*table.values(), strict=True)), schema=_SPARK_SCHEMA)
        linker = Linker(spark_api(spark_session=spark).register(rows), _settings(len(records)), log_level=None)
    else:
        from splink import DuckDBAPI

        linker = Linker(DuckDBAPI().register(table), _settings(len(records)), log_level=None)
    if train is not False:
        _train(linker, len(records), seed)
    return _scoring(linker, threshold)


_SPARK_SCHEMA = (
    "unique_id long, name string, family string, middle string, given string, birth_date string, birth_year int, "
    "sex string, commune string, village string, phone string, id_hash string"
)


def spark_session(master: str = "local[*]") -> Any:
    """A Spark session with Splink's similarity functions (Jaro–Winkler, Damerau–Levenshtein) on its class path:
    local mode here; on a cluster, `PHOCAP_SPARK_MASTER` names its master (`spark://…`, `yarn`)."""
    import os

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master(os.environ.get("PHOCAP_SPARK_MASTER", master))
        .appName("phocap-dedup")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", os.environ.get("PHOCAP_SPARK_PARTITIONS", "8"))
        .config("spark.driver.memory", os.environ.get("PHOCAP_SPARK_DRIVER_MEMORY", "6g"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # Splink breaks long query plans by checkpointing: a shared directory on a cluster
    session.sparkContext.setCheckpointDir(os.environ.get("PHOCAP_SPARK_CHECKPOINTS", tempfile.gettempdir()))
    return session


def score_pairs(
    records: Sequence[MatchRecord], *, threshold: float, train: bool | None = None, seed: int = 1
) -> list[ScoredPair]:
    """`score(...).pairs`."""
    return score(records, threshold=threshold, train=train, seed=seed).pairs


def _weight(probability: float) -> float:
    return math.log2(probability / (1 - probability)) if probability < 1 else 60.0


def _scoring(linker: Any, threshold: float) -> Scoring:
    floor = min(threshold, EXPECTED_FLOOR)
    predictions = linker.inference.predict(threshold_match_weight=_weight(floor))
    at_least = f"match_weight >= {_weight(threshold)!r}"  # a float the code computed: no input in the SQL
    sums = f"SUM(match_probability) AS e, SUM(match_probability) FILTER (WHERE {at_least}) AS f"
    expected, expected_found = predictions.query_sql(f"SELECT {sums} FROM {{this}}").as_record_list()[0].values()  # noqa: S608
    kept = predictions.query_sql(f"SELECT * FROM {{this}} WHERE {at_least}")  # noqa: S608
    pairs = []
    for row in kept.as_record_list():
        left, right = int(row["unique_id_l"]), int(row["unique_id_r"])
        evidence = {
            k.removeprefix("mw_"): round(float(v), 1)
            for k, v in row.items()
            if k.startswith("mw_") and not k.startswith("mw_tf_") and v is not None
        }
        pairs.append(ScoredPair(min(left, right), max(left, right), float(row["match_probability"]), evidence))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return Scoring(pairs, float(expected or 0), float(expected_found or 0))


def records_of(rows: Iterable[dict[str, Any]]) -> list[MatchRecord]:
    return [MatchRecord(**row) for row in rows]
