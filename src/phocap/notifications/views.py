"""The manager's outbox (issue #17): counts by status, failures first with a retry, "send what is due now", and
an opt-out — the same services as `phocap notify` and the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from phocap.core.errors import DomainError
from phocap.core.web import not_found_as_404
from phocap.notifications import selectors, services
from phocap.notifications.models import Message
from phocap.programmes import selectors as programmes
from phocap.registry import selectors as registry


@login_required
@not_found_as_404
def outbox(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    status = request.GET.get("status", "")
    rows = selectors.message_list(actor=request.user, programme=programme, status=status)  # the manager's, or 404
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "retry":
                found = selectors.message_get(
                    actor=request.user, programme=programme, message_id=int(request.POST.get("message", "0") or 0)
                )
                services.message_retry(actor=request.user, message=found)
                messages.success(request, f"Tin #{found.pk} sẽ được gửi lại.")
            elif action == "opt_out":
                services.contact_opt_out(
                    actor=request.user,
                    programme=programme,
                    recipient=request.POST.get("recipient", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, "Đã ghi: không gửi tin nhắn đến người nhận này nữa.")
            else:
                done = services.notify_send_due(actor=request.user, programme=programme)
                messages.success(
                    request, f"Đã xếp hàng {done['queued']} tin; đã gửi {done['sent']}, lỗi {done['failed']}."
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("notifications:outbox", code=code)
    return render(
        request,
        "notifications/outbox.html",
        {
            "programme": programme,
            "rows": rows.select_related("resident")[:200],
            "counts": selectors.counts(programme),
            "statuses": Message.Status.choices,
            "status": status,
        },
    )


@login_required
@not_found_as_404
def person_messages(request: HttpRequest, code: str, resident_id: int) -> HttpResponse:
    """The messages sent to one person, for those who may see that person (their page links here)."""
    programme = programmes.programme_get(actor=request.user, code=code)
    person = registry.resident_get(actor=request.user, programme=programme, resident_id=resident_id)
    return render(
        request,
        "notifications/person.html",
        {"programme": programme, "person": person, "rows": selectors.messages_of(person)[:100]},
    )
