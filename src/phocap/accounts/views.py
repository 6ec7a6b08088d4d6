from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phocap.accounts import scope, selectors, services
from phocap.accounts.forms import AuditFilterForm, GeoLoadForm
from phocap.core import audit
from phocap.core.errors import DomainError, PermissionDenied
from phocap.geo.services import geo_load_start


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        events = selectors.audit_event_list(
            actor=request.user,
            action=filters.get("action") or "",
            actor_label=filters.get("actor") or "",
            programme_code=filters.get("programme") or "",
            since=filters.get("since"),
            until=filters.get("until"),
        )
    except PermissionDenied as exc:
        raise Http404(exc.message) from None
    page = Paginator(events.select_related(None), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # a reader who may see people gets each person's masked name beside the number; the auditor only the number
    live = audit.live_labels(page.object_list) if scope.can_see_personal_data(request.user) else {}
    rows = [(e, live.get(e.pk, "")) for e in page]
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "accounts/audit.html", context)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    can_load = scope.can_manage_geography(request.user)
    form = GeoLoadForm(request.POST or None)
    if request.method == "POST":
        if not can_load:
            raise Http404(_("Không tìm thấy."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = geo_load_start(
                    actor=request.user,
                    province=data["province"] or None,
                    legacy=data["legacy"],
                    load_all=data["load_all"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã đưa vào hàng đợi: %(label)s.") % {"label": job.label})
                return redirect("tasks")
    jobs = selectors.job_list(actor=request.user)
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    running = any(j.status in ("queued", "running") for j in page)
    return render(
        request, "accounts/tasks.html", {"page": page, "form": form, "can_load": can_load, "running": running}
    )


@login_required
@require_POST
def task_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """The "Chạy lại" button of a failed job."""
    try:
        job = services.job_retry(actor=request.user, job_id=job_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã đưa vào hàng đợi lại: %(label)s.") % {"label": job.label})
    return redirect("tasks")
