"""Certificates of donation (giấy chứng nhận ủng hộ): issued on purpose — one gift, or every gift of a period
without one — numbered consecutively per programme and year of issue (never repeated, never skipped), printed
as one PDF and e-mailed to the donors who gave an address."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.queries import insert_rows
from phocap.core.services import service
from phocap.fundraising import selectors
from phocap.fundraising.models import Donation, Donor, Receipt, ReceiptCounter, ReceiptEmail
from phocap.fundraising.services.common import require_fundraiser
from phocap.programmes.models import Programme

log = logging.getLogger(__name__)
BATCH_MAX = 5000  # certificates in one batch (one PDF, one transaction); a longer period is issued in parts


def this_year() -> int:
    """The year of issue, whose numbers a certificate takes (the gift may be of an earlier year)."""
    return timezone.localdate().year


def _locked_counter(programme: Programme, year: int) -> ReceiptCounter:
    counter, _ = ReceiptCounter.objects.get_or_create(programme=programme, year=year)
    return ReceiptCounter.objects.select_for_update().get(pk=counter.pk)


def _number(actor: scope.Actor, counter: ReceiptCounter, donations: list[Donation]) -> list[Receipt]:
    """Give the donations the counter's next numbers, in this transaction (rolled back with it: never skipped)."""
    if not donations:
        return []
    programme = counter.programme
    first = counter.last_number + 1
    counter.last_number += len(donations)
    counter.save(update_fields=["last_number"])
    receipts = Receipt.objects.bulk_create(
        [
            Receipt(
                programme=programme,
                year=counter.year,
                number=first + i,
                symbol=programme.receipt_symbol,
                donation=d,
                issued_by=_label(actor),
            )
            for i, d in enumerate(donations)
        ]
    )
    audit.record_many(
        [
            audit.build(
                actor=actor,
                action=Action.RECEIPT_ISSUE,
                obj=r,
                programme_code=programme.code,
                changes={"number": [None, r.label]},
                extra={"year": r.year},
            )
            for r in receipts
        ]
    )
    return receipts


def receipts_for_enterprises(actor: scope.Actor, programme: Programme, donations: list[Donation]) -> list[Receipt]:
    """An enterprise's gift gets its certificate when it is recorded, on purpose: enterprises need it for their
    books (others get theirs one at a time or in a batch)."""
    chosen = [d for d in donations if d.donor is not None and d.donor.kind == Donor.Kind.ENTERPRISE]
    if not chosen:
        return []
    return _number(actor, _locked_counter(programme, this_year()), chosen)


def receipts_for_enterprise_transfers(
    actor: scope.Actor, programme: Programme, gifts: list[tuple[int, Donor | None]]
) -> tuple[str, str] | None:
    """`receipts_for_enterprises` for a statement import's gifts (donation id, donor), written as plain rows: the
    import's audit row names the numbers given (first, last), returned here."""
    chosen = [pk for pk, donor in gifts if donor is not None and donor.kind == Donor.Kind.ENTERPRISE]
    if not chosen:
        return None
    counter = _locked_counter(programme, this_year())
    first = counter.last_number + 1
    counter.last_number += len(chosen)
    counter.save(update_fields=["last_number"])
    symbol, by, now = programme.receipt_symbol, _label(actor), timezone.now()
    insert_rows(
        Receipt,
        ("programme_id", "year", "number", "symbol", "donation_id", "issued_at", "issued_by"),
        ([programme.pk, counter.year, first + i, symbol, pk, now, by] for i, pk in enumerate(chosen)),
    )
    return f"{first:05d}/{symbol}", f"{counter.last_number:05d}/{symbol}"


@service(audits=[Action.RECEIPT_ISSUE])
def receipt_issue(*, actor: scope.Actor, donation: Donation) -> Receipt:
    """One gift's certificate (the one it has, if issued already: a reprint keeps its number)."""
    programme = donation.programme
    require_fundraiser(actor, programme)
    if donation.reversed_at is not None:
        raise Conflict("Không cấp giấy chứng nhận cho khoản đã hủy ghi nhận.", code="donation_reversed")
    counter = _locked_counter(programme, this_year())  # two taps at once: the second waits here
    existing = Receipt.objects.filter(donation=donation).first()
    if existing is not None:
        return existing
    return _number(actor, counter, [donation])[0]


