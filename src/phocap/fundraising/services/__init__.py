"""Writes for fundraising: donors, pledges, donations (with their ledger entries), reversals, receipts, the walk-in
code. Statement import lives in `statements.py`.

One service per user intent, each one transaction (`@service`): a pledge or a gift typed with a new donor's name
creates the donor *and* the pledge or gift, or — when either is refused — neither (`DonorInput`)."""

from phocap.fundraising.services.common import MAX_AMOUNT, require_fundraiser
from phocap.fundraising.services.donors import (
    NEW_DONOR,
    DonorInput,
    DonorMismatch,
    clean_tax_code,
    donor_create,
    donor_find_or_create,
    donor_set_consent,
)
from phocap.fundraising.services.gifts import (
    Gift,
    bank_transfers_record,
    donation_post,
    donation_record,
    donation_reverse,
)
from phocap.fundraising.services.pledges import pledge_cancel, pledge_create, walk_in_code_create
from phocap.fundraising.services.receipts import (
    receipt_issue,
    receipts_email,
    receipts_for_enterprises,
    receipts_issue_period,
    receipts_pdf,
)

__all__ = [
    "MAX_AMOUNT",
    "NEW_DONOR",
    "DonorInput",
    "DonorMismatch",
    "Gift",
    "bank_transfers_record",
    "clean_tax_code",
    "donation_post",
    "donation_record",
    "donation_reverse",
    "donor_create",
    "donor_find_or_create",
    "donor_set_consent",
    "pledge_cancel",
    "pledge_create",
    "receipt_issue",
    "receipts_email",
    "receipts_for_enterprises",
    "receipts_issue_period",
    "receipts_pdf",
    "require_fundraiser",
    "walk_in_code_create",
]
