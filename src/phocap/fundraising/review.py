"""The review queue: bank credits the import could not settle by a reference code, each with what it probably is —
the pledge whose code was typed with one symbol wrong, the pledge of that amount and donor name, the deposit slip of
that amount, and the payer's name read from the transfer text — and the one service that settles them. The web
page, the API (`…/review`) and `phocap fundraising review` show the same rows (`review_rows`) and call the same
service (`statement_line_resolve`)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.services import service
from phocap.core.text import ascii_fold
from phocap.fundraising import references, selectors
from phocap.fundraising.models import CashDeposit, Donation, Donor, Pledge, StatementLine
from phocap.fundraising.services import DonorInput, Gift, cash, donation_post, require_fundraiser
from phocap.programmes.models import CollectionPoint, Programme

# what a proposal's score says it rests on (the import stores the score)
CODE_SCORE = 99  # a pledge's code, outside the campaign period or beside another code
NEAR_CODE_SCORE = 97  # a pledge's code with one symbol wrong or two swapped
GUESS_MAX = 95  # amount and donor name words

# the message after a name begins with one of these words, or one of these pairs (a pair, because "Hồ", "Nam",
# "Hoà", "Thắng" are names too)
_STOP_WORDS = {"CHUYEN", "CK", "TOI", "MTTQ", "UBMTTQ", "VND", "TK", "UNGHO", "GD", "ND", "NOP", "GUI", "CHO", "VAO"}
_STOP_PAIRS = {
    ("UNG", "HO"), ("HO", "TRO"), ("DONG", "GOP"), ("CAM", "KET"), ("DIEN", "THOAI"), ("CHUONG", "TRINH"),
    ("THANH", "TOAN"), ("TAI", "KHOAN"), ("TANG", "QUA"), ("QUY", "VI"), ("MUA", "DIEN"), ("TRA", "TIEN"),
    ("HOAN", "TIEN"), ("TIEN", "MAT"),
}  # fmt: skip
# prefixes banks write before the payer's name
_PREFIX = {
    "MBVCB", "IBFT", "FT", "CT", "REM", "TFR", "AC", "NHAN", "TU", "QR", "VCB", "BIDV", "ACB", "TCB", "VTB", "MB",
    "SMS", "NAPAS", "IB", "MOBILE", "BANKING", "INTERNET", "TRANSFER", "TRF", "TRACE", "ND", "O@L", "OL",
}  # fmt: skip
_ENTERPRISE = ("CONG TY", "CTY", "DOANH NGHIEP", "DNTN", "HTX", "TNHH", "CO PHAN", "JSC", "CO LTD", "CORP")
_FROM_ACCOUNT = re.compile(r"\bTU\s+\d{6,}\s+(.+?)\s+(?:TOI|DEN)\b")


def payer_name(text: str) -> tuple[str, str]:
    """The payer a transfer text names, as (name, donor kind) — a proposal the officer checks, never recorded
    unseen. Banks write the name after the sender's account ("CT tu 0011001234567 TRAN THI BINH toi …") or first,
    after their own prefixes ("MBVCB.4567.TRAN THI BINH chuyen tien"); the name ends at the first word of the
    message. A name of fewer than two words is not proposed. Written in title case, with the diacritics the text
    had."""
    words = [w for w in re.split(r"[\s.,;:_/|()\-]+", text) if w]
    folded = [ascii_fold(w).upper() for w in words]
    match = _FROM_ACCOUNT.search(" ".join(folded))
    if match:
        start = len(" ".join(folded)[: match.start(1)].split())
        picked = _name_run(words[start:], folded[start:])
    else:
        skip = 0
        while skip < len(words) and (folded[skip] in _PREFIX or any(ch.isdigit() for ch in folded[skip])):
            skip += 1
        picked = _name_run(words[skip:], folded[skip:])
    if len(picked) < 2:
        return "", ""
    name = " ".join(w.capitalize() for w in picked)
    kind = Donor.Kind.ENTERPRISE if any(k in " ".join(ascii_fold(name).upper().split()) for k in _ENTERPRISE) else ""
    return name, kind or Donor.Kind.INDIVIDUAL


def _name_run(words: list[str], folded: list[str]) -> list[str]:
    run: list[str] = []
    for index, (word, key) in enumerate(zip(words, folded, strict=True)):
        pair = (key, folded[index + 1]) if index + 1 < len(folded) else ("", "")
        if key in _STOP_WORDS or pair in _STOP_PAIRS or not key.isalpha() or references.is_valid(key) or len(run) == 8:
            break
        run.append(word)
    return run


@dataclasses.dataclass(frozen=True)
class ReviewRow:
    """A credit waiting for review and what it probably is (shown to the money's handlers; the auditor sees
    neither the transfer text nor the payer's name)."""

    line: StatementLine
    description: str
    proposal: str  # "code" | "near_code" | "guess" | ""
    pledge_reference: str
    pledge_donor: str
    typed_code: str  # for "near_code": what the text holds
    payer_name: str
    payer_kind: str
    deposit: CashDeposit | None  # the only open slip of this amount deposited by the line's day

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.line.pk,
            "booked_on": self.line.booked_on.isoformat(),
            "doc_number": self.line.doc_number,
            "amount": self.line.amount,
            "description": self.description,
            "proposal": self.proposal,
            "pledge_reference": self.pledge_reference,
            "pledge_donor": self.pledge_donor,
            "score": self.line.score,
            "typed_code": self.typed_code,
            "payer_name": self.payer_name,
            "payer_kind": self.payer_kind,
            "deposit_id": self.deposit.pk if self.deposit else None,
        }


