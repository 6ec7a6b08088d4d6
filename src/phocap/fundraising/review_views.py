"""The review page: each credit waiting, what it probably is (`review.review_rows`), and the form that settles it
— a pledge (the proposed one chosen), a gift from the payer the transfer text names (editable) or anonymous, a
collection point's deposit slip, or "not ours" with the reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.errors import DomainError
from phocap.core.web import not_found_as_404
from phocap.fundraising import review as queue
from phocap.fundraising import selectors
from phocap.fundraising.forms import ResolveForm
from phocap.fundraising.services import DonorMismatch
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme


def _settle(request: HttpRequest, programme: Programme, data: dict[str, Any]) -> None:
    line = selectors.statement_line_get(actor=request.user, programme=programme, line_id=int(data["line"]))
    actor = request.user
    queue.statement_line_resolve(
        actor=actor,
        line=line,
        action=data["action"],
        pledge=selectors.pledge_get(actor=actor, programme=programme, reference=data["pledge"])
        if data["pledge"]
        else None,
        donor=queue.gift_donor(
            actor, programme, donor_name=data["donor_name"], donor_kind=data["donor_kind"], same_as=data["same_as"]
        ),
        collection_point=programmes.collection_point_get(actor=actor, programme=programme, key=data["collection_point"])
        if data["collection_point"]
        else None,
        note=data["note"],
        override_reason=data["override_reason"],
        deposit=selectors.cash_deposit_get(actor=actor, programme=programme, deposit_id=data["deposit"])
        if data["deposit"]
        else None,
    )
    messages.success(request, _("Đã xử lý dòng sao kê ngày %(day)s.") % {"day": line.booked_on.strftime("%d/%m/%Y")})


@login_required
@not_found_as_404
def review(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    selectors.require_view(request.user, programme)
    can_manage = scope.can_manage_fundraising(request.user, programme)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = ResolveForm(request.POST)
        if form.is_valid() and request.POST.get("line", "").isdigit():
            try:
                _settle(request, programme, {**form.cleaned_data, "line": request.POST["line"]})
            except DonorMismatch as exc:
                candidate = exc.data.get("candidate", {})
                messages.error(
                    request,
                    _("%(message)s Chọn nhà tài trợ đã có (%(name)s) trong danh sách Ủng hộ, hoặc sửa tên.")
                    % {"message": exc.message, "name": candidate.get("name", "")},
                )
            except DomainError as exc:
                messages.error(request, exc.message)
        else:
            messages.error(request, _("Thiếu thông tin: chọn cách xử lý."))
        return redirect("fundraising:review", code=code)
    context = {
        "programme": programme,
        "can_manage": can_manage,
        "rows": queue.review_rows(actor=request.user, programme=programme, limit=200),
        "points": programmes.collection_point_list(actor=request.user, programme=programme),
        "open_deposits": selectors.open_deposits(actor=request.user, programme=programme),
        "open_pledges": [
            r
            for r in selectors.pledge_rows(actor=request.user, programme=programme)
            if r.status in ("expected", "partly_received", "expired") and r.pledge.amount
        ],
    }
    return render(request, "fundraising/review.html", context)
