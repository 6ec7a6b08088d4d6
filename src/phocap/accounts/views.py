from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phocap.accounts import scope, selectors, services, team
from phocap.accounts.forms import AuditFilterForm, GeoLoadForm, TeamImportForm, TeamUserForm
from phocap.accounts.models import Role, User
from phocap.core import audit
from phocap.core.errors import DomainError, PermissionDenied
from phocap.geo.services import geo_load_start
from phocap.programmes import selectors as programmes


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


def _team_choices(actor: Any, programme: Any) -> dict[str, list[tuple[str, str]]]:
    return {
        "roles": [(r, str(Role(r).label)) for r in team.grantable(actor)],
        "communes": [(c.unit.code, c.unit.name) for c in programmes.commune_list(actor=actor, programme=programme)],
        "organisations": [(o.key, o.name) for o in programmes.organisation_list(actor=actor, programme=programme)],
    }


def _place(actor: Any, programme: Any, data: dict[str, Any]) -> team.Place:
    """The commune and organisation chosen in the form."""
    return team.place_of(
        actor, programme, data.get("commune") or "", data.get("organisation") or "", data.get("village") or ""
    )


@login_required
def team_page(request: HttpRequest, code: str) -> HttpResponse:
    """The programme's people for its manager: create an account with its role (or a whole village team from a
    sheet), grant and revoke roles, lock an account, reset a password. A new password is shown once."""
    try:
        programme = programmes.programme_get(actor=request.user, code=code)
    except DomainError:
        raise Http404 from None
    if not scope.can_manage_programme(request.user, programme):
        raise Http404
    choices = _team_choices(request.user, programme)
    form = TeamUserForm(request.POST if request.POST.get("action") == "create" else None, **choices)
    upload = TeamImportForm(
        request.POST if request.POST.get("action") == "import" else None,
        request.FILES or None,
        roles=choices["roles"],
        communes=choices["communes"],
    )
    shown: list[dict[str, str]] = []  # temporary passwords, on this response only
    if request.method == "POST":
        try:
            shown = _team_action(request, programme, form, upload)
        except DomainError as exc:
            messages.error(request, exc.message)
        if not shown and not form.errors and not upload.errors:
            return redirect("team", code=code)
        if shown:  # done: the forms start empty again
            form = TeamUserForm(None, **choices)
            upload = TeamImportForm(None, roles=choices["roles"], communes=choices["communes"])
    context = {
        "programme": programme,
        "people": team.team_list(actor=request.user, programme=programme),
        "form": form,
        "upload": upload,
        "shown": shown,
        "roles": choices["roles"],
        "communes": choices["communes"],
    }
    response = render(request, "accounts/team.html", context)
    response["Cache-Control"] = "private, no-store"  # it may show a temporary password
    return response


def _team_action(request: HttpRequest, programme: Any, form: Any, upload: Any) -> list[dict[str, str]]:
    action = request.POST.get("action", "")
    actor = request.user
    if action == "create" and form.is_valid():
        data = form.cleaned_data
        user, password = team.team_user_create(
            actor=actor,
            programme=programme,
            full_name=data["full_name"],
            role=data["role"],
            place=_place(actor, programme, data),
            username=data["username"],
            phone=data["phone"],
        )
        return [{"username": user.username, "full_name": user.full_name, "password": password}]
    if action == "import" and upload.is_valid():
        data = upload.cleaned_data
        commune = _place(actor, programme, data).commune
        file = data["file"]
        return team.team_import(
            actor=actor, programme=programme, data=file.read(), filename=file.name, role=data["role"], commune=commune
        )
    target = User.objects.filter(pk=int(request.POST.get("user", "0") or 0)).first()
    if action == "revoke":
        team.team_revoke(actor=actor, programme=programme, membership_id=int(request.POST.get("membership", "0") or 0))
        messages.success(request, _("Đã thu hồi vai trò."))
    elif target is None:
        return []
    elif action == "grant":
        place = _place(actor, programme, request.POST.dict())
        team.team_grant(actor=actor, programme=programme, user=target, role=request.POST.get("role", ""), place=place)
        messages.success(request, _("Đã cấp vai trò cho %(u)s.") % {"u": target.username})
    elif action in ("deactivate", "activate"):
        team.team_deactivate(actor=actor, programme=programme, user=target, active=action == "activate")
        messages.success(request, _("Đã cập nhật tài khoản %(u)s.") % {"u": target.username})
    elif action == "reset":
        password = team.team_password_reset(actor=actor, programme=programme, user=target)
        return [{"username": target.username, "full_name": target.full_name, "password": password}]
    return []
