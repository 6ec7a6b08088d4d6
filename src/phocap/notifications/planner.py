"""What is due to be sent, read from the facts (issue #17). Each message has a key that names the fact it tells of
(`invite:<event>:<person>`), so planning again finds nothing new: the outbox's unique key is the guarantee, and
this module only proposes. A person's number is used only while their consent to be contacted stands (given,
not withdrawn) and the number has not opted out; a complainant's number was given for the answer; a donor's for
their certificate; a team member's is their own account's."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef

from phocap.allocation.models import Posting, Reservation
from phocap.complaints.models import Complaint, ComplaintStep
from phocap.core.actors import SYSTEM
from phocap.core.money import format_vnd
from phocap.fundraising.models import Receipt
from phocap.handover.models import HandoverEvent
from phocap.notifications.models import Message, OptOut
from phocap.notifications.texts import full_text, segments, sms_text
from phocap.onboarding import selectors as onboarding
from phocap.onboarding.models import TeamMember
from phocap.programmes.models import Programme
from phocap.registry.models import Consent, Resident

DEFAULT_TIME = dt.time(8, 0)


@dataclasses.dataclass
class Due:
    key: str
    template: str
    recipient: str  # a phone (0xxxxxxxxx) or an e-mail address
    params: dict[str, Any]
    resident_id: int | None = None
    complaint_id: int | None = None
    user_id: int | None = None


def message_of(programme: Programme, due: Due) -> Message:
    """The outbox row: SMS to a phone (or Zalo first, when configured and a template id is registered), e-mail to
    an address."""
    if "@" in due.recipient:
        channel, text, encoding, parts = Message.Channel.EMAIL, full_text(due.template, due.params), "", 1
    else:
        zalo = settings.PHOCAP_NOTIFY_CHANNELS[0] == "zalo" and due.template in settings.PHOCAP_ZALO["templates"]
        channel = Message.Channel.ZALO if zalo else Message.Channel.SMS
        text = full_text(due.template, due.params) if zalo else sms_text(due.template, due.params)
        encoding, parts = segments(text) if not zalo else ("", 1)
    return Message(
        programme=programme,
        channel=channel,
        recipient=due.recipient,
        template=due.template,
        params=due.params,
        text=text,
        encoding=encoding,
        segments=parts,
        key=due.key,
        resident_id=due.resident_id,
        complaint_id=due.complaint_id,
        user_id=due.user_id,
    )


def _event_params(event: HandoverEvent) -> dict[str, Any]:
    return {
        "commune": event.commune.unit.name,
        "date": f"{event.held_on:%d/%m/%Y}",
        "time": f"{(event.starts_at or DEFAULT_TIME):%H:%M}",
        "place": event.place,
    }


def contactable(programme: Programme) -> Any:  # QuerySet[Resident]
    """The programme's people whose phone may be used: consent to be contacted given, not withdrawn."""
    consent = Consent.objects.filter(
        resident=OuterRef("pk"), kind=Consent.Kind.CONTACT, refused=False, withdrawn_on__isnull=True
    )
    return (
        Resident.objects.filter(programme=programme, erased_at__isnull=True).exclude(phone="").filter(Exists(consent))
    )


def _invitations(programme: Programme, today: dt.date) -> Iterator[Due]:
    """To each person with a phone kept for them: the commune's next open event, and the day before it, a reminder."""
    events = HandoverEvent.objects.filter(programme=programme, closed_at__isnull=True, held_on__gte=today)
    nearest: dict[int, HandoverEvent] = {}
    for event in events.select_related("commune__unit").order_by("held_on", "pk"):
        nearest.setdefault(event.commune_id, event)
    people = contactable(programme).filter(
        reservations__programme=programme,
        reservations__status=Reservation.Status.ACTIVE,
        reservations__commune_id__in=list(nearest),
    )
    rounds = dict(
        Reservation.objects.filter(programme=programme, status=Reservation.Status.ACTIVE).values_list(
            "resident_id", "round_id"
        )
    )
    posted = {(p.round_id, p.commune_id): p for p in Posting.objects.filter(commune_id__in=list(nearest))}
    for person in people.only("pk", "phone", "commune_id"):
        event = nearest[person.commune_id]
        posting = posted.get((rounds[person.pk], person.commune_id))
        if posting is not None and not posting.allows(event.held_on):
            continue  # not invited before the list's period ends
        params = _event_params(event)
        yield Due(f"invite:{event.pk}:{person.pk}", "invitation", person.phone, params, resident_id=person.pk)
        if event.held_on == today + dt.timedelta(days=1):
            yield Due(f"remind:{event.pk}:{person.pk}", "reminder", person.phone, params, resident_id=person.pk)