@service(audits=[Action.RECEIPT_ISSUE])
def receipts_issue_period(
    *, actor: scope.Actor, programme: Programme, start: dt.date | None = None, end: dt.date | None = None
) -> list[Receipt]:
    """Every gift of the period without a certificate gets one, numbered in the order the gifts were received.
    Run twice, the second run issues nothing; run at once by two officers, the second waits for the first."""
    require_fundraiser(actor, programme)
    start, end = selectors.checked_period(programme, start, end)
    counter = _locked_counter(programme, this_year())
    donations = list(selectors.without_receipt(programme, start, end)[: BATCH_MAX + 1])
    if len(donations) > BATCH_MAX:
        raise ValidationFailed(
            f"Kỳ này có hơn {BATCH_MAX} khoản chưa có giấy chứng nhận: chọn kỳ ngắn hơn.", code="batch_too_large"
        )
    return _number(actor, counter, donations)


@service(audits=[Action.RECEIPTS_PRINT], atomic=False)
def receipts_pdf(
    *,
    actor: scope.Actor,
    programme: Programme,
    receipts: Iterable[Receipt] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> tuple[bytes, int]:
    """One PDF of certificates, a page each (those given, or every one of the period's gifts): (pdf, pages)."""
    from phocap.fundraising import receipts as pdf

    require_fundraiser(actor, programme)
    if receipts is None:
        start, end = selectors.checked_period(programme, start, end)
        receipts = selectors.receipts_of_period(programme, start, end)
    chosen = list(receipts)
    if not chosen:
        raise ValidationFailed("Không có giấy chứng nhận nào để in trong kỳ này.", code="nothing_to_print")
    audit.record(
        actor=actor,
        action=Action.RECEIPTS_PRINT,
        obj=programme,
        programme_code=programme.code,
        extra={"numbers": [r.label for r in chosen[:50]], "count": len(chosen)},
    )
    return pdf.render_many(chosen), len(chosen)


@dataclasses.dataclass(frozen=True)
class Sent:
    sent: list[Receipt]
    without_address: int
    failed: int


def _message(receipt: Receipt) -> EmailMessage:
    from phocap.fundraising import receipts as pdf

    programme, donation = receipt.programme, receipt.donation
    assert donation.donor is not None  # only donors with an address are written to
    body = (
        f"Kính gửi {donation.donor.name},\n\n"
        f"Ban vận động {programme.name} trân trọng cảm ơn khoản ủng hộ của Quý vị ngày "
        f"{donation.received_on:%d/%m/%Y}.\n"
        f"Gửi kèm thư này là Giấy chứng nhận ủng hộ số {receipt.label}.\n\n"
        "Thư này được gửi tự động; xin không trả lời thư này."
    )
    message = EmailMessage(
        subject=f"Giấy chứng nhận ủng hộ số {receipt.label} — {programme.name}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[donation.donor.contact_email],
    )
    message.attach(receipt.file_name, pdf.render(receipt), "application/pdf")
    return message


@service(audits=[Action.RECEIPT_EMAIL], atomic=False)
def receipts_email(
    *, actor: scope.Actor, programme: Programme, receipts: Iterable[Receipt], again: bool = False
) -> Sent:
    """Send each certificate to its donor's e-mail address, once (`again`: also those sent before). One SMTP
    connection for all; a message the server refuses is counted and logged (without the address), the others go."""
    require_fundraiser(actor, programme)
    chosen = list(receipts)
    emailed = set(ReceiptEmail.objects.filter(receipt__in=chosen).values_list("receipt_id", flat=True))
    to_send = [r for r in chosen if r.donation.donor and r.donation.donor.contact_email]
    if not again:
        to_send = [r for r in to_send if r.pk not in emailed]
    sent: list[Receipt] = []
    failed = 0
    without = sum(1 for r in chosen if not (r.donation.donor and r.donation.donor.contact_email))
    if not to_send:
        return Sent(sent=sent, without_address=without, failed=failed)
    connection = mailers.default
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail server not reached: %s", type(exc).__name__)
        raise Conflict(
            "Không kết nối được máy chủ gửi thư (PHOCAP_EMAIL_HOST); chưa gửi giấy nào, hãy thử lại sau.",
            code="email_unreachable",
        ) from exc
    with connection:
        for receipt in to_send:
            try:
                connection.send_messages([_message(receipt)])
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                log.warning("certificate %s not sent: %s", receipt.label, type(exc).__name__)
                continue
            ReceiptEmail.objects.create(receipt=receipt, sent_by=_label(actor))
            audit.record(
                actor=actor,
                action=Action.RECEIPT_EMAIL,
                obj=receipt,
                programme_code=programme.code,
                extra={"number": receipt.label},
            )
            sent.append(receipt)
    return Sent(sent=sent, without_address=without, failed=failed)
