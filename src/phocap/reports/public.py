"""The public statement (`/cong-khai/<programme>/`, no login): what was received, from whom (names only with the
donor's consent), what was spent on phones and handed over per commune, and each commune's progress — figures
only. It gathers what fundraising, handover and the indicators publish, so it lives here, above them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from phocap.complaints import selectors as complaints
from phocap.core.spreadsheets import csv_line, xlsx_bytes
from phocap.fundraising import selectors as fundraising
from phocap.fundraising import vietqr
from phocap.handover import selectors as handover
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme
from phocap.reports import indicators

PUBLIC_CACHE_SECONDS = 60
HEADER = ["Ngày", "Nhà tài trợ", "Số tiền (đồng)", "Hình thức", "Số máy (hiện vật)"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _public_programme(code: str) -> Programme:
    programme = programmes.public_programmes().filter(code=code).first()
    if programme is None:
        raise Http404
    return programme


def public_summary(programme: Programme) -> dict[str, Any]:
    """The totals, the distribution per commune and each commune's progress; cached for a minute per process."""
    key = f"phocap:public-summary:{programme.pk}"
    summary = cache.get(key)
    if summary is None:
        summary = fundraising.summary(programme)
        summary["distribution"] = handover.public_progress(programme)
        report = indicators.compute(programme)  # figures only: no names, numbers or phones of anyone
        summary["progress_date"] = report.date
        summary["progress"] = [
            {
                "name": c.name,
                "coverage": c.indicators["smartphone_coverage"].percent,
                "target": c.indicators["smartphone_coverage"].target,
                "eid": c.indicators["eid_level2"].percent,
                "cashless": c.indicators["cashless_payment"].percent,
            }
            for c in report.communes
        ]
        cache.set(key, summary, PUBLIC_CACHE_SECONDS)
    return summary


def public_statement(request: HttpRequest, code: str) -> HttpResponse:
    programme = _public_programme(code)
    summary = public_summary(programme)
    page = Paginator(fundraising.public_donations(programme), 50, allow_empty_first_page=True)
    page.count  # noqa: B018 - the paginator's count is one COUNT(*) on an indexed column
    current = page.get_page(request.GET.get("page"))
    giving = fundraising.public_giving(programme)
    response = render(
        request,
        "reports/public.html",
        {
            "programme": programme,
            "summary": summary,
            "page": current,
            "rows": [fundraising.public_row(d) for d in current],
            "giving": giving,
            "giving_qr": vietqr.svg(giving["payload"], scale=4) if giving else "",
            "complaints": complaints.public_counts(programme),
        },
    )
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response


def _public_rows(programme: Programme) -> Iterator[dict[str, Any]]:
    for donation in fundraising.public_donations(programme).iterator(chunk_size=2000):
        yield fundraising.public_row(donation)


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    yield b"\xef\xbb\xbf" + csv_line(HEADER).encode()  # a byte-order mark: spreadsheet programs read UTF-8
    for r in rows:
        yield csv_line([r["date"].strftime("%d/%m/%Y"), r["donor"], r["amount"], r["channel"], r["phones"]]).encode()


def public_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The same list as the public page, for download: CSV streamed row by row, or XLSX (write-only workbook)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    programme = _public_programme(code)
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(_public_rows(programme)), content_type="text/csv; charset=utf-8")
    else:
        rows = ([r["date"], r["donor"], r["amount"], r["channel"], r["phones"]] for r in _public_rows(programme))
        book = xlsx_bytes(itertools.chain([HEADER], rows), sheet="Danh sach ung ho")
        response = HttpResponse(book, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="cong-khai-{programme.code}.{fmt}"'
    return response
