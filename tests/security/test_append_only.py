"""After every migration, on SQLite and PostgreSQL, each append-only table refuses UPDATE and DELETE — raw SQL
included. Fundraising's migration 0004 rebuilt `fundraising_receipt` on SQLite and silently dropped its triggers;
this test is what catches the next rebuild."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from phocap.core.dbtriggers import APPEND_ONLY

pytestmark = pytest.mark.django_db(transaction=False)


def _a_row(table: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id FROM "{table}" ORDER BY id LIMIT 1')  # noqa: S608 - names from our own list
        row = cursor.fetchone()
    assert row is not None, f"{table}: the seeded programme should have a row to try"
    return row[0]


def _column(table: str) -> str:
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    field = next(f for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)
    return str(field.column)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_every_append_only_table_refuses_update_and_delete(table, seeded_ledger):
    pk = _a_row(table)
    column = _column(table)
    for sql in (
        f'UPDATE "{table}" SET "{column}" = "{column}" WHERE id = %s',  # noqa: S608
        f'DELETE FROM "{table}" WHERE id = %s',  # noqa: S608
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])


def test_the_list_names_every_table_that_says_it_is_append_only():
    """A model whose docstring or Meta says append-only is in the list (so a new one cannot be forgotten)."""
    said = {
        m._meta.db_table
        for m in apps.get_models()
        if m.__module__.startswith("phocap.") and "append-only" in (m.__doc__ or "").lower()
    }
    assert said <= set(APPEND_ONLY), said - set(APPEND_ONLY)


@pytest.fixture
def seeded_ledger(programme, user):
    """A row in every append-only table: a cash gift (journal, receipt, audit), a phone received (device event) and
    a complaint's step."""
    import datetime as dt

    from phocap.core.actors import SYSTEM
    from phocap.fundraising.models import Receipt
    from phocap.fundraising.services import DonorInput, donation_record, receipt_issue
    from tests.allocation.test_rounds import stock

    donation = donation_record(
        actor=user("mttq"),
        programme=programme,
        channel="cash",
        donor=DonorInput(kind="individual", name="Lục Văn Thử", publish_name=True),
        amount=500_000,
        received_on=dt.date(2023, 9, 12),
        collection_point=programme.collection_points.get(key="tinh"),
        cash_receipt_number="PT-AO",
    )
    if not Receipt.objects.exists():
        receipt_issue(actor=user("mttq"), donation=donation)
    stock(programme, 1)
    from phocap.complaints import services as complaints

    commune = programme.communes.get(unit__code="01870")
    filed = complaints.complaint_file(programme=programme, commune=commune, category="other", text="Hỏi lịch trao")
    complaints.complaint_update(actor=user("xa-giaohieu"), complaint=filed, status="acknowledged", note="Đã nhận")
    assert SYSTEM is not None
