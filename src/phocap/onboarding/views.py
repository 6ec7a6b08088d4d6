"""Onboarding pages, made for a team member's phone: the recipients of their village by household with the
checklist (a few taps for a whole household), the follow-up visits due, the commune's teams and guidance
sessions, and the province's verification sample."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.allocation import selectors as allocation
from phocap.core.errors import DomainError, NotFound
from phocap.core.text import read_date
from phocap.core.web import not_found_as_404
from phocap.handover import selectors as handover_selectors
from phocap.handover import services as handover_services
from phocap.onboarding import selectors, services
from phocap.onboarding.models import FollowUpVisit, GuidanceSession, Step, Verification
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme, ProgrammeCommune


def _date(text: str | None) -> dt.date:
    """The date typed on the form; empty: today."""
    return read_date(text) or timezone.localdate()


def _writable(request: HttpRequest, programme: Programme) -> list[ProgrammeCommune]:
    return [
        c
        for c in programmes.commune_list(actor=request.user, programme=programme)
        if scope.can_write_commune(request.user, c)
    ]


def _next_step(request: HttpRequest, programme: Programme) -> None:
    """After a follow-up found the phone broken, lost or sold: swap it from the commune's stock, take it back for
    repair, or record the loss (the handover's services: the commune officer's)."""
    found = handover_selectors.handover_get(
        actor=request.user, programme=programme, handover_id=int(request.POST.get("handover", "0") or 0)
    )
    action, reason = request.POST.get("action"), request.POST.get("reason", "")
    if action == "replace":
        new = handover_services.handover_replace(
            actor=request.user, handover=found, imei=request.POST.get("imei", ""), reason=reason
        )
        messages.success(request, _("Đã đổi máy: IMEI mới %(imei)s.") % {"imei": new.device.imei})
    elif action == "take_back":
        handover_services.handover_return(actor=request.user, handover=found, reason=reason, device_ok=False)
        messages.success(request, _("Đã nhận lại máy để sửa; khi sửa xong, kiểm tra lại ở trang Điện thoại."))
    else:
        handover_services.handover_lost(actor=request.user, handover=found, reason=reason)
        messages.success(request, _("Đã ghi nhận máy bị mất hoặc đã bán."))


@login_required
@not_found_as_404
def checklist(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "visit":
                services.followup_record(
                    actor=request.user,
                    programme=programme,
                    resident_id=int(request.POST.get("resident", "0") or 0),
                    days=int(request.POST.get("days", "0") or 0),
                    visited_on=_date(request.POST.get("visited_on")),
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                    steps=request.POST.getlist("step"),
                )
                messages.success(request, _("Đã ghi lần theo dõi."))
            elif request.POST.get("action") in ("replace", "take_back", "lost"):
                _next_step(request, programme)
            elif request.POST.get("action") == "undo":
                services.step_undo(
                    actor=request.user,
                    programme=programme,
                    resident_id=int(request.POST.get("resident", "0") or 0),
                    step=request.POST.get("step", ""),
                )
                messages.success(request, _("Đã bỏ bước đã chọn."))
            else:
                written = services.steps_record(
                    actor=request.user,
                    programme=programme,
                    resident_ids=[int(i) for i in request.POST.getlist("resident")],
                    steps=request.POST.getlist("step"),
                    done_on=_date(request.POST.get("done_on")),
                    detail=request.POST.get("detail", ""),
                )
                messages.success(request, _("Đã ghi %(n)s bước.") % {"n": written})
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Dữ liệu không hợp lệ.")))
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    village = request.GET.get("thon") or None
    people = selectors.recipients(actor=request.user, programme=programme, village=village, on=programme.as_of())
    households = [
        (key, members, [(v, label) for v, label in Step.choices if any(v not in r.steps for r in members)])
        for key, group in groupby(
            people, key=lambda r: (r.resident.commune_id, r.resident.household_id or -r.resident.pk)
        )
        for members in [list(group)]
    ]  # each household with the steps someone in it has still to do (a step everyone did is not offered)
    due = sorted(
        ((r, d) for r in people for d in r.due),
        key=lambda pair: (not pair[1]["overdue"], pair[1]["due_on"]),
    )
    villages = sorted({r.resident.village for r in people if r.resident.village})
    writable = {c.pk: c for c in _writable(request, programme)}
    trouble = [r for r in people if r.trouble is not None and r.resident.commune_id in writable]
    spares = {
        cid: list(allocation.ready_devices(programme).filter(location_id=cid).select_related("phone_model")[:30])
        for cid in {r.resident.commune_id for r in trouble}
    }
    context = {
        "trouble": [(r, spares[r.resident.commune_id]) for r in trouble],
        "programme": programme,
        "households": households,
        "due": due,
        "steps": Step.choices,
        "outcomes": FollowUpVisit.Outcome.choices,
        "villages": villages,
        "village": village,
        "today": programme.as_of(),
        "count": len(people),
    }
    return render(request, "onboarding/checklist.html", context)


@login_required
@not_found_as_404
def teams(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    communes = _writable(request, programme)
    if request.method == "POST" and communes:
        try:
            if request.POST.get("action") == "member":
                team = selectors.team_get(
                    actor=request.user, programme=programme, team_id=int(request.POST.get("team", "0") or 0)
                )
                services.team_member_add(
                    actor=request.user,
                    team=team,
                    name=request.POST.get("name", ""),
                    is_leader=request.POST.get("leader") == "1",
                )
                messages.success(request, _("Đã thêm thành viên."))
            else:
                commune = next((c for c in communes if c.unit.code == request.POST.get("commune")), None)
                if commune is None:
                    raise Http404
                services.team_create(
                    actor=request.user,
                    commune=commune,
                    village=request.POST.get("village", ""),
                    name=request.POST.get("name", ""),
                )
                messages.success(request, _("Đã lập tổ."))
        except NotFound:
            raise  # another commune's team: as if it did not exist (404)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("onboarding:teams", code=code)
    found = selectors.teams(actor=request.user, programme=programme)
    context = {
        "programme": programme,
        "teams": found,
        "named": {t.pk for t in found if scope.can_see_people(request.user, t.commune)},  # others see a count
        "communes": communes,
    }
    return render(request, "onboarding/teams.html", context)


@login_required
@not_found_as_404
def sessions(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    communes = programmes.commune_list(actor=request.user, programme=programme)
    if request.method == "POST":
        commune = next((c for c in communes if c.unit.code == request.POST.get("commune")), None)
        try:
            if commune is None:
                raise Http404
            session = services.session_create(
                actor=request.user,
                commune=commune,
                held_on=_date(request.POST.get("held_on")),
                topic=request.POST.get("topic", ""),
                organiser_kind=request.POST.get("organiser_kind", ""),
                village=request.POST.get("village", ""),
                head_count=int(request.POST.get("head_count", "0") or 0),
                attendee_ids=[int(i) for i in request.POST.getlist("attendee")],
            )
            messages.success(request, _("Đã ghi buổi hướng dẫn ngày %(d)s.") % {"d": f"{session.held_on:%d/%m/%Y}"})
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Dữ liệu không hợp lệ.")))
        return redirect("onboarding:sessions", code=code)
    context = {
        "programme": programme,
        "sessions": selectors.sessions(actor=request.user, programme=programme),
        "communes": communes,
        "organisers": GuidanceSession.Organiser.choices,
        "people": selectors.recipients(actor=request.user, programme=programme),
        "today": programme.as_of(),
    }
    return render(request, "onboarding/sessions.html", context)


@login_required
@not_found_as_404
def verification(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    if not scope.can_manage_programme(request.user, programme):
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "draw":
                try:
                    confidence = Decimal(request.POST.get("confidence", "95"))
                    margin = Decimal(request.POST.get("margin", "5").replace(",", "."))
                except InvalidOperation:
                    raise DomainError(_("Số không hợp lệ.")) from None
                sample = services.sample_draw(
                    actor=request.user,
                    programme=programme,
                    confidence=confidence,
                    margin=margin,
                    seed=request.POST.get("seed", ""),
                )
                messages.success(request, _("Đã rút mẫu %(n)s lần trao.") % {"n": sample.size})
            else:
                item = selectors.sample_item_get(
                    actor=request.user, programme=programme, item_id=int(request.POST.get("item", "0") or 0)
                )
                services.verification_record(
                    actor=request.user,
                    item=item,
                    method=request.POST.get("method", ""),
                    result=request.POST.get("result", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Đã ghi kết quả kiểm chứng."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("onboarding:verification", code=code)
    latest = selectors.samples(actor=request.user, programme=programme).first()
    context = {
        "programme": programme,
        "sample": latest,
        "items": selectors.sample_items(actor=request.user, sample=latest) if latest else [],
        "flagged": selectors.flagged(actor=request.user, programme=programme),
        "methods": Verification.Method.choices,
        "results": Verification.Result.choices,
    }
    return render(request, "onboarding/verification.html", context)
