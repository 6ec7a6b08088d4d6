"""Pages of the people served (issue #17): the public self-check and complaint form (no login, phone-sized, the
same throttle as the API), and the handlers' complaints — list overdue first, one complaint with its steps and the
form to answer it, and a complaint received in person. The ID number is sent by POST, never in a URL."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from phocap.complaints import selectors, selfcheck, services
from phocap.complaints.api import complaint_limit, self_check_limit
from phocap.complaints.models import Complaint
from phocap.core.errors import DomainError
from phocap.core.text import read_date
from phocap.core.web import not_found_as_404
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme, ProgrammeCommune


@not_found_as_404
def self_check_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = selectors.public_programme(code)
    answer, error = None, ""
    if request.method == "POST":
        try:
            self_check_limit(request)
            year = request.POST.get("birth_year", "").strip()
            answer = selfcheck.self_check(
                programme, request.POST.get("id_number", ""), int(year) if year.isdigit() else 0
            )
        except DomainError as exc:
            error = exc.message
    return render(request, "complaints/self_check.html", {"programme": programme, "answer": answer, "error": error})


@not_found_as_404
def complaint_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = selectors.public_programme(code)
    communes = programme.communes.select_related("unit").order_by("unit__name")
    if request.method == "POST":
        try:
            complaint_limit(request)
            filed = services.complaint_file(
                programme=programme,
                commune=selectors.public_commune(programme, request.POST.get("commune", "")),
                category=request.POST.get("category", ""),
                text=request.POST.get("text", ""),
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                key=request.POST.get("key", "")[:64],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return render(request, "complaints/filed.html", {"programme": programme, "complaint": filed})
    return render(
        request,
        "complaints/file.html",
        {
            "programme": programme,
            "communes": communes,
            "categories": Complaint.Category.choices,
            "key": secrets.token_hex(16),
            "form": request.POST,
        },
    )


def _handled_communes(request: HttpRequest, programme: Programme) -> list[ProgrammeCommune]:
    rows = selectors.complaint_communes(actor=request.user, programme=programme)
    if not rows:
        raise Http404
    return rows


@login_required
@not_found_as_404
def complaint_list_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    communes = _handled_communes(request, programme)
    if request.method == "POST":
        commune = next((c for c in communes if c.unit.code == request.POST.get("commune")), None)
        try:
            if commune is None:
                raise Http404
            done = services.complaint_record(
                actor=request.user,
                programme=programme,
                commune=commune,
                category=request.POST.get("category", ""),
                text=request.POST.get("text", ""),
                via=request.POST.get("via", ""),
                received_on=read_date(request.POST.get("received_on")),
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("complaints:list", code=code)
        return redirect("complaints:detail", code=code, complaint_id=done.pk)
    overdue = request.GET.get("qua-han") == "1"
    rows = selectors.complaint_list(actor=request.user, programme=programme, overdue=overdue)
    round_id = request.GET.get("dot", "")
    if round_id.isdigit():  # the approver's view: complaints about a round's lists while they were posted
        rows = rows.filter(round_id=int(round_id))
    return render(
        request,
        "complaints/list.html",
        {
            "programme": programme,
            "rows": rows[:200],
            "round_id": round_id if round_id.isdigit() else "",
            "today": timezone.localdate(),
            "overdue": overdue,
            "communes": communes,
            "categories": Complaint.Category.choices,
            "vias": [v for v in Complaint.Via.choices if v[0] != Complaint.Via.PUBLIC],
        },
    )


def _links(request: HttpRequest) -> dict[str, int | None]:
    """What the complaint is about, by the numbers shown on the person's, the phone's, the gift's, the round's page."""
    values = {
        name: request.POST.get(name, "").strip().lstrip("#") for name in ("resident", "device", "donation", "round")
    }
    return {name: int(v) if v.isdigit() else None for name, v in values.items()}


@login_required
@not_found_as_404
def complaint_detail_page(request: HttpRequest, code: str, complaint_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = selectors.complaint_get(actor=request.user, programme=programme, complaint_id=complaint_id)
    if request.method == "POST":
        try:
            services.complaint_update(
                actor=request.user,
                complaint=found,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
                links=_links(request),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Đã ghi bước xử lý cho phản ánh PA-{found.pk}.")
        return redirect("complaints:detail", code=code, complaint_id=found.pk)
    nexts = [(s, label) for s, label in Complaint.Status.choices if s in services.NEXT[Complaint.Status(found.status)]]
    return render(
        request,
        "complaints/detail.html",
        {
            "programme": programme,
            "c": found,
            "steps": found.steps.all(),
            "overdue": found.is_overdue(timezone.localdate()),
            "nexts": nexts,
        },
    )
