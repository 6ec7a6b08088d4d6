"""Ten imports of one bank statement at once (PostgreSQL): each line is stored once, and every import answers —
the first with what it wrote, the others with the lines counted as already imported (or a 409), never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from phocap.core.errors import Conflict
from phocap.fundraising.models import StatementLine
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.statements import ImportResult, statement_import
from tests.programmes.test_races import run_together, seeded  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_imports_of_one_statement_at_once_store_each_line_once(seeded, user):  # noqa: F811
    rows = [Row(dt.date(2023, 9, 13), f"R{i}", 100_000 + i, f"UNG HO CHUONG TRINH {i}") for i in range(40)]
    data = render("bidv", "113000000001", rows)

    def send():
        return statement_import(actor=user("mttq"), programme=seeded, data=data, filename="s.xlsx")

    outcomes = run_together(*[send] * 10)
    unexpected = [o for o in outcomes if not isinstance(o, (ImportResult, Conflict))]
    assert unexpected == []
    assert StatementLine.objects.filter(programme=seeded, statement__filename="s.xlsx").count() == 40
    results = [o for o in outcomes if isinstance(o, ImportResult)]
    assert sum(r.lines - r.already_imported for r in results) == 40
