"""Pledges (a promise of money or phones, with its reference code) and the programme's walk-in code."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.services import service
from phocap.fundraising import references
from phocap.fundraising.models import (
    Donor,
    Pledge,
    WalkInCode,
)
from phocap.fundraising.services.common import MAX_AMOUNT, require_fundraiser
from phocap.fundraising.services.donors import DonorInput, donor_resolve
from phocap.programmes.models import Programme, ProgrammeCommune


def _unused_reference() -> str:
    for _ in range(20):
        code = references.new_reference()
        if (
            not Pledge.objects.filter(reference=code).exists()
            and not WalkInCode.objects.filter(reference=code).exists()
        ):
            return code
    raise Conflict("Không tạo được mã tham chiếu mới; thử lại.")  # pragma: no cover - 32⁶ codes


def _check_reference(reference: str | None) -> None:
    if reference is not None and not references.is_valid(reference):
        raise ValidationFailed(f"Mã tham chiếu {reference!r} không hợp lệ.", field="reference")


@service(audits=[Action.DONOR_CREATE, Action.PLEDGE_CREATE])
def pledge_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    donor: Donor | DonorInput,
    amount: int | None = None,
    phones: int | None = None,
    earmark: ProgrammeCommune | None = None,
    due_date: dt.date | None = None,
    note: str = "",
    reference: str | None = None,
) -> Pledge:
    """A promise of money or phones, with its reference code; a new donor is created with it. `reference` is
    normally generated; an explicit one (demo data, migrating an existing drive) must be well-formed and unused."""
    require_fundraiser(actor, programme)
    _check_reference(reference)
    if (amount is None) == (phones is None):
        raise ValidationFailed("Cam kết là một số tiền hoặc một số máy (chọn một).", field="amount")
    if amount is not None and not (0 < amount <= MAX_AMOUNT):
        raise ValidationFailed("Số tiền phải lớn hơn 0.", field="amount")
    if phones is not None and phones <= 0:
        raise ValidationFailed("Số máy phải lớn hơn 0.", field="phones")
    if earmark is not None and earmark.programme_id != programme.pk:
        raise ValidationFailed("Xã được chọn không thuộc chương trình.", field="earmark")
    pledger = donor_resolve(actor, programme, donor)
    pledge = Pledge.objects.create(
        programme=programme,
        donor=pledger,
        reference=reference or _unused_reference(),
        amount=amount,
        phones=phones,
        earmark=earmark,
        due_date=due_date,
        note=note.strip(),
    )
    audit.record(
        actor=actor,
        action=Action.PLEDGE_CREATE,
        obj=pledge,
        programme_code=programme.code,
        changes=audit.diff(
            {},
            {
                "reference": pledge.reference,
                "donor": pledger.name,
                "amount": amount,
                "phones": phones,
                "earmark": earmark,
                "due_date": due_date,
            },
        ),
    )
    return pledge


@service(audits=[Action.PLEDGE_CANCEL])
def pledge_cancel(*, actor: scope.Actor, pledge: Pledge, reason: str) -> Pledge:
    require_fundraiser(actor, pledge.programme)
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do hủy cam kết.", field="reason")
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.cancelled_at is not None:
        raise Conflict("Cam kết đã hủy.")
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    audit.record(
        actor=actor,
        action=Action.PLEDGE_CANCEL,
        obj=locked,
        programme_code=locked.programme.code,
        changes={"cancelled_at": [None, locked.cancelled_at.isoformat()]},
        extra={"reason": reason},
    )
    return locked


@service(audits=[Action.WALK_IN_CODE_CREATE])
def walk_in_code_create(*, actor: scope.Actor, programme: Programme, reference: str | None = None) -> WalkInCode:
    """The programme's general code for gifts without a pledge (posters, walk-in transfers); the existing one
    if it has one. `reference` fixes it (demo data, a code already printed)."""
    require_fundraiser(actor, programme)
    _check_reference(reference)
    code, created = WalkInCode.objects.get_or_create(
        programme=programme, defaults={"reference": reference or _unused_reference()}
    )
    if reference is not None and code.reference != reference:
        raise Conflict(f"Chương trình đã có mã chung {code.reference}.", field="reference")
    if created:
        audit.record(
            actor=actor,
            action=Action.WALK_IN_CODE_CREATE,
            obj=code,
            programme_code=programme.code,
            changes={"reference": ["", code.reference]},
        )
    return code
