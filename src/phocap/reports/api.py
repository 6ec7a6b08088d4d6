"""API of the indicators (issue #6): the same document as `phocap kpi --json`."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema

from phocap.core.text import read_date
from phocap.core.web import AuthedRequest, file_response
from phocap.programmes import selectors as programmes
from phocap.reports import documents, selectors

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    numerator: int
    denominator: int
    percent: float | None
    target: float


class CommuneKpiOut(Schema):
    code: str
    name: str
    indicators: dict[str, IndicatorOut]
    overdue_followups: int


class OrganisationKpiOut(Schema):
    key: str
    name: str
    role: str
    communes: list[str]
    indicators: dict[str, IndicatorOut]
    overdue_followups: int


class KpiOut(Schema):
    programme: str
    date: str
    communes: list[CommuneKpiOut]
    programme_totals: dict[str, IndicatorOut]
    programme_overdue_followups: int
    organisations: list[OrganisationKpiOut]


@router.get("/programmes/{code}/kpi", response=KpiOut, summary="Indicators per commune and for the programme")
def kpi(request: AuthedRequest, code: str, date: str | None = None) -> Any:
    """`date` is YYYY-MM-DD (default: today, or the programme's end once passed)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.kpi(actor=request.auth, programme=programme, on=read_date(date)).as_dict()


@router.get(
    "/programmes/{code}/reports/{kind}",
    summary="An official report as PDF or XLSX",
    openapi_extra={
        "responses": {
            200: {
                "description": "The report file",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    documents.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def report(
    request: AuthedRequest,
    code: str,
    kind: str,
    format: str = "pdf",
    date: str | None = None,
    number: str = "",
    commune: str | None = None,
) -> HttpResponse:
    """`kind`: `tien-do` (progress by commune), `thu-chi` (funds received and spent) or `nguoi-nhan` (recipients
    by commune with handover and onboarding status; names only for roles that may see residents, and audited)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    place = programmes.commune_get(actor=request.auth, programme=programme, code=commune) if commune else None
    made = documents.export(
        actor=request.auth,
        programme=programme,
        kind=kind,
        fmt=format,
        on=read_date(date),
        number=number,
        commune=place,
    )
    return file_response(made.data, made.content_type, made.filename, private=made.personal_data)
