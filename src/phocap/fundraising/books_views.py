"""The books page (issue #16): the bank reconciliation at a day, shown, and the journal, trial balance,
reconciliation and end-of-campaign balances downloaded as one XLSX for any period (`fundraising.books`)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from phocap.core.errors import DomainError
from phocap.core.text import read_date
from phocap.core.web import XLSX, file_response, not_found_as_404
from phocap.fundraising import books, selectors
from phocap.programmes import selectors as programmes


@login_required
@not_found_as_404
def books_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    selectors.require_view(request.user, programme)
    try:
        start, end = read_date(request.GET.get("from")), read_date(request.GET.get("to"))
        selectors.checked_period(programme, start, end)
        if request.GET.get("download") == "xlsx":
            done = books.books_export(actor=request.user, programme=programme, start=start, end=end, fmt="xlsx")
            name, data = next(iter(done.files.items()))
            return file_response(data, XLSX, name, private=True)
    except DomainError as exc:
        messages.error(request, exc.message)
        start = end = None
    on = end or dt.date.today()
    rec = books.reconciliation(request.user, programme, on)
    context = {"programme": programme, "rec": rec, "start": start or programme.campaign_start, "end": on}
    return render(request, "fundraising/books.html", context)