def _proposal(line: StatementLine) -> str:
    if line.proposed_pledge_id is None:
        return ""
    return {CODE_SCORE: "code", NEAR_CODE_SCORE: "near_code"}.get(line.score, "guess")


def review_rows(*, actor: scope.Actor, programme: Programme, limit: int = 500) -> list[ReviewRow]:
    lines = list(selectors.review_queue(actor=actor, programme=programme)[:limit])
    private = scope.can_see_personal_data(actor)
    slips: dict[int, list[CashDeposit]] = {}
    for slip in selectors.open_deposits(actor=actor, programme=programme):
        slips.setdefault(slip.amount, []).append(slip)
    rows = []
    for line in lines:
        pledge = line.proposed_pledge
        proposal = _proposal(line)
        near = (
            references.NearCodes([pledge.reference]).only(line.description)
            if pledge and proposal == "near_code"
            else None
        )
        name, kind = payer_name(line.description) if private else ("", "")
        open_slips = [s for s in slips.get(line.amount, []) if s.deposited_on <= line.booked_on]
        rows.append(
            ReviewRow(
                line=line,
                description=selectors.transfer_text(actor, line),
                proposal=proposal,
                pledge_reference=pledge.reference if pledge else "",
                pledge_donor=selectors.donor_label(actor, pledge.donor) if pledge else "",
                typed_code=near[1] if near else "",
                payer_name=name,
                payer_kind=kind,
                deposit=open_slips[0] if len(open_slips) == 1 else None,
            )
        )
    return rows


def _settle_gift(
    actor: scope.Actor,
    line: StatementLine,
    action: str,
    pledge: Pledge | None,
    donor: Donor | DonorInput | None,
    override_reason: str,
) -> None:
    if action == "pledge" and pledge is None:
        raise ValidationFailed("Chọn cam kết.", field="pledge")
    gift = Gift(
        channel=Donation.Channel.BANK_TRANSFER,
        amount=line.amount,
        received_on=line.booked_on,
        pledge=pledge if action == "pledge" else None,
        statement_line=line,
        override_reason=override_reason,
    )
    donation_post(actor, line.programme, gift, donor if action == "gift" else None)
    line.status = StatementLine.Status.MATCHED


