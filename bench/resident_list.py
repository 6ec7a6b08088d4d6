"""Benchmark: the resident list of one commune at 100,000 people, and consent for all of them in one action.

    .venv/bin/python bench/resident_list.py [--residents 100000] [--runs 9] [--database-url URL]

Builds, in a fresh database, the Bắc Kạn 2023 programme with its demo users and `--residents` adults in Xã Giáo
Hiệu (generated Tày/Nùng/Dao names, a fifth with identity numbers, villages, phones), written in bulk. Then times,
as the median of `--runs` after one warm-up, the page `/p/bac-kan-2023/danh-sach/` rendered for the commune
officer through Django's test client:
- the first page; a name search typed without diacritics; an identity-number search; page 1,000; a filter
  (consent "none" and a village);
- the floor: the bare SQL of the first page — `SELECT … WHERE commune_id = ? ORDER BY name_sort, id LIMIT 50` and
  its `COUNT(*)` — through the database cursor.
And once: `consent_bulk` for everyone in the commune (the web's "select all N matching"), and again (all
"already").
Prints milliseconds, each page's ratio to the floor, and the bulk consent's seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time

from fresh import run_child

FAMILY = ["Nông", "Hoàng", "Triệu", "Lý", "Ma", "Đinh", "Dương", "Bàn", "Lường", "Hà", "Lục", "Vi", "Nguyễn"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Xuân", ""]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Hà", "Hoàng", "Lâm", "Mai", "Nga", "Sơn", "Tám", "Thu", "Vân", "Ánh"]
VILLAGES = [f"Thôn {v}" for v in ("Nà Pài", "Khuổi Ỏ", "Bản Chang", "Nà Coóc", "Pác Nặm", "Cốc Phát", "Khuổi Bốc")]


def _timed(fn, runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def child(residents: int, runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from phocap.accounts.demo import demo_users_create
    from phocap.accounts.models import User
    from phocap.core.actors import SYSTEM
    from phocap.core.crypto import blind_index
    from phocap.core.queries import insert_rows
    from phocap.programmes.services import programme_init
    from phocap.registry.consents import consent_bulk
    from phocap.registry.models import Resident
    from phocap.registry.names import name_keys
    from phocap.registry.search import ResidentFilter

    call_command("migrate", verbosity=0)
    programme = programme_init(actor=SYSTEM, name_or_path="bac-kan-2023")
    demo_users_create(actor=SYSTEM, programme=programme)
    commune = programme.communes.get(unit__code="01870")
    rng = random.Random(14)
    now = dt.datetime.now(dt.UTC)
    numbers: list[str] = []

    def rows():
        for i in range(residents):
            name = " ".join(w for w in (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)) if w)
            year = rng.randint(1940, 2004)
            number = ""
            if i % 5 == 0:
                number = f"006{rng.choice('01')}{year % 100:02d}{i:06d}"
                numbers.append(number)
            folded, key = name_keys(name)
            yield [
                programme.pk,
                commune.pk,
                rng.choice(VILLAGES),
                name,
                folded,
                key,
                year,
                number,
                blind_index(number) if number else "",
                "cccd" if number else "",
                f"09{i:08d}",
                "lacks",
                now,
                now,
                "",
                "",
                "",
                "",
            ]

    start = time.perf_counter()
    insert_rows(
        Resident,
        [
            "programme_id",
            "commune_id",
            "village",
            "full_name",
            "name_folded",
            "name_sort",
            "birth_year",
            "id_number",
            "id_hash",
            "id_kind",
            "phone",
            "smartphone_status",
            "created_at",
            "updated_at",
            "sex",
            "ethnicity_code",
            "phone_carrier",
            "notes",
        ],
        rows(),
    )
    built = time.perf_counter() - start
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="xa-giaohieu"))
    url = "/p/bac-kan-2023/danh-sach/"

    def page(params):
        def go():
            answer = client.get(url, params)
            assert answer.status_code == 200, answer.status_code
            return answer

        return go

    def floor():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM registry_resident WHERE commune_id = %s", [commune.pk])
            cursor.fetchone()
            cursor.execute(
                "SELECT id, full_name, birth_year, id_number, village FROM registry_resident WHERE commune_id = %s "
                "ORDER BY name_sort, id LIMIT 50",
                [commune.pk],
            )
            cursor.fetchall()

    assert "Nông" in page({"q": "nong van hoa"})().content.decode()
    timings = {
        "floor_ms": _timed(floor, runs),
        "first_page_ms": _timed(page({}), runs),
        "name_search_ms": _timed(page({"q": "nong van hoa"}), runs),
        "id_search_ms": _timed(page({"q": numbers[len(numbers) // 2]}), runs),
        "page_1000_ms": _timed(page({"page": "1000"}), runs),
        "filtered_ms": _timed(page({"consent": "none", "village": VILLAGES[2]}), runs),
    }
    officer = User.objects.get(username="xa-giaohieu")
    everyone = ResidentFilter(commune="01870")
    start = time.perf_counter()
    first = consent_bulk(
        actor=officer, programme=programme, given_on=dt.date(2023, 9, 15), method="paper", filters=everyone
    )
    bulk = time.perf_counter() - start
    start = time.perf_counter()
    again = consent_bulk(
        actor=officer, programme=programme, given_on=dt.date(2023, 9, 15), method="paper", filters=everyone
    )
    bulk_again = time.perf_counter() - start
    assert first["recorded"] == residents
    assert again["already"] == residents
    timings["name_search_after_consent_ms"] = _timed(page({"q": "nong van hoa", "consent": "given"}), runs)
    print(
        json.dumps(
            {
                "residents": residents,
                "database": connection.vendor,
                "built_s": round(built, 1),
                **timings,
                "first_page_ratio": round(timings["first_page_ms"] / timings["floor_ms"], 1),
                "name_search_ratio": round(timings["name_search_ms"] / timings["floor_ms"], 1),
                "bulk_consent_s": round(bulk, 2),
                "bulk_consent_again_s": round(bulk_again, 2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--database-url")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.residents, args.runs)
        return
    result = run_child(__file__, ["--residents", str(args.residents), "--runs", str(args.runs)], args.database_url)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
