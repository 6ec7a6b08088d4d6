"""Writes for fundraising: donors, pledges, donations (with their ledger entries), reversals, receipts.
Statement import lives in `statements.py`. One transaction and audit row per write; scope checked here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.vn import mst

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actors import actor_label as _label
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.models import AuditEvent
from phocap.fundraising import ledger, references
from phocap.fundraising.models import (
    Donation,
    Donor,
    JournalEntry,
    LedgerAccount,
    Pledge,
    Receipt,
    ReceiptCounter,
    StatementLine,
    WalkInCode,
)
from phocap.programmes.models import CollectionPoint, Programme, ProgrammeCommune

MAX_AMOUNT = 10**13  # 10,000 tỷ đồng: anything above is a typing error


def require_fundraiser(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_manage_fundraising(actor, programme):
        raise PermissionDenied("Chỉ cán bộ vận động (MTTQ) hoặc quản lý chương trình được thực hiện thao tác này.")


# --- donors ---------------------------------------------------------------------------------------------


def clean_tax_code(value: str) -> str:
    """A Vietnamese tax code: 10 digits, 10+3 (branch), or — since 1/7/2025 — a 12-digit personal ID number."""
    compact = "".join(ch for ch in value if ch.isdigit())
    if not compact:
        return ""
    if len(compact) == 12:
        return compact
    if mst.is_valid(compact):
        return mst.compact(compact)
    raise ValidationFailed(
        f"Mã số thuế {value!r} không hợp lệ (10 hoặc 13 chữ số có số kiểm tra, hoặc số định danh 12 chữ số).",
        field="tax_code",
    )


def donor_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    kind: str,
    name: str,
    tax_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    address: str = "",
    publish_name: bool | None = None,
    is_example: bool = False,
) -> Donor:
    require_fundraiser(actor, programme)
    if kind not in Donor.Kind.values:
        raise ValidationFailed(f"Loại nhà tài trợ {kind!r} không hợp lệ.", field="kind")
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("Tên nhà tài trợ là bắt buộc.", field="name")
    code = clean_tax_code(tax_code)
    if publish_name is None:  # enterprises publish by default, people only with their consent
        publish_name = kind != Donor.Kind.INDIVIDUAL
    values = {
        "kind": kind,
        "name": name,
        "tax_code": code,
        "contact_name": contact_name.strip(),
        "contact_phone": contact_phone.strip(),
        "contact_email": contact_email.strip(),
        "address": address.strip(),
        "publish_name": publish_name,
        "is_example": is_example,
    }
    try:
        with transaction.atomic():
            donor = Donor.objects.create(
                programme=programme, tax_code_index=blind_index(code) if code else "", **values
            )
            audit.record(
                actor=actor,
                action="donor.create",
                obj=donor,
                programme_code=programme.code,
                changes=audit.diff({}, values),
            )
    except IntegrityError:
        raise Conflict("Đã có nhà tài trợ với mã số thuế này trong chương trình.", field="tax_code") from None
    return donor


def donor_set_consent(*, actor: scope.Actor, donor: Donor, publish_name: bool) -> Donor:
    """A donor gives or withdraws consent to have their name published (it applies at once to the public
    statement and its downloads)."""
    require_fundraiser(actor, donor.programme)
    with transaction.atomic():
        locked = Donor.objects.select_for_update().get(pk=donor.pk)
        if locked.publish_name != publish_name:
            locked.publish_name = publish_name
            locked.save(update_fields=["publish_name"])
            audit.record(
                actor=actor,
                action="donor.consent",
                obj=locked,
                programme_code=locked.programme.code,
                changes={"publish_name": [not publish_name, publish_name]},
            )
    return locked


def donor_find_or_create(
    *, actor: scope.Actor, programme: Programme, kind: str, name: str, tax_code: str = "", **extra: Any
) -> Donor:
    """By tax code when there is one (the same enterprise pledging twice is one donor), otherwise by exact
    name and kind for organisations; individuals without a tax code are always new donors."""
    require_fundraiser(actor, programme)
    code = clean_tax_code(tax_code)
    existing = None
    if code:
        existing = Donor.objects.filter(programme=programme, tax_code_index=blind_index(code)).first()
    elif kind != Donor.Kind.INDIVIDUAL:
        existing = Donor.objects.filter(programme=programme, kind=kind, name=" ".join(name.split())).first()
    if existing is not None:
        return existing
    return donor_create(actor=actor, programme=programme, kind=kind, name=name, tax_code=code, **extra)


# --- pledges --------------------------------------------------------------------------------------------


def _unused_reference() -> str:
    for _ in range(20):
        code = references.new_reference()
        if (
            not Pledge.objects.filter(reference=code).exists()
            and not WalkInCode.objects.filter(reference=code).exists()
        ):
            return code
    raise Conflict("Không tạo được mã tham chiếu mới; thử lại.")  # pragma: no cover - 32⁶ codes


def pledge_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    donor: Donor,
    amount: int | None = None,
    phones: int | None = None,
    earmark: ProgrammeCommune | None = None,
    due_date: dt.date | None = None,
    note: str = "",
    reference: str | None = None,
) -> Pledge:
    """`reference` is normally generated; an explicit one (demo data, migrating an existing drive) must be a
    well-formed, unused code."""
    require_fundraiser(actor, programme)
    if reference is not None and not references.is_valid(reference):
        raise ValidationFailed(f"Mã tham chiếu {reference!r} không hợp lệ.", field="reference")
    if donor.programme_id != programme.pk:
        raise NotFound("Không tìm thấy nhà tài trợ trong chương trình.")
    if (amount is None) == (phones is None):
        raise ValidationFailed("Cam kết là một số tiền hoặc một số máy (chọn một).", field="amount")
    if amount is not None and not (0 < amount <= MAX_AMOUNT):
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field="amount")
    if phones is not None and phones <= 0:
        raise ValidationFailed("Số máy phải lớn hơn 0.", field="phones")
    if earmark is not None and earmark.programme_id != programme.pk:
        raise ValidationFailed("Xã được chọn không thuộc chương trình.", field="earmark")
    with transaction.atomic():
        pledge = Pledge.objects.create(
            programme=programme,
            donor=donor,
            reference=reference or _unused_reference(),
            amount=amount,
            phones=phones,
            earmark=earmark,
            due_date=due_date,
            note=note.strip(),
        )
        audit.record(
            actor=actor,
            action="pledge.create",
            obj=pledge,
            programme_code=programme.code,
            changes=audit.diff(
                {},
                {
                    "reference": pledge.reference,
                    "donor": donor.name,
                    "amount": amount,
                    "phones": phones,
                    "earmark": earmark,
                    "due_date": due_date,
                },
            ),
        )
    return pledge


def pledge_cancel(*, actor: scope.Actor, pledge: Pledge, reason: str) -> Pledge:
    require_fundraiser(actor, pledge.programme)
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do hủy cam kết.", field="reason")
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.cancelled_at is not None:
            raise Conflict("Cam kết đã hủy.")
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_at"])
        audit.record(
            actor=actor,
            action="pledge.cancel",
            obj=locked,
            programme_code=locked.programme.code,
            changes={"cancelled_at": [None, locked.cancelled_at.isoformat()]},
            extra={"reason": reason},
        )
    return locked


def walk_in_code(programme: Programme, *, reference: str | None = None) -> WalkInCode:
    """The programme's general code for gifts without a pledge (created on first use; `reference` fixes it,
    for demo data)."""
    code = WalkInCode.objects.filter(programme=programme).first()
    if code is None:
        if reference is not None and not references.is_valid(reference):
            raise ValidationFailed(f"Mã tham chiếu {reference!r} không hợp lệ.", field="reference")
        with transaction.atomic():
            code, _ = WalkInCode.objects.get_or_create(
                programme=programme, defaults={"reference": reference or _unused_reference()}
            )
    return code


# --- donations ------------------------------------------------------------------------------------------


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


def _donation_audit(actor: scope.Actor, donation: Donation, who: str, extra: dict[str, Any] | None = None) -> Any:
    return audit.build(
        actor=actor,
        action="donation.record",
        obj=donation,
        programme_code=donation.programme.code,
        changes=audit.diff(
            {},
            {
                "channel": donation.channel,
                "amount": donation.amount,
                "donor": who,
                "pledge": donation.pledge,
                "received_on": donation.received_on,
                "collection_point": donation.collection_point,
                "phones": donation.phones,
                "earmark": donation.earmark,
            },
        ),
        extra=extra,
    )


def donation_record(
    *,
    actor: scope.Actor,
    programme: Programme,
    channel: str,
    amount: int,
    received_on: dt.date,
    donor: Donor | None = None,
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
    """Record one gift and its ledger entry (debit where the money or phones are, credit the fund)."""
    require_fundraiser(actor, programme)
    if channel not in Donation.Channel.values:
        raise ValidationFailed(f"Hình thức {channel!r} không hợp lệ.", field="channel")
    if not (0 < amount <= MAX_AMOUNT):
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field="amount")
    if pledge is not None:
        if pledge.programme_id != programme.pk:
            raise NotFound("Không tìm thấy cam kết trong chương trình.")
        if pledge.cancelled_at is not None:
            raise Conflict(f"Cam kết {pledge.reference} đã hủy.", field="pledge")
        if donor is not None and donor.pk != pledge.donor_id:
            raise ValidationFailed("Nhà tài trợ khác với người đã cam kết.", field="donor")
        donor = pledge.donor
        earmark = earmark or pledge.earmark
    if donor is not None and donor.programme_id != programme.pk:
        raise NotFound("Không tìm thấy nhà tài trợ trong chương trình.")
    if earmark is not None and earmark.programme_id != programme.pk:
        raise ValidationFailed("Xã được chọn không thuộc chương trình.", field="earmark")
    if channel == Donation.Channel.CASH:
        if collection_point is None or collection_point.programme_id != programme.pk:
            raise ValidationFailed("Tiền mặt phải ghi điểm cầu nhận.", field="collection_point")
        if not cash_receipt_number.strip():
            raise ValidationFailed("Tiền mặt phải có số phiếu thu.", field="cash_receipt_number")
        where = ledger.account(programme, LedgerAccount.Code.CASH, point=collection_point)
    elif channel == Donation.Channel.BANK_TRANSFER:
        if statement_line is None:
            raise ValidationFailed("Chuyển khoản được ghi từ một dòng sao kê.", field="statement_line")
        where = ledger.account(programme, LedgerAccount.Code.BANK)
    else:
        if not phones or phones <= 0:
            raise ValidationFailed("Ủng hộ hiện vật phải ghi số máy.", field="phones")
        where = ledger.account(programme, LedgerAccount.Code.IN_KIND)
    _check_period(actor, programme, received_on, override_reason)
    who = donor.name if donor else "Nhà hảo tâm"
    with transaction.atomic():
        entry = ledger.post(
            programme=programme,
            kind=JournalEntry.Kind.DONATION,
            occurred_on=received_on,
            memo=_donation_memo(channel, who, pledge),
            lines=[(where, amount), (ledger.fund_account(programme, earmark), -amount)],
            actor_label=_label(actor),
        )
        try:
            with transaction.atomic():
                donation = Donation.objects.create(
                    programme=programme,
                    donor=donor,
                    pledge=pledge,
                    channel=channel,
                    amount=amount,
                    phones=phones,
                    phone_model=phone_model.strip(),
                    received_on=received_on,
                    collection_point=collection_point,
                    cash_receipt_number=cash_receipt_number.strip(),
                    statement_line=statement_line,
                    earmark=earmark,
                    entry=entry,
                    outside_period_reason=override_reason.strip(),
                    is_example=is_example,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            raise Conflict("Dòng sao kê này đã được ghi thành một khoản ủng hộ.", field="statement_line") from None
        _donation_audit(
            actor, donation, who, {"outside_period_reason": override_reason} if override_reason else None
        ).save(force_insert=True)
        receipts_for_enterprises(actor, programme, [donation])
    return donation


def bank_transfers_record(
    *, actor: scope.Actor, programme: Programme, items: list[tuple[StatementLine, Pledge | None]]
) -> list[Donation]:
    """Many statement credits at once, each a gift towards its pledge (or an unpledged walk-in gift): the same
    checks, ledger entries and audit rows as `donation_record`, written with a few bulk inserts. Used by the
    statement importer for lines matched by reference; the lines must already be saved."""
    require_fundraiser(actor, programme)
    bank = ledger.account(programme, LedgerAccount.Code.BANK)
    built, donations = [], []
    for line, pledge in items:
        if line.amount <= 0 or line.programme_id != programme.pk:
            raise ValidationFailed("Chỉ dòng ghi có của chương trình mới thành khoản ủng hộ.")
        if pledge is not None and (pledge.programme_id != programme.pk or pledge.cancelled_at is not None):
            raise Conflict(f"Cam kết {pledge.reference} không nhận thêm.", field="pledge")
        if not programme.campaign_start <= line.booked_on <= programme.campaign_end:
            raise ValidationFailed("Dòng sao kê ngoài thời gian vận động.", code="outside_campaign_period")
        donor, earmark = (pledge.donor, pledge.earmark) if pledge else (None, None)
        lines, entry = ledger.build(
            programme=programme,
            kind=JournalEntry.Kind.DONATION,
            occurred_on=line.booked_on,
            memo=_donation_memo(Donation.Channel.BANK_TRANSFER, donor.name if donor else "Nhà hảo tâm", pledge),
            lines=[(bank, line.amount), (ledger.fund_account(programme, earmark), -line.amount)],
            actor_label=_label(actor),
        )
        built.append((lines, entry))
        donations.append(
            Donation(
                programme=programme,
                donor=donor,
                pledge=pledge,
                channel=Donation.Channel.BANK_TRANSFER,
                amount=line.amount,
                received_on=line.booked_on,
                statement_line=line,
                earmark=earmark,
                entry=entry,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    with transaction.atomic():
        ledger.post_many(built)
        Donation.objects.bulk_create(donations, batch_size=2000)
        AuditEvent.objects.bulk_create(
            [_donation_audit(actor, d, d.donor.name if d.donor else "Nhà hảo tâm") for d in donations],
            batch_size=2000,
        )
        receipts_for_enterprises(actor, programme, donations)
    return donations


def donation_reverse(*, actor: scope.Actor, donation: Donation, reason: str) -> Donation:
    """Undo a recorded gift: a reversal entry on the ledger (the original stays), the donation marked reversed,
    and its statement line (if any) back in the review queue."""
    require_fundraiser(actor, donation.programme)
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do.", field="reason")
    with transaction.atomic():
        locked = Donation.objects.select_for_update().select_related("entry", "programme").get(pk=donation.pk)
        if locked.reversed_at is not None:
            raise Conflict("Khoản ủng hộ này đã được hủy ghi nhận.")
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
            action="donation.reverse",
            obj=locked,
            programme_code=locked.programme.code,
            changes={"reversed_at": [None, locked.reversed_at.isoformat()]},
            extra={"reason": reason},
        )
    return locked


# --- receipts -------------------------------------------------------------------------------------------


def _receipts_number(actor: scope.Actor, programme: Programme, donations: list[Donation]) -> list[Receipt]:
    """Give the donations the next receipt numbers, from the programme's counter locked in this transaction:
    consecutive, never repeated, and rolled back with the transaction if it fails (so never skipped)."""
    if not donations:
        return []
    with transaction.atomic():
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
        AuditEvent.objects.bulk_create(
            [
                audit.build(
                    actor=actor,
                    action="receipt.issue",
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
