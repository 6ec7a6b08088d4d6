"""Certificates of donation through the API (issue #16): one gift's issued by a POST, every gift of a period
without one issued by a POST (optionally e-mailed), and the period's certificates as one PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema

from phocap.core.schemas import PeriodIn
from phocap.core.web import PDF, AuthedRequest, file_response
from phocap.fundraising import selectors, services
from phocap.fundraising.models import Receipt
from phocap.programmes import selectors as programmes

router = Router(tags=["fundraising"])


class ReceiptOut(Schema):
    donation_id: int
    year: int
    number: int
    label: str
    issued_at: dt.datetime


def _out(receipt: Receipt) -> dict[str, Any]:
    return {
        "donation_id": receipt.donation_id,
        "year": receipt.year,
        "number": receipt.number,
        "label": receipt.label,
        "issued_at": receipt.issued_at,
    }


@router.post(
    "/programmes/{code}/fundraising/donations/{donation_id}/receipt",
    response=ReceiptOut,
    summary="Issue a gift's certificate (the one it has, if issued already: a retry keeps its number)",
)
def receipt_issue(request: AuthedRequest, code: str, donation_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    donation = selectors.donation_get(actor=request.auth, programme=programme, donation_id=donation_id)
    return _out(services.receipt_issue(actor=request.auth, donation=donation))


class BatchIn(PeriodIn):
    email: bool = False  # send each certificate of the period not yet sent to its donor's address


class BatchOut(Schema):
    issued: list[ReceiptOut]
    emailed: int
    without_address: int
    failed: int


@router.post(
    "/programmes/{code}/fundraising/receipts",
    response=BatchOut,
    summary="Issue a certificate for every gift of the period without one, in the order received; optionally e-mail",
)
def receipts_issue(request: AuthedRequest, code: str, payload: BatchIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    issued = services.receipts_issue_period(
        actor=request.auth, programme=programme, start=payload.date_from, end=payload.date_to
    )
    result: dict[str, Any] = {"issued": [_out(r) for r in issued], "emailed": 0, "without_address": 0, "failed": 0}
    if payload.email:
        start, end = selectors.checked_period(programme, payload.date_from, payload.date_to)
        sent = services.receipts_email(
            actor=request.auth, programme=programme, receipts=selectors.receipts_of_period(programme, start, end)
        )
        result |= {"emailed": len(sent.sent), "without_address": sent.without_address, "failed": sent.failed}
    return result


@router.get(
    "/programmes/{code}/fundraising/receipts.pdf",
    summary="The certificates of the gifts received in a period, one PDF, a page each (issues none)",
)
def receipts_pdf(request: AuthedRequest, code: str, params: Query[PeriodIn]) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    data, _pages = services.receipts_pdf(
        actor=request.auth, programme=programme, start=params.date_from, end=params.date_to
    )
    return file_response(data, PDF, f"giay-chung-nhan-{programme.code}.pdf", private=True)
