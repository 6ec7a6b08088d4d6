"""Phone models, and purchase orders paid from the funds (`fundraising.ledger.spend_on_phones`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.money import format_vnd
from phocap.core.services import service
from phocap.devices.models import Device, PhoneModel, PurchaseOrder
from phocap.devices.services.common import require_manager
from phocap.devices.services.moves import move
from phocap.fundraising import ledger
from phocap.fundraising.services.common import MAX_AMOUNT
from phocap.fundraising.services.donors import clean_tax_code
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune


def _phone_model_ensure(actor: scope.Actor, name: str, brand: str = "", **details: Any) -> PhoneModel:
    """ "Samsung Galaxy A05" → brand "Samsung", model "Galaxy A05" (or the brand given): the stored model, or a
    new one (audited)."""
    text = " ".join(name.split())
    if not text:
        raise ValidationFailed("Cần tên mẫu máy.", field="model")
    if not brand:
        brand, _, rest = text.partition(" ")
        text = rest or brand
    found = PhoneModel.objects.filter(brand__iexact=brand, model__iexact=text).first()
    if found is not None:
        return found
    made = PhoneModel.objects.create(brand=brand, model=text, **details)
    audit.record(actor=actor, action=Action.PHONE_MODEL_CREATE, obj=made, extra={"brand": brand, "model": text})
    return made


@service(audits=[Action.PHONE_MODEL_CREATE])
def phone_model_create(
    *, actor: scope.Actor, programme: Programme, name: str, brand: str = "", **details: Any
) -> PhoneModel:
    """A phone model (shared by every programme); the stored one when it exists. Managers only."""
    require_manager(actor, programme, "thêm mẫu máy")
    return _phone_model_ensure(actor, name, brand, **details)


@service(audits=[Action.PHONE_MODEL_PRICE])
def phone_model_price_set(
    *, actor: scope.Actor, programme: Programme, phone_model: PhoneModel, price: int
) -> PhoneModel:
    """A model's reference price (đồng): what a donated phone of it is worth when its gift is recorded. Shared by
    every programme, like the model; gifts already recorded keep their value."""
    require_manager(actor, programme, "ghi giá tham khảo của mẫu máy")
    if not 0 < price <= MAX_AMOUNT:
        raise ValidationFailed("Giá tham khảo phải lớn hơn 0 đồng.", field="price")
    locked = PhoneModel.objects.select_for_update().get(pk=phone_model.pk)
    before, locked.price = locked.price, price
    locked.save(update_fields=["price"])
    audit.record(
        actor=actor,
        action=Action.PHONE_MODEL_PRICE,
        obj=locked,
        programme_code=programme.code,
        changes={"price": [before, price]},
    )
    return locked


# --- money → phones -------------------------------------------------------------------------------------


@service(audits=[Action.PURCHASE_CREATE, Action.PHONE_MODEL_CREATE])
def purchase_order_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    phone_model: PhoneModel | str,
    quantity: int,
    unit_price: int,
    supplier_name: str = "",
    supplier: Organisation | None = None,
    earmark: ProgrammeCommune | None = None,
    ordered_on: dt.date | None = None,
    supplier_tax_code: str = "",
    invoice_number: str = "",
    invoice_date: dt.date | None = None,
) -> PurchaseOrder:
    """Order phones and pay for them from the funds in one transaction (`ledger.spend_on_phones`: the earmarked
    commune's fund first, then the general one; refused when the funds or the bank do not hold enough).
    `phone_model` may be a name as typed: the model is found, or created with the order. `ordered_on` (default
    today; not later) is the day the spending counts from in the funds report and the indicators; the supplier's
    tax code and invoice document it."""
    require_manager(actor, programme, "đặt mua điện thoại")
    if quantity <= 0 or unit_price <= 0:
        raise ValidationFailed("Số máy và đơn giá phải lớn hơn 0.", field="quantity")
    if earmark is not None and earmark.programme_id != programme.pk:
        raise NotFound("Xã không thuộc chương trình.")
    name = supplier.name if supplier is not None and not supplier_name else supplier_name.strip()
    if not name:
        raise ValidationFailed("Cần tên nhà cung cấp.", field="supplier_name")
    model = phone_model if isinstance(phone_model, PhoneModel) else _phone_model_ensure(actor, phone_model)
    total = quantity * unit_price
    ordered_on = ordered_on or timezone.localdate()
    if ordered_on > timezone.localdate():
        raise ValidationFailed("Ngày đặt mua không thể sau hôm nay.", field="ordered_on")
    if invoice_date is not None and invoice_date > timezone.localdate():
        raise ValidationFailed("Ngày hóa đơn không thể sau hôm nay.", field="invoice_date")
    tax_code = clean_tax_code(supplier_tax_code) if supplier_tax_code.strip() else ""
    paid = ledger.spend_on_phones(
        programme=programme,
        total=total,
        earmark=earmark,
        occurred_on=ordered_on,
        memo=f"Mua {quantity} {model} × {format_vnd(unit_price)} — {name}",
        actor_label=_label(actor),
    )
    order = PurchaseOrder.objects.create(
        programme=programme,
        supplier=supplier,
        supplier_name=name[:300],
        phone_model=model,
        quantity=quantity,
        unit_price=unit_price,
        earmark=earmark,
        ordered_on=ordered_on,
        supplier_tax_code=tax_code,
        invoice_number=invoice_number.strip()[:40],
        invoice_date=invoice_date,
        payment=paid.entry,
        created_by=_label(actor),
    )
    audit.record(
        actor=actor,
        action=Action.PURCHASE_CREATE,
        obj=order,
        programme_code=programme.code,
        extra={
            "total": total,
            "from_earmark": paid.from_earmark,
            "from_general": paid.from_general,
            "entry": str(paid.entry.pk),
        },
    )
    return order


@service(audits=[Action.PURCHASE_VOID])
def purchase_order_void(*, actor: scope.Actor, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    """Undo an order entered by mistake (or cancelled with the supplier): its payment is reversed on the ledger
    (the order stays, marked void, as history) and its phones already received leave the stock as given back to
    the supplier. Refused once any of its phones is kept for someone or handed over."""
    require_manager(actor, order.programme, "hủy đơn mua")
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do hủy đơn.", field="reason")
    locked = PurchaseOrder.objects.select_for_update().select_related("programme", "payment").get(pk=order.pk)
    if locked.voided_at is not None:
        raise Conflict("Đơn mua này đã hủy.", code="already_void")
    phones = list(Device.objects.select_for_update().filter(purchase_order=locked))
    used = [
        d.imei for d in phones if d.state in (Device.State.RESERVED, Device.State.HANDED_OVER) or d.handovers.exists()
    ]
    if used:
        raise Conflict(
            f"{len(used)} máy của đơn đã được giữ cho người nhận hoặc đã trao (ví dụ {used[0]}): không hủy được.",
            code="phones_in_use",
        )
    locked.reversal = ledger.reverse(
        locked.payment,
        occurred_on=timezone.localdate(),
        memo=f"Hủy đơn mua #{locked.pk}: {reason.strip()}"[:300],
        actor_label=_label(actor),
    )
    locked.voided_at, locked.void_reason = timezone.now(), reason.strip()[:300]
    locked.save(update_fields=["reversal", "voided_at", "void_reason"])
    for device in phones:
        if device.state != Device.State.REJECTED:
            move(device, Device.State.REJECTED, note=f"Trả nhà cung cấp: hủy đơn mua #{locked.pk}", actor=actor)
    audit.record(
        actor=actor,
        action=Action.PURCHASE_VOID,
        obj=locked,
        programme_code=locked.programme.code,
        extra={"reason": reason.strip()[:300], "total": locked.total, "phones": len(phones)},
    )
    return locked
