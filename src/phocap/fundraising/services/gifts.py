"""Gifts: in cash at a collection point, in kind, or transfers from a statement — each with its balanced ledger
entry (debit where the money or phones are, credit the fund); reversals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.actors import actor_user
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.money import format_vnd
from phocap.core.queries import insert_rows, reserve_ids
from phocap.core.services import service
from phocap.fundraising import ledger, selectors
from phocap.fundraising.models import (
    Donation,
    Donor,
    JournalEntry,
    LedgerAccount,
    Pledge,
    StatementLine,
)
from phocap.fundraising.services.common import ANONYMOUS, MAX_AMOUNT, require_fundraiser
from phocap.fundraising.services.donors import DonorInput, donor_resolve
from phocap.fundraising.services.receipts import receipts_for_enterprises
from phocap.programmes.models import CollectionPoint, Programme, ProgrammeCommune


def _check_period(actor: scope.Actor, programme: Programme, day: dt.date, override_reason: str) -> None:
    if programme.campaign_start <= day <= programme.campaign_end:
        return
    if not override_reason.strip():
        raise ValidationFailed(
            f"Ngày {day:%d/%m/%Y} nằm ngoài thời gian vận động ({programme.campaign_start:%d/%m/%Y} – "
            f"{programme.campaign_end:%d/%m/%Y}). Chỉ nhận khi quản lý chương trình ghi rõ lý do.",
            field="received_on",
            code="outside_campaign_period",
        )
    if not scope.can_override_campaign_period(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được nhận ủng hộ ngoài thời gian vận động.")


def _donation_memo(channel: str, who: str, pledge: Pledge | None) -> str:
    return f"{Donation.Channel(channel).label}: {who}" + (f" ({pledge.reference})" if pledge else "")


def _donation_audit(actor: scope.Actor, donation: Donation, extra: dict[str, Any] | None = None) -> Any:
    """The donor is recorded as the audit trail names them (a number for a person who gave unnamed)."""
    return audit.build(
        actor=actor,
        action=Action.DONATION_RECORD,
        obj=donation,
        programme_code=donation.programme.code,
        changes=audit.diff(
            {},
            {
                "channel": donation.channel,
                "amount": donation.amount,
                "donor": donation.donor or ANONYMOUS,
                "pledge": donation.pledge,
                "received_on": donation.received_on,
                "collection_point": donation.collection_point,
                "phones": donation.phones,
                "earmark": donation.earmark,
            },
        ),
        extra=extra,
    )


@dataclasses.dataclass(frozen=True)
class Gift:
    """What a gift is, as typed: the channel, amount and date, and what each channel needs beside them."""

    channel: str
    amount: int
    received_on: dt.date
    pledge: Pledge | None = None
    collection_point: CollectionPoint | None = None
    cash_receipt_number: str = ""
    phones: int | None = None
    phone_model: str = ""
    earmark: ProgrammeCommune | None = None
    statement_line: StatementLine | None = None
    override_reason: str = ""
    is_example: bool = False


def _gift_checked(programme: Programme, gift: Gift) -> tuple[LedgerAccount, ProgrammeCommune | None]:
    """The account the gift is debited to and the commune it is earmarked for, once the gift is known good."""
    if gift.channel not in Donation.Channel.values:
        raise ValidationFailed(f"Hình thức {gift.channel!r} không hợp lệ.", field="channel")
    if not (0 < gift.amount <= MAX_AMOUNT):
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field="amount")
    earmark = gift.earmark
    if gift.pledge is not None:
        if gift.pledge.programme_id != programme.pk:
            raise NotFound("Không tìm thấy cam kết trong chương trình.")
        if gift.pledge.cancelled_at is not None:
            raise Conflict(f"Cam kết {gift.pledge.reference} đã hủy.", field="pledge")
        earmark = earmark or gift.pledge.earmark
    if earmark is not None and earmark.programme_id != programme.pk:
        raise ValidationFailed("Xã được chọn không thuộc chương trình.", field="earmark")
    if gift.channel == Donation.Channel.CASH:
        if gift.collection_point is None or gift.collection_point.programme_id != programme.pk:
            raise ValidationFailed("Tiền mặt phải ghi điểm cầu nhận.", field="collection_point")
        if not gift.cash_receipt_number.strip():
            raise ValidationFailed("Tiền mặt phải có số phiếu thu.", field="cash_receipt_number")
        return ledger.account(programme, LedgerAccount.Code.CASH, point=gift.collection_point), earmark
    if gift.channel == Donation.Channel.BANK_TRANSFER:
        if gift.statement_line is None:
            raise ValidationFailed("Chuyển khoản được ghi từ một dòng sao kê.", field="statement_line")
        return ledger.account(programme, LedgerAccount.Code.BANK), earmark
    if not gift.phones or gift.phones <= 0:
        raise ValidationFailed("Ủng hộ hiện vật phải ghi số máy.", field="phones")
    return ledger.account(programme, LedgerAccount.Code.IN_KIND), earmark


def donation_post(
    actor: scope.Actor, programme: Programme, gift: Gift, donor: Donor | DonorInput | None = None
) -> Donation:
    """Record one gift and its ledger entry (debit where the money or phones are, credit the fund), inside the
    caller's transaction: the gift services and the review queue's settlement share it."""
    require_fundraiser(actor, programme)
    if gift.pledge is not None:
        if isinstance(donor, Donor) and donor.pk != gift.pledge.donor_id:
            raise ValidationFailed("Nhà tài trợ khác với người đã cam kết.", field="donor")
        giver: Donor | None = gift.pledge.donor
    else:
        giver = donor_resolve(actor, programme, donor) if donor is not None else None
    return _post(actor, programme, gift, giver)


def in_kind_received(actor: scope.Actor, programme: Programme, donor: Donor, gift: Gift) -> Donation:
    """Phones in kind recorded as they are received by IMEI (`devices.device_receive`, inside its transaction):
    the same gift, ledger entry, audit row and receipt as the in-kind form. The receiver's right is the devices
    app's to check (a manager, or the officer of the commune receiving them): receiving the phones is what
    records their gift."""
    if gift.channel != Donation.Channel.IN_KIND or (gift.pledge is not None and gift.pledge.donor_id != donor.pk):
        raise ValidationFailed("Ủng hộ hiện vật không khớp nhà hảo tâm.", field="donor")
    return _post(actor, programme, gift, donor)


def _cash_still_held(donation: Donation) -> None:
    """A cash gift is undone only while its point still holds that much (not after it was paid into the bank)."""
    assert donation.collection_point is not None  # a cash gift has its point (database check)
    point_cash = ledger.account(donation.programme, LedgerAccount.Code.CASH, point=donation.collection_point)
    LedgerAccount.objects.select_for_update().get(pk=point_cash.pk)
    held = selectors.cash_held(donation.programme, donation.collection_point)
    if held < donation.amount:
        raise Conflict(
            f"Điểm cầu chỉ còn giữ {format_vnd(held)}: tiền mặt của khoản này đã nộp về ngân hàng, không hủy được.",
            code="cash_already_deposited",
        )


def _receipt_unused(gift: Gift) -> None:
    """A cash receipt (phiếu thu) number is used once per collection point and year (the database holds it too)."""
    number = gift.cash_receipt_number.strip()
    if gift.channel != Donation.Channel.CASH or not number:
        return
    if Donation.objects.filter(
        channel=Donation.Channel.CASH,
        collection_point=gift.collection_point,
        receipt_year=gift.received_on.year,
        cash_receipt_number=number,
    ).exists():
        raise Conflict(
            f"Số phiếu thu {number} đã dùng tại điểm cầu {gift.collection_point} năm {gift.received_on.year}.",
            field="cash_receipt_number",
            code="receipt_number_used",
        )


def _post(actor: scope.Actor, programme: Programme, gift: Gift, giver: Donor | None) -> Donation:
    where, earmark = _gift_checked(programme, gift)
    _check_period(actor, programme, gift.received_on, gift.override_reason)
    _receipt_unused(gift)
    who = giver.audit_label() if giver else ANONYMOUS  # the ledger, the auditor's book, names no private person
    entry = ledger.post(
        programme=programme,
        kind=JournalEntry.Kind.DONATION,
        occurred_on=gift.received_on,
        memo=_donation_memo(gift.channel, who, gift.pledge),
        lines=[(where, gift.amount), (ledger.fund_account(programme, earmark), -gift.amount)],
        actor_label=_label(actor),
    )
    try:
        with transaction.atomic():
            donation = Donation.objects.create(
                programme=programme,
                donor=giver,
                pledge=gift.pledge,
                channel=gift.channel,
                amount=gift.amount,
                phones=gift.phones,
                phone_model=gift.phone_model.strip(),
                received_on=gift.received_on,
                collection_point=gift.collection_point,
                cash_receipt_number=gift.cash_receipt_number.strip(),
                receipt_year=gift.received_on.year if gift.channel == Donation.Channel.CASH else None,
                statement_line=gift.statement_line,
                earmark=earmark,
                entry=entry,
                outside_period_reason=gift.override_reason.strip(),
                is_example=gift.is_example,
                created_by=actor_user(actor),
            )
    except IntegrityError:
        if gift.channel == Donation.Channel.CASH:  # the same receipt number, recorded at this very moment
            raise Conflict(
                f"Số phiếu thu {gift.cash_receipt_number.strip()} vừa được ghi ở điểm cầu này.",
                field="cash_receipt_number",
                code="receipt_number_used",
            ) from None
        raise Conflict("Dòng sao kê này đã được ghi thành một khoản ủng hộ.", field="statement_line") from None
    reason = {"outside_period_reason": gift.override_reason} if gift.override_reason else None
    audit.record_many([_donation_audit(actor, donation, reason)])
    receipts_for_enterprises(actor, programme, [donation])
    return donation


@service(audits=[Action.DONOR_CREATE, Action.DONATION_RECORD, Action.RECEIPT_ISSUE])
def donation_record(
    *,
    actor: scope.Actor,
    programme: Programme,
    channel: str,
    amount: int,
    received_on: dt.date,
    donor: Donor | DonorInput | None = None,
    pledge: Pledge | None = None,
    collection_point: CollectionPoint | None = None,
    cash_receipt_number: str = "",
    phones: int | None = None,
    phone_model: str = "",
    earmark: ProgrammeCommune | None = None,
    statement_line: StatementLine | None = None,
    override_reason: str = "",
    is_example: bool = False,
) -> Donation:
    """One gift — in cash at a collection point, in kind, or a transfer from a statement line: the gift, its
    ledger entry, a new donor when one is typed, and — for an enterprise — its receipt, all or nothing."""
    gift = Gift(
        channel=channel,
        amount=amount,
        received_on=received_on,
        pledge=pledge,
        collection_point=collection_point,
        cash_receipt_number=cash_receipt_number,
        phones=phones,
        phone_model=phone_model,
        earmark=earmark,
        statement_line=statement_line,
        override_reason=override_reason,
        is_example=is_example,
    )
    return donation_post(actor, programme, gift, donor)


TRANSFER_COLUMNS = (
    "id",
    "programme_id",
    "donor_id",
    "pledge_id",
    "channel",
    "amount",
    "phone_model",
    "received_on",
    "cash_receipt_number",
    "statement_line_id",
    "earmark_id",
    "entry_id",
    "outside_period_reason",
    "is_example",
    "created_at",
    "created_by_id",
)


@dataclasses.dataclass(frozen=True)
class Credit:
    """A statement credit about to become a gift: its line (already given its id) and what it is towards."""

    line_id: int
    amount: int
    booked_on: dt.date
    pledge: Pledge | None


def bank_transfers_record(
    *, actor: scope.Actor, programme: Programme, credits: list[Credit], entries: ledger.Rows
) -> list[tuple[int, Donor | None]]:
    """Many statement credits at once, each a gift towards its pledge (or an unpledged walk-in gift), inside the
    statement import's transaction: the same checks as `donation_post`, each gift's balanced entry added to
    `entries`, then every entry of `entries` written (the debits' the caller added too) and the gifts after them,
    as plain rows (issue #18: the import's one audit row counts them). Returns (donation id, donor) of each, for
    their certificates."""
    require_fundraiser(actor, programme)
    bank = ledger.account(programme, LedgerAccount.Code.BANK)
    ids = reserve_ids(Donation, len(credits))
    user, now = actor_user(actor), timezone.now()
    rows, out = [], []
    memos: dict[int | None, str] = {}  # one per pledge: what the entry says
    for pk, credit in zip(ids, credits, strict=True):
        pledge = credit.pledge
        if credit.amount <= 0:
            raise ValidationFailed("Chỉ dòng ghi có của chương trình mới thành khoản ủng hộ.")
        if pledge is not None and (pledge.programme_id != programme.pk or pledge.cancelled_at is not None):
            raise Conflict(f"Cam kết {pledge.reference} không nhận thêm.", field="pledge")
        if not programme.campaign_start <= credit.booked_on <= programme.campaign_end:
            raise ValidationFailed("Dòng sao kê ngoài thời gian vận động.", code="outside_campaign_period")
        donor, earmark = (pledge.donor, pledge.earmark) if pledge else (None, None)
        key = pledge.id if pledge else None
        if key not in memos:
            who = donor.audit_label() if donor else ANONYMOUS
            memos[key] = _donation_memo(Donation.Channel.BANK_TRANSFER, who, pledge)
        entry = entries.add(
            kind=JournalEntry.Kind.DONATION,
            occurred_on=credit.booked_on,
            memo=memos[key],
            lines=[(bank, credit.amount), (ledger.fund_account(programme, earmark), -credit.amount)],
        )
        rows.append(
            [
                pk,
                programme.pk,
                donor.pk if donor else None,
                pledge.pk if pledge else None,
                Donation.Channel.BANK_TRANSFER,
                credit.amount,
                "",
                credit.booked_on,
                "",
                credit.line_id,
                earmark.pk if earmark else None,
                entry,
                "",
                False,
                now,
                user.pk if user else None,
            ]
        )
        out.append((pk, donor))
    entries.write()
    insert_rows(Donation, TRANSFER_COLUMNS, rows)
    return out


@service(audits=[Action.DONATION_REVERSE])
def donation_reverse(*, actor: scope.Actor, donation: Donation, reason: str) -> Donation:
    """Undo a recorded gift: a reversal entry on the ledger (the original stays), the donation marked reversed,
    and its statement line (if any) back in the review queue."""
    require_fundraiser(actor, donation.programme)
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do.", field="reason")
    locked = Donation.objects.select_for_update().select_related("entry", "programme").get(pk=donation.pk)
    if locked.reversed_at is not None:
        raise Conflict("Khoản ủng hộ này đã được hủy ghi nhận.")
    if locked.channel == Donation.Channel.CASH:
        _cash_still_held(locked)
    ledger.reverse(
        locked.entry,
        occurred_on=timezone.localdate(),
        memo=f"Đảo: {reason.strip()}",
        actor_label=_label(actor),
    )
    locked.reversed_at = timezone.now()
    line = locked.statement_line
    locked.statement_line = None
    locked.save(update_fields=["reversed_at", "statement_line"])
    if line is not None:
        StatementLine.objects.filter(pk=line.pk).update(status=StatementLine.Status.REVIEW)
    audit.record(
        actor=actor,
        action=Action.DONATION_REVERSE,
        obj=locked,
        programme_code=locked.programme.code,
        changes={"reversed_at": [None, locked.reversed_at.isoformat()]},
        extra={"reason": reason},
    )
    return locked
