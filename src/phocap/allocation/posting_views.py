"""The postings page (issue #17): each commune's list of an approved round, printed per village, the day it was
posted, and the manager's early start with its reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from phocap.accounts import scope
from phocap.allocation import postings
from phocap.core.errors import DomainError
from phocap.core.text import read_day
from phocap.core.web import PDF, file_response, not_found_as_404
from phocap.programmes import selectors as programmes


@login_required
@not_found_as_404
def posting_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    communes = programmes.commune_list(actor=request.user, programme=programme)
    if not any(scope.can_write_commune(request.user, c) for c in communes):
        raise Http404  # the managers' and the commune officers' page
    rows = list(postings.posting_list(actor=request.user, programme=programme)[:200])
    writable = [p for p in rows if scope.can_write_commune(request.user, p.commune)]
    if request.method == "POST":
        found = next((p for p in writable if str(p.pk) == request.POST.get("posting")), None)
        try:
            if found is None:
                raise Http404
            if request.POST.get("action") == "early":
                postings.posting_early_start(actor=request.user, posting=found, reason=request.POST.get("reason", ""))
            else:
                day = read_day(request.POST.get("posted_on"), field="posted_on")
                postings.posting_record(actor=request.user, posting=found, posted_on=day)
            messages.success(request, "Đã ghi.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("allocation:postings", code=code)
    return render(
        request,
        "allocation/postings.html",
        {
            "programme": programme,
            "rows": [(p, postings.posting_villages(p)) for p in writable],
            "manager": scope.can_manage_programme(request.user, programme),
        },
    )


@login_required
@not_found_as_404
def posting_pdf(request: HttpRequest, code: str, posting_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = postings.posting_get(actor=request.user, programme=programme, posting_id=posting_id)
    village = request.GET.get("thon")
    content = postings.posting_pdf(actor=request.user, posting=found, village=village)
    name = f"niem-yet-{found.commune.unit.code}-dot-{found.round_id}.pdf"
    return file_response(content, PDF, name, inline=True, private=True)
