"""Reads of the reports app: the indicators for someone allowed to see the programme (figures only, no
personal data — every role of the programme may see them; the public page shows a subset)."""

from __future__ import annotations

import datetime as dt

from phocap.accounts import scope
from phocap.core.errors import NotFound
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.reports import indicators


def kpi(
    *, actor: scope.Actor, programme: Programme, on: dt.date | None = None, commune: ProgrammeCommune | None = None
) -> indicators.Report:
    if not Programme.objects.filter(scope.programmes_q(actor), pk=programme.pk).exists():
        raise NotFound("Không tìm thấy chương trình.")
    return indicators.compute(programme, on, [commune] if commune is not None else None)


def read_date(text: str | None) -> dt.date | None:
    """`YYYY-MM-DD` (or dd/mm/yyyy) → a date; empty → None (the default date)."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    from phocap.core.errors import ValidationFailed

    raise ValidationFailed(f"Ngày {text!r} không hợp lệ: viết YYYY-MM-DD, ví dụ 2023-12-31.", field="date")
