"""Who came and who did not (issue #15): a person recorded absent at an event — their phone back to stock and
offered to the next in line — and that undone when they come after all, until the event is closed; closing an
event makes its minutes, which later returns or swaps do not rewrite, and ends all recording at it."""

from __future__ import annotations

from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation import services as allocation
from phocap.allocation.models import Reservation
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound
from phocap.core.services import service
from phocap.handover import minutes
from phocap.handover.models import Absence, EventMinutes, Handover, HandoverEvent


def open_locked(event: HandoverEvent) -> HandoverEvent:
    """The event, locked for the caller's transaction (recording at it waits for a close, and the other way
    round); refused once it is closed."""
    locked = HandoverEvent.objects.select_for_update().select_related("commune__unit", "programme").get(pk=event.pk)
    if locked.closed_at is not None:
        raise Conflict(
            f"Buổi trao đã kết thúc lúc {timezone.localtime(locked.closed_at):%H:%M %d/%m/%Y}: không ghi thêm được; "
            "tạo buổi trao mới cho người đến sau.",
            code="event_closed",
        )
    return locked


def _writable(actor: scope.Actor, event: HandoverEvent) -> HandoverEvent:
    if not scope.can_write_commune(actor, event.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    return open_locked(event)


@service(audits=[Action.RESERVATION_RELEASE])
def absent_record(
    *, actor: scope.Actor, event: HandoverEvent, reservation: Reservation, reason: str = "Vắng mặt"
) -> Reservation | None:
    """The person expected at the event did not come: their phone goes back to ready and to the next person in
    line of the same round and commune (whose reservation is returned; None when nobody is left)."""
    locked = _writable(actor, event)
    if reservation.commune_id != locked.commune_id:
        raise NotFound("Người này không có trong danh sách chờ nhận máy của buổi trao.")
    offered = allocation.reservation_release(actor=actor, reservation=reservation, reason=reason)
    Absence.objects.create(
        event=locked, reservation=reservation, reason=reason.strip()[:300], recorded_by=_label(actor)
    )
    return offered


@service(audits=[Action.RESERVATION_RESTORE])
def absent_undo(*, actor: scope.Actor, event: HandoverEvent, reservation: Reservation) -> Reservation:
    """Undo an absence recorded at this event (the person came after all), while the event is open."""
    locked = _writable(actor, event)
    absence = (
        Absence.objects.select_for_update()
        .filter(event=locked, reservation=reservation, undone_at__isnull=True)
        .first()
    )
    if absence is None:
        raise NotFound("Người này không được ghi vắng mặt ở buổi trao này.")
    back = allocation.reservation_restore(actor=actor, reservation=reservation)
    absence.undone_at = timezone.now()
    absence.save(update_fields=["undone_at"])
    return back


@service(audits=[Action.HANDOVER_EVENT_CLOSE])
def event_close(*, actor: scope.Actor, event: HandoverEvent) -> HandoverEvent:
    """The event is over: its minutes are made as they stand and kept; nothing more is recorded at it, and its
    absences can no longer be undone. The people still waiting keep their phones for a later event. Closing a
    closed event (a double tap) returns it unchanged."""
    if not scope.can_write_commune(actor, event.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    locked = HandoverEvent.objects.select_for_update().select_related("commune__unit", "programme").get(pk=event.pk)
    if locked.closed_at is not None:
        return locked
    locked.closed_at, locked.closed_by = timezone.now(), _label(actor)
    locked.save(update_fields=["closed_at", "closed_by"])
    handed = Handover.objects.filter(event=locked).count()
    absent = Absence.objects.filter(event=locked, undone_at__isnull=True).count()
    EventMinutes.objects.create(
        event=locked, content=minutes.render_minutes(locked), handed=handed, absent=absent, made_at=locked.closed_at
    )
    audit.record(
        actor=actor,
        action=Action.HANDOVER_EVENT_CLOSE,
        obj=locked,
        programme_code=locked.programme.code,
        extra={"handed": handed, "absent": absent},
    )
    return locked


def minutes_of(event: HandoverEvent) -> bytes:
    """The event's minutes: as made when it closed, or — while it is open — a draft of them as they stand."""
    kept = EventMinutes.objects.filter(event=event).first()
    return bytes(kept.content) if kept is not None else minutes.render_minutes(event)
