"""The bulk paths' query helpers (issue #18): `__any` finds exactly what `__in` finds, with one parameter whatever
the list's length; `reserve_ids` hands out ids nobody else holds; `insert_rows` writes the same rows on both
databases (COPY on PostgreSQL), dates and sealed values included."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from phocap.core.crypto import encrypt_many
from phocap.core.queries import insert_rows, reserve_ids
from phocap.registry.models import ImportBatch, Resident


def _resident_rows(programme, ids, batch):
    commune = programme.communes.order_by("pk").first()
    numbers = encrypt_many([f"00620{i:07d}" for i in range(len(ids))])
    now = timezone.now()
    return [
        [
            pk,
            programme.pk,
            commune.pk,
            f"Người {pk}",
            dt.date(1980, 1, 2),
            1980,
            sealed,
            f"h{pk:063d}",
            now,
            now,
            "",
            "",
            "",
            "cccd",
            "",
            "",
            "",
            "lacks",
            "",
            "",
            batch.pk,
        ]
        for pk, sealed in zip(ids, numbers, strict=True)
    ]


COLUMNS = (
    "id",
    "programme_id",
    "commune_id",
    "full_name",
    "birth_date",
    "birth_year",
    "id_number",
    "id_hash",
    "created_at",
    "updated_at",
    "name_folded",
    "name_sort",
    "village",
    "id_kind",
    "sex",
    "ethnicity_code",
    "phone",
    "smartphone_status",
    "notes",
    "import_batch_id",
)


def test_rows_written_with_reserved_ids_read_back_the_same(programme):
    batch = ImportBatch.objects.create(programme=programme, filename="x.xlsx", sha256="0", imported_by="t")
    before = Resident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = reserve_ids(Resident, 3000)
    assert len(set(ids)) == 3000
    assert min(ids) > before
    rows = _resident_rows(programme, ids, batch)
    assert insert_rows(Resident, (*COLUMNS[:-1], "phone_carrier", "import_batch_id"), rows, prepared={"id_number"})
    stored = Resident.objects.get(pk=ids[1234])
    assert (stored.full_name, stored.birth_date, stored.id_number) == (
        f"Người {ids[1234]}",
        dt.date(1980, 1, 2),
        "006200001234",
    )
    assert min(reserve_ids(Resident, 2)) > max(ids)  # taken ids are never handed out again


def test_any_finds_what_in_finds_with_one_parameter(programme):
    wanted = [*list(programme.communes.values_list("pk", flat=True))[:3], 10**9]
    hashes = [f"{i:064x}" for i in range(5000)]
    found = set(programme.communes.filter(pk__any=wanted).values_list("pk", flat=True))
    assert found == set(programme.communes.filter(pk__in=wanted).values_list("pk", flat=True))
    assert len(found) == 3
    many = Resident.objects.filter(id_hash__any=hashes)
    assert not many.exists()
    assert len(many.query.sql_with_params()[1]) == 1  # one parameter for 5,000 values
    assert not programme.communes.filter(pk__any=[]).exists()
