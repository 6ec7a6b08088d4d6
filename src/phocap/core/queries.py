"""Query helpers shared by the importers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import models
from django.db.models import Model

IN_CHUNK = 5000  # PostgreSQL takes at most 65,535 parameters in one statement; SQLite builds may take fewer


def in_chunks[T](values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """Split a long `__in` list so that each query stays within the databases' parameter limits."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# fields whose Python value (str, int, float, bool) is what the database driver takes
PLAIN_FIELDS = (
    models.CharField,
    models.SlugField,
    models.TextField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.FloatField,
    models.BooleanField,
)


def insert_many(model: type[Model], objects: Sequence[Model], *, batch_size: int = 2000) -> None:
    """INSERT many new rows with one prepared statement run by `executemany`: what `bulk_create` does, without
    compiling SQL for every batch and preparing every value through the whole field machinery. Primary keys are
    not set on the objects: read them back by a natural key."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    insert_rows(model, names, ([getattr(obj, n) for n in names] for obj in objects), batch_size=batch_size)


def insert_rows(
    model: type[Model], attnames: Sequence[str], rows: Iterable[Sequence[object]], *, batch_size: int = 2000
) -> int:
    """INSERT plain value rows (in `attnames` order; columns left out are NULL)
    without building model instances. Each field's conversion to the database (dates on SQLite, encryption, JSON)
    is looked up once; plain text and numbers go as they are. Returns the number of rows."""
    from django.db import connections, router

    connection = connections[router.db_for_write(model)]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    converters = [None if f.is_relation or type(f) in PLAIN_FIELDS else f for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.name) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from the model
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(
                [v if c is None else c.get_db_prep_save(v, connection) for v, c in zip(row, converters, strict=True)]
            )
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
