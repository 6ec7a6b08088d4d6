"""API of the indicators (issue #6): the same document as `phocap kpi --json`."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from phocap.accounts.auth import AuthedRequest
from phocap.programmes import selectors as programmes
from phocap.reports import selectors

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    numerator: int
    denominator: int
    percent: float | None
    target: float


class CommuneOut(Schema):
    code: str
    name: str
    indicators: dict[str, IndicatorOut]
    overdue_followups: int


class OrganisationOut(Schema):
    key: str
    name: str
    role: str
    communes: list[str]
    indicators: dict[str, IndicatorOut]
    overdue_followups: int


class KpiOut(Schema):
    programme: str
    date: str
    communes: list[CommuneOut]
    programme_totals: dict[str, IndicatorOut]
    programme_overdue_followups: int
    organisations: list[OrganisationOut]


@router.get("/programmes/{code}/kpi", response=KpiOut, summary="Indicators per commune and for the programme")
def kpi(request: AuthedRequest, code: str, date: str | None = None) -> Any:
    """`date` is YYYY-MM-DD (default: today, or the programme's end once passed)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.kpi(actor=request.auth, programme=programme, on=selectors.read_date(date)).as_dict()
