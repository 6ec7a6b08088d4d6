"""Cash through its whole path (issue #16): received at a collection point against a numbered receipt (the gift
services), held there, paid into the bank with a deposit slip (`cash_deposit`: from the point's cash to "cash in
transit"), and matched with the statement's credit line (`deposit_match`: from in transit to the bank). A point's
cash never goes below zero: the service refuses, and the database refuses an entry that would
(`core.dbtriggers.cash_never_negative`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.money import format_vnd
from phocap.core.services import service
from phocap.fundraising import ledger, selectors
from phocap.fundraising.models import CashDeposit, JournalEntry, LedgerAccount, StatementLine
from phocap.fundraising.services.common import require_fundraiser
from phocap.programmes.models import CollectionPoint, Programme


@service(audits=[Action.CASH_DEPOSIT])
def cash_deposit(
    *,
    actor: scope.Actor,
    programme: Programme,
    point: CollectionPoint,
    amount: int,
    deposited_on: dt.date,
    reference: str = "",
) -> CashDeposit:
    """A collection point pays cash into the campaign's bank account (its deposit slip). Refused above what the
    point holds — the point's account is locked while checking, so two slips at once cannot both take the last
    đồng."""
    require_fundraiser(actor, programme)
    if point.programme_id != programme.pk:
        raise NotFound("Không tìm thấy điểm cầu.")
    if amount <= 0:
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field="amount")
    cash = ledger.account(programme, LedgerAccount.Code.CASH, point=point)
    LedgerAccount.objects.select_for_update().get(pk=cash.pk)
    held = selectors.cash_held(programme, point)
    if amount > held:
        raise Conflict(
            f"Điểm cầu {point} đang giữ {format_vnd(held)} tiền mặt: không nộp được {format_vnd(amount)}.",
            field="amount",
            code="insufficient_cash",
        )
    slip = reference.strip()[:60]
    entry = ledger.post(
        programme=programme,
        kind=JournalEntry.Kind.TRANSFER,
        occurred_on=deposited_on,
        memo=f"Nộp tiền mặt từ {point}" + (f" (giấy nộp {slip})" if slip else ""),
        lines=[(ledger.account(programme, LedgerAccount.Code.CASH_IN_TRANSIT), amount), (cash, -amount)],
        actor_label=_label(actor),
    )
    deposit = CashDeposit.objects.create(
        programme=programme,
        collection_point=point,
        amount=amount,
        deposited_on=deposited_on,
        reference=slip,
        entry=entry,
        created_by=_label(actor),
    )
    audit.record(
        actor=actor,
        action=Action.CASH_DEPOSIT,
        obj=deposit,
        programme_code=programme.code,
        extra={"point": point.key, "amount": amount, "reference": slip, "point_balance": held - amount},
    )
    return deposit


def deposit_for(line: StatementLine, deposit: CashDeposit | None, point: CollectionPoint | None) -> CashDeposit:
    """The recorded deposit a statement credit is (locked): the one chosen, or the only one not yet matched of that
    amount (and point, when given) deposited by the line's day. Without one the line stays to review: cash is
    never taken from a point that recorded none."""
    open_ = CashDeposit.objects.select_for_update(of=("self",)).filter(
        programme=line.programme,
        statement_line__isnull=True,
        cancelled_at__isnull=True,
        amount=line.amount,
        deposited_on__lte=line.booked_on,
    )
    if deposit is not None:
        found = open_.filter(pk=deposit.pk).select_related("collection_point").first()
        if found is None:
            raise ValidationFailed(
                "Giấy nộp tiền này đã khớp một dòng khác, khác số tiền, hoặc nộp sau ngày của dòng sao kê.",
                field="deposit",
            )
        return found
    if point is not None:
        open_ = open_.filter(collection_point=point)
    found_all = list(open_.select_related("collection_point")[:2])
    if not found_all:
        raise ValidationFailed(
            f"Chưa có giấy nộp tiền mặt {format_vnd(line.amount)}"
            + (f" của điểm cầu {point}" if point else "")
            + " chưa khớp: ghi giấy nộp tiền trước (trang Tiền mặt, hoặc phocap fundraising cash-deposit).",
            field="deposit",
            code="no_deposit",
        )
    if len(found_all) > 1:
        raise ValidationFailed(
            f"Có nhiều giấy nộp tiền {format_vnd(line.amount)} chưa khớp: chọn một.", field="deposit", code="several"
        )
    return found_all[0]


def deposit_match(actor: scope.Actor, line: StatementLine, deposit: CashDeposit) -> JournalEntry:
    """The bank received the deposit (inside the review's transaction): from cash in transit to the bank."""
    entry = ledger.post(
        programme=line.programme,
        kind=JournalEntry.Kind.TRANSFER,
        occurred_on=line.booked_on,
        memo=f"Ngân hàng nhận tiền mặt nộp từ {deposit.collection_point}",
        lines=[
            (ledger.account(line.programme, LedgerAccount.Code.BANK), line.amount),
            (ledger.account(line.programme, LedgerAccount.Code.CASH_IN_TRANSIT), -line.amount),
        ],
        actor_label=_label(actor),
    )
    deposit.statement_line = line
    deposit.save(update_fields=["statement_line"])
    return entry


@service(audits=[Action.CASH_DEPOSIT_CANCEL])
def cash_deposit_cancel(*, actor: scope.Actor, deposit: CashDeposit, reason: str) -> CashDeposit:
    """Undo a deposit slip recorded by mistake (wrong point, wrong amount): its entry is reversed, so the cash is
    back at the point; the slip stays, marked cancelled with the reason. Refused once a statement line is matched
    to it — the bank did receive that money."""
    programme = deposit.programme
    require_fundraiser(actor, programme)
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do hủy giấy nộp tiền.", field="reason")
    locked = CashDeposit.objects.select_for_update(of=("self",)).select_related("entry").get(pk=deposit.pk)
    if locked.cancelled_at is not None:
        return locked  # a double tap cancels once
    if locked.statement_line_id is not None:
        raise Conflict(
            "Giấy nộp tiền này đã khớp một dòng sao kê: ngân hàng đã nhận tiền, không hủy được.",
            code="deposit_matched",
        )
    locked.reversal = ledger.reverse(
        locked.entry,
        occurred_on=locked.deposited_on,
        memo=f"Hủy giấy nộp tiền #{locked.pk}: {reason.strip()}"[:300],
        actor_label=_label(actor),
    )
    locked.cancelled_at, locked.cancelled_by, locked.cancel_reason = timezone.now(), _label(actor), reason.strip()[:300]
    locked.save(update_fields=["reversal", "cancelled_at", "cancelled_by", "cancel_reason"])
    audit.record(
        actor=actor,
        action=Action.CASH_DEPOSIT_CANCEL,
        obj=locked,
        programme_code=programme.code,
        extra={"point": locked.collection_point.key, "amount": locked.amount, "reason": reason.strip()[:300]},
    )
    return locked