def _follow_ups(programme: Programme, today: dt.date) -> Iterator[Due]:
    """To each team member with a phone: how many of their village's people have a visit due within the week (the
    programme's recipients read once, counted per commune and village)."""
    week = today.isocalendar()
    rows = TeamMember.objects.filter(
        team__commune__programme=programme, ended_at__isnull=True, user__isnull=False
    ).select_related("team", "user")
    members = [(m, m.user.phone) for m in rows if m.user and m.user.phone]
    if not members:
        return
    due_in: dict[tuple[int, str], list[dt.date]] = {}
    for person in onboarding.recipients(actor=SYSTEM, programme=programme, on=today):
        place = (person.resident.commune_id, person.resident.village)
        due_in.setdefault(place, []).extend(d["due_on"] for d in person.due if not d["overdue"])
    for member, phone in members:
        due = due_in.get((member.team.commune_id, member.team.village), [])
        if due:
            yield Due(
                f"followup:{member.user_id}:{week.year}-W{week.week:02d}",
                "followup_due",
                phone,
                {"count": len(due), "village": member.team.village, "date": f"{min(due):%d/%m/%Y}"},
                user_id=member.user_id,
            )


def _complaints(programme: Programme) -> Iterator[Due]:
    """To a complainant who left a number: that it was acknowledged, and the answer."""
    steps = (
        ComplaintStep.objects.filter(complaint__programme=programme)
        .exclude(complaint__phone="")
        .filter(status__in=[Complaint.Status.ACKNOWLEDGED, *Complaint.CLOSED])
        .select_related("complaint__commune__unit")
        .order_by("pk")
    )
    for step in steps:
        c = step.complaint
        if step.status == Complaint.Status.ACKNOWLEDGED:
            params = {"number": c.pk, "commune": c.commune.unit.name, "date": f"{c.resolve_by:%d/%m/%Y}"}
            yield Due(f"complaint:{c.pk}:ack", "complaint_ack", c.phone, params, complaint_id=c.pk)
        else:
            label = Complaint.Status(step.status).label
            params = {"number": c.pk, "status": str(label), "note": step.note}
            yield Due(f"complaint:{c.pk}:answer:{step.pk}", "complaint_answer", c.phone, params, complaint_id=c.pk)


def _donors(programme: Programme) -> Iterator[Due]:
    """To a donor who left a number: thanks, with their certificate's number."""
    receipts = (
        Receipt.objects.filter(programme=programme)
        .exclude(donation__donor__contact_phone="")
        .select_related("donation__donor")
        .order_by("pk")
    )
    for r in receipts:
        donor = r.donation.donor
        if donor is None:
            continue
        phone = "".join(ch for ch in donor.contact_phone if ch.isdigit())[-10:]
        if len(phone) != 10 or not phone.startswith("0"):
            continue
        params = {"donor": donor.name, "amount": format_vnd(r.donation.amount).removesuffix(" ₫"), "receipt": r.label}
        yield Due(f"thanks:{r.pk}", "donor_thanks", phone, params)


def due(programme: Programme, today: dt.date) -> list[Due]:
    """Everything due today that the outbox does not hold yet, without opted-out recipients."""
    found = [
        *_invitations(programme, today),
        *_follow_ups(programme, today),
        *_complaints(programme),
        *_donors(programme),
    ]
    known = set(Message.objects.filter(key__in=[d.key for d in found]).values_list("key", flat=True))
    refused = set(OptOut.objects.filter(recipient__in={d.recipient for d in found}).values_list("recipient", flat=True))
    return [d for d in found if d.key not in known and d.recipient not in refused]
