from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phocap.accounts import scope
from phocap.core.errors import DomainError, NotFound
from phocap.core.web import add_domain_error
from phocap.geo import selectors as geo
from phocap.programmes import selectors, services
from phocap.programmes.forms import AssignmentForm, CommuneFiguresForm, OrganisationEditForm, OrganisationForm
from phocap.programmes.models import Programme


def _programme(request: HttpRequest, code: str) -> Programme:
    try:
        return selectors.programme_get(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def home(request: HttpRequest) -> HttpResponse:
    """Public landing page; signed-in users with one programme go straight to it."""
    if request.user.is_authenticated:
        mine = list(selectors.programme_list(actor=request.user)[:2])
        if len(mine) == 1:
            return redirect("programme", code=mine[0].code)
        return render(request, "programmes/home.html", {"programmes": mine, "public": False})
    return render(request, "programmes/home.html", {"programmes": selectors.public_programmes(), "public": True})


@login_required
def programme_home(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    communes = list(selectors.commune_list(actor=request.user, programme=programme))
    now_part_of = geo.successor_map([c.unit_id for c in communes])
    rows: list[dict[str, Any]] = [
        {
            "commune": c,
            "department": selectors.department_of(c),
            "enterprises": selectors.enterprises_of(c),
            "successors": now_part_of.get(c.unit_id, []),
        }
        for c in communes
    ]
    totals = {
        "adults": sum(c.adult_population for c in communes),
        "baseline": sum(c.baseline_without_smartphone for c in communes),
    }
    totals["funds_needed"] = totals["baseline"] * programme.phone_package_price
    return render(
        request,
        "programmes/programme.html",
        {
            "programme": programme,
            "rows": rows,
            "totals": totals,
            "any_example": any(a.is_example for r in rows for a in [r["department"], *r["enterprises"]] if a),
            "can_manage": scope.can_manage_programme(request.user, programme),
            "points": selectors.collection_point_list(actor=request.user, programme=programme),
        },
    )


@login_required
def commune_detail(request: HttpRequest, code: str, commune_code: str) -> HttpResponse:
    programme = _programme(request, code)
    try:
        commune = selectors.commune_get(actor=request.user, programme=programme, code=commune_code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    can_write = scope.can_write_commune(request.user, commune)
    form = CommuneFiguresForm(
        request.POST or None,
        initial={
            "adult_population": commune.adult_population,
            "baseline_without_smartphone": commune.baseline_without_smartphone,
            "target_percent": commune.target_percent,
            "figures_source": commune.figures_source,
        },
    )
    if request.method == "POST":
        if not can_write:
            raise Http404(_("Không tìm thấy."))
        if form.is_valid():
            try:
                services.commune_update_figures(actor=request.user, commune=commune, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Đã lưu số liệu của %(name)s.") % {"name": commune.unit.name})
                return redirect("commune", code=code, commune_code=commune_code)
    return render(
        request,
        "programmes/commune.html",
        {
            "programme": programme,
            "commune": commune,
            "form": form,
            "can_write": can_write,
            "department": selectors.department_of(commune),
            "enterprises": selectors.enterprises_of(commune),
            "successors": list(geo.successors(commune.unit)),
        },
    )


@login_required
def organisations(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    can_manage = scope.can_manage_programme(request.user, programme)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404(_("Không tìm thấy."))
        if form.is_valid():
            try:
                org = services.organisation_create(actor=request.user, programme=programme, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Đã thêm tổ chức %(name)s.") % {"name": org.name})
                return redirect("organisations", code=code)
    return render(
        request,
        "programmes/organisations.html",
        {
            "programme": programme,
            "organisations": selectors.organisation_list(actor=request.user, programme=programme),
            "form": form,
            "can_manage": can_manage,
            "show_contacts": scope.can_see_personal_data(request.user),
        },
    )


@login_required
def organisation_edit(request: HttpRequest, code: str, key: str) -> HttpResponse:
    programme = _programme(request, code)
    if not scope.can_manage_programme(request.user, programme):
        raise Http404(_("Không tìm thấy."))
    try:
        organisation = selectors.organisation_get(actor=request.user, programme=programme, key=key)
    except NotFound as exc:
        raise Http404(exc.message) from None
    fields = ("name", "short_name", "kind", "contact_name", "contact_phone", "contact_email")
    form = OrganisationEditForm(request.POST or None, initial={f: getattr(organisation, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, programme=programme, organisation=organisation, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Đã lưu tổ chức %(name)s.") % {"name": form.cleaned_data["name"]})
            return redirect("organisations", code=code)
    return render(
        request,
        "programmes/organisation_edit.html",
        {"programme": programme, "organisation": organisation, "form": form},
    )


@login_required
def assignments(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    can_manage = scope.can_manage_programme(request.user, programme)
    communes = [
        (c.unit.code, f"{c.unit.code} — {c.unit.name}")
        for c in selectors.commune_list(actor=request.user, programme=programme)
    ]
    orgs = [
        (o.key, str(o.name))
        for o in selectors.organisation_list(actor=request.user, programme=programme)
        if o.kind in ("department", "enterprise")
    ]
    form = AssignmentForm(request.POST or None, communes=communes, organisations=orgs)
    if request.method == "POST":
        if not can_manage:
            raise Http404(_("Không tìm thấy."))
        if form.is_valid():
            try:
                services.assignment_create(actor=request.user, programme=programme, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Đã lưu phân công."))
                return redirect("assignments", code=code)
    include_ended = request.GET.get("all") == "1"
    return render(
        request,
        "programmes/assignments.html",
        {
            "programme": programme,
            "form": form,
            "can_manage": can_manage,
            "include_ended": include_ended,
            "assignments": selectors.assignment_list(
                actor=request.user, programme=programme, include_ended=include_ended
            ),
        },
    )


@login_required
@require_POST
def assignment_end(request: HttpRequest, code: str, assignment_id: int) -> HttpResponse:
    programme = _programme(request, code)
    try:
        assignment = selectors.assignment_get(actor=request.user, programme=programme, assignment_id=assignment_id)
        services.assignment_end(actor=request.user, programme=programme, assignment=assignment)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã kết thúc phân công: %(a)s.") % {"a": assignment})
    return redirect("assignments", code=code)
