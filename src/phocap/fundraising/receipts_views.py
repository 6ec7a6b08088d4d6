"""The certificates page (issue #16): every gift of a period without a certificate numbered by one POST, the
period's certificates listed, printed as one PDF and e-mailed to the donors who gave an address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.errors import DomainError
from phocap.core.text import read_date
from phocap.core.web import PDF, file_response, not_found_as_404
from phocap.fundraising import selectors, services
from phocap.fundraising.services import receipts as certificates
from phocap.programmes import selectors as programmes

SHOWN = 500


def _sent_message(sent: certificates.Sent) -> str:
    return _("Đã gửi thư %(sent)s giấy; %(without)s nhà tài trợ không có địa chỉ thư; %(failed)s thư gửi lỗi.") % {
        "sent": len(sent.sent),
        "without": sent.without_address,
        "failed": sent.failed,
    }


def _post(request: HttpRequest, programme, start, end) -> None:  # type: ignore[no-untyped-def]
    if request.POST.get("action") == "issue":
        issued = services.receipts_issue_period(actor=request.user, programme=programme, start=start, end=end)
        if not issued:
            messages.info(request, _("Mọi khoản trong kỳ đã có giấy chứng nhận."))
            return
        messages.success(
            request,
            _("Đã cấp %(n)s giấy chứng nhận, số %(first)s đến %(last)s.")
            % {"n": len(issued), "first": issued[0].label, "last": issued[-1].label},
        )
        chosen = issued
    else:
        chosen = list(selectors.receipts_of_period(programme, *selectors.checked_period(programme, start, end)))
    if request.POST.get("email") or request.POST.get("action") == "email":
        sent = services.receipts_email(actor=request.user, programme=programme, receipts=chosen)
        (messages.warning if sent.failed else messages.success)(request, _sent_message(sent))


@login_required
@not_found_as_404
def receipts_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    if not scope.can_manage_fundraising(request.user, programme):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    try:
        start, end = read_date(source.get("from")), read_date(source.get("to"))
        start, end = selectors.checked_period(programme, start, end)
        if request.method == "POST":
            _post(request, programme, start, end)
            query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
            return redirect(f"{reverse('fundraising:receipts', args=[code])}?{query}")
        if request.GET.get("download") == "pdf":
            data, _pages = services.receipts_pdf(actor=request.user, programme=programme, start=start, end=end)
            name = f"giay-chung-nhan-{programme.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
            return file_response(data, PDF, name, private=True)
    except DomainError as exc:
        messages.error(request, exc.message)
        start, end = selectors.checked_period(programme, None, None)
    issued = selectors.receipts_of_period(programme, start, end).prefetch_related("emails")
    context = {
        "programme": programme,
        "start": start,
        "end": end,
        "receipts": issued[:SHOWN],
        "count": issued.count(),
        "waiting": selectors.without_receipt(programme, start, end).count(),
        "shown": SHOWN,
    }
    return render(request, "fundraising/receipts.html", context)
