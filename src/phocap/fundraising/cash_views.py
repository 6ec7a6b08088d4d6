"""The cash page (issue #16): what each collection point received, paid into the bank and holds; a deposit slip
recorded from there; the slips and whether the bank statement has shown them arrive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.amounts import read_amount
from phocap.core.errors import DomainError
from phocap.core.money import format_vnd
from phocap.core.text import read_day
from phocap.core.vnwords import amount_in_words
from phocap.core.web import not_found_as_404
from phocap.fundraising import selectors
from phocap.fundraising.services.cash import cash_deposit, cash_deposit_cancel
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme


@login_required
@not_found_as_404
def cash(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    if not scope.can_view_fundraising(request.user, programme):
        raise Http404
    can_manage = scope.can_manage_fundraising(request.user, programme)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if request.POST.get("cancel"):
            return _cancel(request, programme)
        try:
            deposit = cash_deposit(
                actor=request.user,
                programme=programme,
                point=programmes.collection_point_get(
                    actor=request.user, programme=programme, key=request.POST.get("point", "")
                ),
                amount=read_amount(request.POST.get("amount"), small_ok=request.POST.get("confirm_small") == "on"),
                deposited_on=read_day(request.POST.get("deposited_on"), field="deposited_on"),
                reference=request.POST.get("reference", ""),
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Ngày không hợp lệ.")))
        else:
            left = selectors.cash_held(programme, deposit.collection_point)
            messages.success(
                request,
                _("Đã ghi giấy nộp tiền: %(amount)s (%(words)s) từ %(point)s; điểm cầu còn giữ %(left)s.")
                % {
                    "amount": format_vnd(deposit.amount),
                    "words": amount_in_words(deposit.amount),
                    "point": deposit.collection_point,
                    "left": format_vnd(left),
                },
            )
        return redirect("fundraising:cash", code=code)
    context = {
        "programme": programme,
        "can_manage": can_manage,
        "points": selectors.cash_points(actor=request.user, programme=programme),
        "deposits": selectors.cash_deposits(actor=request.user, programme=programme)[:100],
    }
    return render(request, "fundraising/cash.html", context)


def _cancel(request: HttpRequest, programme: Programme) -> HttpResponse:
    """Undo a slip recorded by mistake (its entry reversed: the cash is back at the point), with the reason."""
    try:
        deposit = selectors.cash_deposit_get(
            actor=request.user, programme=programme, deposit_id=int(request.POST.get("cancel", 0))
        )
        cash_deposit_cancel(actor=request.user, deposit=deposit, reason=request.POST.get("reason", ""))
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Không tìm thấy giấy nộp tiền.")))
    else:
        messages.success(
            request,
            _("Đã hủy giấy nộp tiền %(amount)s của %(point)s: tiền mặt trở lại điểm cầu.")
            % {"amount": format_vnd(deposit.amount), "point": deposit.collection_point},
        )
    return redirect("fundraising:cash", code=programme.code)
