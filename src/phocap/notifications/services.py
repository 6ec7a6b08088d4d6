"""Sending what is due (issue #17): `notify_send_due` plans (the planner proposes, the outbox's unique key keeps
one message per fact), then sends each queued message whose time has come. A message is claimed before it is
sent — its attempt counted and its next try pushed past a lease — so two workers never send it at once; a worker
killed after the provider accepted it leaves it claimed, and the next try carries the same key (the SMS provider
answers "duplicate", the file is rewritten), so a person gets it once. A failure is tried again after 2, 4, 8, 16
minutes; after the fifth, or when the provider says trying again cannot help, it is failed — a Zalo message
failed for good falls back to SMS. The manager sees failures on the outbox page and sends them again."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.notifications import planner
from phocap.notifications.backends import SendFailed, backend_for
from phocap.notifications.models import Message, OptOut
from phocap.notifications.texts import segments, sms_text
from phocap.programmes.models import Programme, ProgrammeCommune

MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=5)
BATCH = 500


@dataclasses.dataclass
class Outcome:
    queued: int = 0
    sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def _may_send(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được gửi tin nhắn.")


def queue(programme: Programme, today: dt.date) -> int:
    """Write what the planner finds due; a key already held (another run at the same moment) is skipped."""
    rows = [planner.message_of(programme, d) for d in planner.due(programme, today)]
    with transaction.atomic(durable=True):
        Message.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def _claim(message: Message, now: dt.datetime) -> bool:
    return bool(
        Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED, attempts=message.attempts).update(
            attempts=F("attempts") + 1, next_attempt_at=now + LEASE
        )
    )


def _fallback(message: Message) -> None:
    """A Zalo message that cannot reach the number goes as an SMS (its own key: once too)."""
    text = sms_text(message.template, message.params)
    encoding, parts = segments(text)
    fields = {f: getattr(message, f) for f in ("programme_id", "recipient", "template", "params", "resident_id")}
    fields.update(complaint_id=message.complaint_id, user_id=message.user_id)
    try:
        with transaction.atomic():
            Message.objects.create(
                **fields,
                channel=Message.Channel.SMS,
                text=text,
                encoding=encoding,
                segments=parts,
                key=message.key + ":sms",
            )
    except IntegrityError:
        pass  # already there


def deliver(message: Message, now: dt.datetime) -> str:
    """Send one claimed message and record what happened: "sent", "failed" or "retry"."""
    try:
        result = backend_for(message.channel).send(message)
    except SendFailed as exc:
        final = exc.permanent or message.attempts + 1 >= MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED if final else Message.Status.QUEUED,
            last_error=exc.reason,
            next_attempt_at=now + dt.timedelta(minutes=2 ** (message.attempts + 1)),
        )
        if final and message.channel == Message.Channel.ZALO:
            _fallback(message)
        return "failed" if final else "retry"
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.DELIVERED if result.delivered else Message.Status.SENT,
        sent_at=now,
        delivered_at=now if result.delivered else None,
        provider_id=result.provider_id[:100],
        last_error="",
    )
    return "sent"


def send_queued(programme: Programme, now: dt.datetime) -> Outcome:
    outcome = Outcome()
    due = Message.objects.filter(programme=programme, status=Message.Status.QUEUED, next_attempt_at__lte=now)
    for message in list(due.order_by("next_attempt_at", "pk")[:BATCH]):
        if not _claim(message, now):
            continue  # another worker has it
        result = deliver(message, now)
        outcome.sent += result == "sent"
        outcome.failed += result == "failed"
    return outcome


@service(audits=[Action.NOTIFY_SEND], atomic=False)
def notify_send_due(*, actor: scope.Actor, programme: Programme, dry_run: bool = False) -> dict[str, int]:
    """Queue what is due today and send what is queued: `{"queued": n, "sent": n, "failed": n}`. With `dry_run`,
    only count what would be queued."""
    _may_send(actor, programme)
    today = timezone.localdate()
    if dry_run:
        return Outcome(queued=len(planner.due(programme, today))).as_dict()
    queued = queue(programme, today)
    now = timezone.now()
    outcome = send_queued(programme, now)
    outcome.queued = queued
    if outcome.queued or outcome.sent or outcome.failed:
        audit.record(
            actor=actor, action=Action.NOTIFY_SEND, obj=None, programme_code=programme.code, extra=outcome.as_dict()
        )
    return outcome.as_dict()


@service(audits=[Action.MESSAGE_RETRY])
def message_retry(*, actor: scope.Actor, message: Message) -> Message:
    """The manager sends a failed message again (from its first attempt's back-off)."""
    _may_send(actor, message.programme)
    if message.status != Message.Status.FAILED:
        raise Conflict("Chỉ gửi lại được tin nhắn bị lỗi.", code="not_failed")
    if OptOut.objects.filter(recipient=message.recipient).exists():
        raise Conflict("Người nhận đã yêu cầu ngừng nhận tin nhắn.", code="opted_out")
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    audit.record(actor=actor, action=Action.MESSAGE_RETRY, obj=message, programme_code=message.programme.code)
    message.refresh_from_db()
    return message


@service(audits=[Action.CONTACT_OPT_OUT])
def contact_opt_out(*, actor: scope.Actor, programme: Programme, recipient: str, reason: str = "") -> OptOut:
    """A number or address receives nothing more: what is queued for it is cancelled."""
    writes = ProgrammeCommune.objects.filter(scope.communes_q(actor, write=True), programme=programme).exists()
    if not (scope.can_manage_programme(actor, programme) or writes):
        raise PermissionDenied("Bạn không có quyền ghi yêu cầu ngừng nhận tin nhắn.")
    recipient = recipient.strip().lower()
    digits = "".join(c for c in recipient if c.isdigit())
    if "@" not in recipient:
        if digits.startswith("84") and len(digits) == 11:
            digits = "0" + digits[2:]
        if len(digits) != 10 or not digits.startswith("0"):
            raise ValidationFailed("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0.", field="recipient")
        recipient = digits
    found, _created = OptOut.objects.get_or_create(
        recipient=recipient, defaults={"reason": reason.strip()[:300], "recorded_by": _label(actor)}
    )
    cancelled = Message.objects.filter(recipient=recipient, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, last_error="Ngừng nhận tin nhắn"
    )
    audit.record(
        actor=actor,
        action=Action.CONTACT_OPT_OUT,
        obj=found,
        programme_code=programme.code,
        extra={"cancelled": cancelled},
    )
    return found


def send_due_everywhere() -> dict[str, dict[str, int]]:
    """The worker's periodic run: every programme past draft, as the system."""
    from phocap.core.actors import SYSTEM

    done = {}
    for programme in Programme.objects.exclude(status=Programme.Status.DRAFT).order_by("pk"):
        done[programme.code] = notify_send_due(actor=SYSTEM, programme=programme)
    return done


DELIVERED, REJECTED = "5", "4"


@service(audits=[])
def sms_delivery_report(*, provider_id: str, phone: str, status: str, success: int, failed: int) -> bool:
    """The SMS provider's report of what the operator did with a message (eSMS calls our CallbackUrl by GET with
    SMSID, SendStatus, SendSuccess, SendFailed, phonenumber). It carries no secret, so it is believed only for a
    message we sent that has that provider id *and* that number: the provider's ids are not public. "5" with a
    success is delivered; "4" (rejected), or "5" with only failures, is failed. Anything else (pending, waiting
    for the operator's report) changes nothing. The message row is the record: no audit row per report."""
    digits = "".join(c for c in phone if c.isdigit())
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    found = (
        Message.objects.select_for_update()
        .filter(channel=Message.Channel.SMS, provider_id=provider_id[:100], recipient=digits)
        .exclude(provider_id="")
        .first()
    )
    if found is None or found.status not in (Message.Status.SENT, Message.Status.DELIVERED):
        return False
    now = timezone.now()
    if status == DELIVERED and success > 0:
        Message.objects.filter(pk=found.pk).update(status=Message.Status.DELIVERED, delivered_at=now)
    elif status == REJECTED or (status == DELIVERED and failed > 0):
        Message.objects.filter(pk=found.pk).update(
            status=Message.Status.FAILED, last_error="Nhà mạng báo tin không đến được máy người nhận"
        )
    return True
