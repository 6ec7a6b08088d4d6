"""Donors: found by tax code (or, for an organisation, kind and name) or created — with the pledge or gift they
come with, in its transaction (`DonorInput`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from stdnum.vn import mst

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.services import service
from phocap.core.text import ascii_fold, clean_line, over_length
from phocap.fundraising.models import (
    Donor,
)
from phocap.fundraising.services.common import require_fundraiser
from phocap.programmes.models import Programme


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


@dataclasses.dataclass(frozen=True)
class DonorInput:
    """A donor as typed on a form, the API or the command line: the stored donor with the same tax code (or, for
    an organisation, the same kind and name) if there is one; otherwise a new donor, created in the same
    transaction as the pledge or gift it comes with. Individuals without a tax code are always new donors."""

    kind: str
    name: str
    tax_code: str = ""
    publish_name: bool | None = None  # None: enterprises publish, people only with their consent
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    is_example: bool = False
    # the answer to "is this the donor we already know?" (`DonorMismatch`): that donor's id, or NEW_DONOR
    same_as: int | None = None


NEW_DONOR = -1


class DonorMismatch(Conflict):
    """The tax code, phone or e-mail typed is a known donor's, under another name: which one is meant? Never
    switched silently. `data["candidate"]` is that donor; `data["new_allowed"]` whether a new donor may be made
    instead (not with the same tax code)."""

    code = "donor_mismatch"


def _same_name(a: str, b: str) -> bool:
    return " ".join(ascii_fold(a).lower().split()) == " ".join(ascii_fold(b).lower().split())


def _ask(known: Donor, given: DonorInput, by: str, *, new_allowed: bool) -> None:
    raise DonorMismatch(
        f"{by} đã là của nhà tài trợ «{known.name}», khác tên vừa nhập «{clean_line(given.name)}». "
        + (
            "Ghi cho nhà tài trợ đã có, hay tạo nhà tài trợ mới?"
            if new_allowed
            else "Ghi cho nhà tài trợ đã có, hay sửa lại mã số thuế?"
        ),
        field="donor_name",
        data={
            "candidate": {"id": known.pk, "name": known.name, "kind": known.kind},
            "new_allowed": new_allowed,
        },
    )


def donor_new(actor: scope.Actor, programme: Programme, given: DonorInput) -> Donor:
    if given.kind not in Donor.Kind.values:
        raise ValidationFailed(f"Loại nhà tài trợ {given.kind!r} không hợp lệ.", field="kind")
    name = clean_line(given.name)
    if not name:
        raise ValidationFailed("Tên nhà tài trợ là bắt buộc.", field="name")
    code = clean_tax_code(given.tax_code)
    publish = given.kind != Donor.Kind.INDIVIDUAL if given.publish_name is None else given.publish_name
    values = {
        "kind": given.kind,
        "name": name,
        "tax_code": code,
        "contact_name": clean_line(given.contact_name),
        "contact_phone": clean_line(given.contact_phone),
        "contact_email": clean_line(given.contact_email),
        "address": clean_line(given.address),
        "publish_name": publish,
        "is_example": given.is_example,
    }
    for field, limit in over_length(Donor, values):
        label = str(getattr(Donor._meta.get_field(field), "verbose_name", field)).capitalize()
        raise ValidationFailed(f"{label} dài quá {limit} ký tự.", field=field)
    try:
        with transaction.atomic():
            donor = Donor.objects.create(
                programme=programme, tax_code_index=blind_index(code) if code else "", **values
            )
    except IntegrityError:
        raise Conflict("Đã có nhà tài trợ với mã số thuế này trong chương trình.", field="tax_code") from None
    audit.record(
        actor=actor,
        action=Action.DONOR_CREATE,
        obj=donor,
        programme_code=programme.code,
        changes=audit.diff({}, values),
    )
    return donor


def donor_resolve(actor: scope.Actor, programme: Programme, donor: Donor | DonorInput) -> Donor:
    """A stored donor of the programme, or the one a `DonorInput` names (found or created)."""
    if isinstance(donor, Donor):
        if donor.programme_id != programme.pk:
            raise NotFound("Không tìm thấy nhà tài trợ trong chương trình.")
        return donor
    code = clean_tax_code(donor.tax_code)
    if code:
        known = Donor.objects.filter(programme=programme, tax_code_index=blind_index(code)).first()
        if known is not None and not _same_name(known.name, donor.name) and donor.same_as != known.pk:
            _ask(known, donor, "Mã số thuế này", new_allowed=False)
        return known if known is not None else donor_new(actor, programme, donor)
    if donor.kind != Donor.Kind.INDIVIDUAL:
        named = Donor.objects.filter(programme=programme, kind=donor.kind, name=clean_line(donor.name)).first()
        if named is not None:
            return named
    contact = _by_contact(programme, donor)
    if contact is not None and donor.same_as != NEW_DONOR:
        if _same_name(contact.name, donor.name) or donor.same_as == contact.pk:
            return contact
        _ask(contact, donor, "Số điện thoại/e-mail này", new_allowed=True)
    return donor_new(actor, programme, donor)


def _by_contact(programme: Programme, donor: DonorInput) -> Donor | None:
    """A known donor with the phone or e-mail typed (people without a tax code are told apart by these)."""
    phone, email = clean_line(donor.contact_phone), clean_line(donor.contact_email)
    if not (phone or email):
        return None
    found = Donor.objects.filter(programme=programme)
    if phone and email:
        return found.filter(Q(contact_phone=phone) | Q(contact_email__iexact=email)).first()
    return (found.filter(contact_phone=phone) if phone else found.filter(contact_email__iexact=email)).first()


@service(audits=[Action.DONOR_CREATE])
def donor_create(*, actor: scope.Actor, programme: Programme, **donor: Any) -> Donor:
    """A new donor (`DonorInput`'s fields; refused when the tax code is already a donor's)."""
    require_fundraiser(actor, programme)
    return donor_new(actor, programme, DonorInput(**donor))


@service(audits=[Action.DONOR_CREATE])
def donor_find_or_create(*, actor: scope.Actor, programme: Programme, **donor: Any) -> Donor:
    """The donor `DonorInput`'s fields name: found by tax code (or organisation name), otherwise created."""
    require_fundraiser(actor, programme)
    return donor_resolve(actor, programme, DonorInput(**donor))


@service(audits=[Action.DONOR_CONSENT])
def donor_set_consent(*, actor: scope.Actor, donor: Donor, publish_name: bool) -> Donor:
    """A donor gives or withdraws consent to have their name published (it applies at once to the public
    statement and its downloads)."""
    require_fundraiser(actor, donor.programme)
    locked = Donor.objects.select_for_update().get(pk=donor.pk)
    if locked.publish_name != publish_name:
        locked.publish_name = publish_name
        locked.save(update_fields=["publish_name"])
        audit.record(
            actor=actor,
            action=Action.DONOR_CONSENT,
            obj=locked,
            programme_code=locked.programme.code,
            changes={"publish_name": [not publish_name, publish_name]},
        )
    return locked
