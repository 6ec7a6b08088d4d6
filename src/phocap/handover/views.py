"""Handover pages, light enough for a phone at a village hall: the commune's events, an event's people with a
short form each (sent once even when retried: the form carries its key), minutes and receipts as PDF."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.allocation import selectors as allocation
from phocap.allocation.models import Reservation
from phocap.core.errors import Conflict, DomainError
from phocap.core.text import read_day
from phocap.core.web import PDF, file_response, not_found_as_404
from phocap.handover import attendance, minutes, selectors, services
from phocap.handover.models import HandoverEvent
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.normalize import CARRIERS


def _communes(request: HttpRequest, programme: Programme) -> list[ProgrammeCommune]:
    return [
        c
        for c in programmes.commune_list(actor=request.user, programme=programme)
        if scope.can_write_commune(request.user, c)
    ]


@login_required
@not_found_as_404
def events(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    communes = _communes(request, programme)
    if not communes:
        raise Http404
    if request.method == "POST":
        commune = next((c for c in communes if c.unit.code == request.POST.get("commune")), None)
        try:
            if commune is None:
                raise Http404
            event = services.event_create(
                actor=request.user,
                programme=programme,
                commune=commune,
                held_on=read_day(request.POST.get("held_on"), field="held_on"),
                place=request.POST.get("place", ""),
                organisers=request.POST.get("organisers", ""),
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Ngày không hợp lệ.")))
            return redirect("handover:events", code=code)
        return redirect("handover:event", code=code, event_id=event.pk)
    listing = selectors.event_list(actor=request.user, communes=communes)
    return render(request, "handover/events.html", {"programme": programme, "events": listing, "communes": communes})


def _reservation(request: HttpRequest, event: HandoverEvent) -> Reservation:
    return allocation.reservation_get(
        actor=request.user, commune=event.commune, reservation_id=int(request.POST.get("reservation") or 0)
    )


def _act(request: HttpRequest, event: HandoverEvent) -> None:
    """One of the hall page's forms: a handover (the default), an absence or its undoing, closing the event."""
    action = request.POST.get("action", "give")
    if action == "close":
        attendance.event_close(actor=request.user, event=event)
        messages.success(request, _("Đã kết thúc buổi trao; biên bản đã được lập."))
    elif action == "undo_absent":
        reservation = _reservation(request, event)
        attendance.absent_undo(actor=request.user, event=event, reservation=reservation)
        messages.success(
            request, _("Đã hoàn tác: máy lại được giữ cho %(name)s.") % {"name": reservation.resident.full_name}
        )
    elif action == "absent":
        offered = attendance.absent_record(
            actor=request.user,
            event=event,
            reservation=_reservation(request, event),
            reason=request.POST.get("reason") or "Vắng mặt",
        )
        messages.success(
            request, _("Đã trả máy về kho và mời người tiếp theo.") if offered else _("Đã trả máy về kho.")
        )
    else:
        _give(request, event)


VERIFIED_FOR = 15 * 60  # seconds an identity checked by an attempt refused only on the phone stays checked


def _verified(request: HttpRequest, event: HandoverEvent) -> dict[str, str]:
    """{reservation id: how identity was checked} for this event's attempts of the last minutes that failed only on
    the phone — kept in the signed-in officer's session (never the number itself)."""
    now = time.time()
    kept = request.session.get("phocap-verified", {})
    return {k[len(f"{event.pk}:") :]: v[0] for k, v in kept.items() if k.startswith(f"{event.pk}:") and v[1] > now}


def _remember(request: HttpRequest, event: HandoverEvent, reservation: int, how: str | None) -> None:
    kept = {k: v for k, v in request.session.get("phocap-verified", {}).items() if v[1] > time.time()}
    if how is None:
        kept.pop(f"{event.pk}:{reservation}", None)
    else:
        kept[f"{event.pk}:{reservation}"] = (how, time.time() + VERIFIED_FOR)
    request.session["phocap-verified"] = kept


def _give(request: HttpRequest, event: HandoverEvent) -> None:
    reservation = int(request.POST.get("reservation", "0") or 0)
    typed = request.POST.get("id_number", "").strip()
    verified = "" if typed else _verified(request, event).get(str(reservation), "")
    try:
        done = services.handover_record(
            actor=request.user,
            event=event,
            reservation_id=reservation,
            id_number=request.POST.get("id_number", ""),
            scanned=request.POST.get("scanned") == "1",
            imei=request.POST.get("imei_typed", "").strip() or request.POST.get("imei", ""),
            sim_activated=request.POST.get("sim") == "1",
            confirmation=request.POST.get("confirmation", ""),
            key=request.POST.get("key", ""),
            photo=upload.read() if (upload := request.FILES.get("photo")) else None,
            sim_number=request.POST.get("sim_number", ""),
            sim_carrier=request.POST.get("sim_carrier", ""),
            verified=verified,
        )
    except Conflict as exc:
        if exc.code == "wrong_device":  # the identity passed (it is checked first): not asked again for a while
            how = verified or ("scanned" if request.POST.get("scanned") == "1" else "typed")
            _remember(request, event, reservation, how)
        raise
    _remember(request, event, reservation, None)
    messages.success(request, _("Đã trao máy cho %(name)s.") % {"name": done.resident.full_name})


@login_required
@not_found_as_404
def event(request: HttpRequest, code: str, event_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = selectors.event_get(actor=request.user, programme=programme, event_id=event_id)
    if request.method == "POST":
        try:
            _act(request, found)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Không tìm thấy.")))
        return redirect("handover:event", code=code, event_id=found.pk)
    verified = _verified(request, found)
    waiting = [(r, services.new_key(), verified.get(str(r.pk))) for r in allocation.expected(found.commune)]
    given = selectors.handovers_of(found)
    context = {
        "programme": programme,
        "event": found,
        "waiting": waiting,
        "done": given,
        "absent": selectors.absences_of(found),
        "carriers": CARRIERS,
    }
    return render(request, "handover/event.html", context)


@login_required
@not_found_as_404
def minutes_pdf(request: HttpRequest, code: str, event_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = selectors.event_get(actor=request.user, programme=programme, event_id=event_id)
    return file_response(attendance.minutes_of(found), PDF, f"bien-ban-ban-giao-{found.pk}.pdf", inline=True)


@login_required
@not_found_as_404
def labels(request: HttpRequest, code: str, event_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = selectors.event_get(actor=request.user, programme=programme, event_id=event_id)
    data = services.labels_pdf(actor=request.user, event=found)
    return file_response(data, PDF, f"nhan-hop-may-{found.pk}.pdf", inline=True, private=True)


@login_required
@not_found_as_404
def receipt_pdf(request: HttpRequest, code: str, handover_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = selectors.handover_get(actor=request.user, programme=programme, handover_id=handover_id)
    return file_response(minutes.render_receipt(found), PDF, f"xac-nhan-{found.pk}.pdf", inline=True, private=True)


@login_required
@not_found_as_404
def photo(request: HttpRequest, code: str, handover_id: int) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    found = selectors.handover_get(actor=request.user, programme=programme, handover_id=handover_id)
    picture = services.photo_view(actor=request.user, handover=found)
    response = HttpResponse(bytes(picture.content), content_type=picture.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
