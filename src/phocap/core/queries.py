"""Query helpers shared by the importers and the bulk paths (issue #18).

`insert_rows` writes plain value rows without model instances: one prepared `executemany` on SQLite, `COPY … FROM
STDIN` on PostgreSQL (psycopg's copy, rows streamed to the server). `reserve_ids` takes the primary keys of rows
about to be written, so a caller knows each row's id without reading it back."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from django.db import models
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault

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
    defaults = [f.db_default if f.has_db_default() else None for f in fields]  # a column added with `db_default`

    def values(obj: Model) -> list[object]:
        row = [getattr(obj, n) for n in names]
        return [d if isinstance(v, DatabaseDefault) else v for v, d in zip(row, defaults, strict=True)]

    insert_rows(model, names, (values(obj) for obj in objects), batch_size=batch_size)


def insert_rows(
    model: type[Model],
    attnames: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    batch_size: int = 2000,
    prepared: Collection[str] = (),
) -> int:
    """INSERT plain value rows (in `attnames` order; columns left out are NULL)
    without building model instances. Each field's conversion to the database (dates on SQLite, encryption, JSON)
    is looked up once; plain text and numbers go as they are, and so do the `prepared` fields' values (already in
    the database's form: numbers sealed by the caller in one pass). Returns the number of rows."""
    connection = _connection(model)
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    converters = [_converter(f, connection, prepared) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.name) for f in fields)
    if connection.vendor == "postgresql":
        return _copy(connection, f"COPY {table} ({columns}) FROM STDIN", rows, converters)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from the model
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(_prepared(row, converters))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _connection(model: type[Model]) -> Any:
    from django.db import connections, router

    return connections[router.db_for_write(model)]


def _copy(connection: Any, sql: str, rows: Iterable[Sequence[object]], converters: Sequence[Any]) -> int:
    """COPY rows into PostgreSQL through psycopg (text format: psycopg adapts each Python value as it would for a
    query's parameter)."""
    count = 0
    # the raw psycopg cursor's errors, as Django's own (IntegrityError for a unique constraint, …)
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        if all(c is None for c in converters):
            for row in rows:
                copy.write_row(row)
                count += 1
        else:
            for row in rows:
                copy.write_row(_prepared(row, converters))
                count += 1
    return count


def _converter(field: Any, connection: Any, prepared: Collection[str]) -> Callable[[Any], Any] | None:
    """How a field's value becomes the database's: None when it goes as it is; a date or time (the same few
    values over and over: birth dates, the import's moment) converted once per distinct value."""
    if field.is_relation or type(field) in PLAIN_FIELDS or field.attname in prepared:
        return None
    convert = partial(field.get_db_prep_save, connection=connection)
    if not isinstance(field, (models.DateField, models.TimeField)):  # DateTimeField is a DateField
        return convert
    memo: dict[Any, Any] = {}

    def once(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            if len(memo) > 100_000:
                memo.clear()
            memo[value] = converted = convert(value)
            return converted

    return once


def _prepared(row: Sequence[object], converters: Sequence[Any]) -> list[Any]:
    """A row's values as the database takes them: each field's own conversion where it has one."""
    return [v if c is None else c(v) for v, c in zip(row, converters, strict=True)]


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for `count` rows of `model` about to be written in the caller's transaction. PostgreSQL: taken
    from the table's sequence (unique whatever else runs; not always consecutive). SQLite: the ids after the
    highest ever given (`sqlite_sequence`, so a deleted row's id is not reused), which stay this transaction's
    because SQLite's writers are serialised (`transaction_mode="IMMEDIATE"` takes the write lock at BEGIN)."""
    if count <= 0:
        return []
    connection = _connection(model)
    pk = model._meta.pk
    assert pk is not None
    table, column = model._meta.db_table, pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT max(coalesce((SELECT max({connection.ops.quote_name(column)}) FROM {quoted}), 0), "  # noqa: S608
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))