def gift_donor(
    actor: scope.Actor,
    programme: Programme,
    *,
    donor_id: int | None = None,
    donor_name: str = "",
    donor_kind: str = "",
    same_as: int | None = None,
) -> Donor | DonorInput | None:
    """Who an unpledged transfer is from, as the officer chose: a stored donor, the payer named (as the transfer
    text gives it, or corrected), or — neither — "Nhà hảo tâm"."""
    if donor_id:
        return selectors.donor_get(actor=actor, programme=programme, donor_id=donor_id)
    if donor_name.strip():
        return DonorInput(kind=donor_kind or Donor.Kind.INDIVIDUAL, name=donor_name.strip(), same_as=same_as)
    return None


@dataclasses.dataclass(frozen=True)
class Resolution:
    """How an officer settles one line (the review page, the API and the console build it alike)."""

    action: str  # pledge | gift | deposit | ignore
    pledge: Pledge | None = None
    donor: Donor | DonorInput | None = None  # for a gift: a stored donor, a named one (the payer), or anonymous
    collection_point: CollectionPoint | None = None
    deposit: CashDeposit | None = None
    override_reason: str = ""
    note: str = ""


RESOLVE_AUDITS = (
    Action.STATEMENT_LINE_PLEDGE,
    Action.STATEMENT_LINE_GIFT,
    Action.STATEMENT_LINE_DEPOSIT,
    Action.STATEMENT_LINE_IGNORE,
    Action.DONATION_RECORD,
    Action.RECEIPT_ISSUE,
    Action.DONOR_CREATE,
)


def resolve(actor: scope.Actor, line: StatementLine, how: Resolution) -> StatementLine:
    """Settle a credit waiting for review, inside the caller's transaction:
    `pledge` — a gift towards this pledge; `gift` — an unpledged gift (from a stored donor, the payer named as the
    transfer text gives it, or anonymous); `deposit` — cash a collection point paid into the bank (not a new gift):
    the recorded deposit slip it is (chosen, or the only open one of that amount and point — `cash.deposit_for`);
    `ignore` — not ours to count (kept, with the reason, in the audit trail)."""
    programme = line.programme
    require_fundraiser(actor, programme)
    locked = StatementLine.objects.select_for_update().get(pk=line.pk)
    if locked.status != StatementLine.Status.REVIEW:
        raise Conflict("Dòng sao kê này đã được xử lý.", code="already_settled")
    if locked.amount <= 0:
        raise ValidationFailed("Chỉ dòng ghi có mới chờ xem xét.")
    if how.action in ("pledge", "gift"):
        _settle_gift(actor, locked, how.action, how.pledge, how.donor, how.override_reason)
    elif how.action == "deposit":
        slip = cash.deposit_for(locked, how.deposit, how.collection_point)
        locked.entry = cash.deposit_match(actor, locked, slip)
        locked.status = StatementLine.Status.POSTED
    elif how.action == "ignore":
        if not how.note.strip():
            raise ValidationFailed("Cần ghi lý do bỏ qua.", field="note")
        locked.status = StatementLine.Status.IGNORED
    else:
        raise ValidationFailed(f"Thao tác {how.action!r} không hợp lệ.", field="action")
    locked.save(update_fields=["status", "entry"])
    audit.record(
        actor=actor,
        action=Action(f"statement_line.{how.action}"),
        obj=locked,
        programme_code=programme.code,
        changes={"status": ["review", locked.status]},
        extra={"pledge": how.pledge.reference if how.pledge else "", "note": how.note},
    )
    return locked


@service(audits=RESOLVE_AUDITS)
def statement_line_resolve(
    *,
    actor: scope.Actor,
    line: StatementLine,
    action: str,
    pledge: Pledge | None = None,
    donor: Donor | DonorInput | None = None,
    collection_point: CollectionPoint | None = None,
    override_reason: str = "",
    note: str = "",
    deposit: CashDeposit | None = None,
) -> StatementLine:
    """Settle one credit waiting for review (`resolve`), in its own transaction."""
    how = Resolution(action, pledge, donor, collection_point, deposit, override_reason, note)
    return resolve(actor, line, how)
