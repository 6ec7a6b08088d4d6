"""Receipt numbers: consecutive per programme, never repeated, never skipped."""

from __future__ import annotations

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict
from phocap.core.services import service
from phocap.fundraising.models import (
    Donation,
    Donor,
    Receipt,
    ReceiptCounter,
)
from phocap.fundraising.services.common import require_fundraiser
from phocap.programmes.models import Programme


def _receipts_number(actor: scope.Actor, programme: Programme, donations: list[Donation]) -> list[Receipt]:
    """Give the donations the next receipt numbers, from the programme's counter locked in this transaction:
    consecutive, never repeated, and rolled back with the transaction if it fails (so never skipped)."""
    if not donations:
        return []
    counter, _ = ReceiptCounter.objects.get_or_create(programme=programme)
    counter = ReceiptCounter.objects.select_for_update().get(pk=counter.pk)
    first = counter.last_number + 1
    counter.last_number += len(donations)
    counter.save(update_fields=["last_number"])
    receipts = Receipt.objects.bulk_create(
        [
            Receipt(programme=programme, number=first + i, donation=d, issued_by=_label(actor))
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
                changes={"number": [None, r.number]},
            )
            for r in receipts
        ]
    )
    return receipts


def receipts_for_enterprises(actor: scope.Actor, programme: Programme, donations: list[Donation]) -> list[Receipt]:
    """Every enterprise gift gets its receipt when it is recorded (others on request)."""
    return _receipts_number(
        actor, programme, [d for d in donations if d.donor is not None and d.donor.kind == Donor.Kind.ENTERPRISE]
    )


@service(audits=[Action.RECEIPT_ISSUE])
def receipt_issue(*, actor: scope.Actor, donation: Donation) -> Receipt:
    """Number the receipt from the programme's counter, in this transaction: no repeats, no gaps."""
    programme = donation.programme
    require_fundraiser(actor, programme)
    if donation.reversed_at is not None:
        raise Conflict("Không cấp giấy chứng nhận cho khoản đã hủy ghi nhận.")
    existing = Receipt.objects.filter(donation=donation).first()
    if existing is not None:
        return existing
    return _receipts_number(actor, programme, [donation])[0]
