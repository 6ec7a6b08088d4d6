"""Reads of the outbox: the manager's page and a person's messages."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from phocap.accounts import scope
from phocap.core.errors import NotFound
from phocap.notifications.models import Message
from phocap.programmes.models import Programme
from phocap.registry.models import Resident


def message_list(*, actor: scope.Actor, programme: Programme, status: str = "") -> QuerySet[Message]:
    """The outbox, for the manager: failures first, then the newest."""
    if not scope.can_manage_programme(actor, programme):
        raise NotFound("Không tìm thấy trang.")
    rows = Message.objects.filter(programme=programme)
    if status:
        rows = rows.filter(status=status)
    failed_first = Case(
        When(status=Message.Status.FAILED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return rows.annotate(failed_first=failed_first).order_by("failed_first", "-created_at", "-pk")


def message_get(*, actor: scope.Actor, programme: Programme, message_id: int) -> Message:
    found = message_list(actor=actor, programme=programme).filter(pk=message_id).first()
    if found is None:
        raise NotFound("Không tìm thấy tin nhắn.")
    return found


def messages_of(resident: Resident) -> QuerySet[Message]:
    """A person's messages, for their page (the caller has already read the person through a scoped selector)."""
    return Message.objects.filter(resident=resident).order_by("-created_at", "-pk")


def counts(programme: Programme) -> dict[str, int]:
    out = dict.fromkeys(Message.Status.values, 0)
    rows = Message.objects.filter(programme=programme).values("status").annotate(n=Count("pk"))
    for row in rows:
        out[row["status"]] = row["n"]
    return out


def message_dict(m: Message) -> dict[str, Any]:
    """For the API and the CLI: never the recipient or the text (the page shows them to the manager)."""
    return {
        "message": m.pk,
        "channel": m.channel,
        "template": m.template,
        "status": m.status,
        "attempts": m.attempts,
        "segments": m.segments,
        "encoding": m.encoding,
        "error": m.last_error,
        "created_at": m.created_at.isoformat(),
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
    }
