"""Query helpers shared by the importers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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
    compiling SQL for every batch and preparing every value through the whole field machinery. Each field's
    conversion to the database (dates on SQLite, encryption, JSON) is looked up once; plain text and numbers go
    as they are. Primary keys are not set on the objects: read them back by a natural key."""
    from django.db import connections, router

    using = router.db_for_write(model)
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    converters = [None if field.is_relation or type(field) in PLAIN_FIELDS else field for field in fields]
    names = [f.attname for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.name) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            rows = []
            for obj in objects[start : start + batch_size]:
                values = []
                for name, field in zip(names, converters, strict=True):
                    value = getattr(obj, name)
                    if field is not None:
                        value = field.get_db_prep_save(value, connection)
                    values.append(value)
                rows.append(values)
            cursor.executemany(sql, rows)
