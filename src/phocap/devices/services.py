"""Writes for devices (issue #5): purchase orders paid from the ledger, devices received by IMEI, checks, moves
and transfers — each move one `DeviceEvent`, written with the device row locked."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from stdnum import imei as stdnum_imei

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.money import format_vnd
from phocap.devices.models import Device, DeviceEvent, PhoneModel, PurchaseOrder
from phocap.fundraising import ledger
from phocap.fundraising.models import Donor, JournalEntry, JournalLine, LedgerAccount, Pledge
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune

S = Device.State
# the moves a device may make (beside reservation and handover, which the allocation and handover apps make)
MOVES: dict[str, set[str]] = {
    S.RECEIVED: {S.CHECKED, S.READY, S.NEEDS_REPAIR, S.LOCKED, S.REJECTED, S.LOST, S.IN_TRANSIT},
    S.CHECKED: {S.READY, S.NEEDS_REPAIR, S.LOCKED, S.REJECTED, S.LOST, S.IN_TRANSIT},
    S.READY: {S.RESERVED, S.NEEDS_REPAIR, S.LOST, S.IN_TRANSIT, S.REJECTED},
    S.RESERVED: {S.READY, S.HANDED_OVER, S.LOST},
    S.HANDED_OVER: {S.RETURNED, S.LOST},
    S.RETURNED: {S.CHECKED, S.READY, S.NEEDS_REPAIR, S.REJECTED, S.LOCKED},
    S.NEEDS_REPAIR: {S.CHECKED, S.READY, S.REJECTED, S.IN_TRANSIT},
    S.LOCKED: {S.CHECKED, S.READY, S.REJECTED},
    S.IN_TRANSIT: {S.RECEIVED, S.CHECKED, S.READY, S.NEEDS_REPAIR, S.LOST},
    S.REJECTED: set(),
    S.LOST: {S.RETURNED},
}
MAX_AGE_YEARS = 5


def _may_handle(actor: scope.Actor, programme: Programme, location: ProgrammeCommune | None) -> bool:
    if scope.can_manage_programme(actor, programme):
        return True
    return location is not None and scope.can_write_commune(actor, location)


def phone_model_get_or_create(*, name: str, brand: str = "", **details: Any) -> PhoneModel:
    """ "Samsung Galaxy A05" → brand "Samsung", model "Galaxy A05" (or the brand given)."""
    text = " ".join(name.split())
    if not text:
        raise ValidationFailed("Cần tên mẫu máy.", field="model")
    if not brand:
        brand, _, rest = text.partition(" ")
        text = rest or brand
    found = PhoneModel.objects.filter(brand__iexact=brand, model__iexact=text).first()
    return found or PhoneModel.objects.create(brand=brand, model=text, **details)


def phone_model_find(name: str) -> PhoneModel:
    text = " ".join(name.split()).lower()
    for pm in PhoneModel.objects.all():
        if text in (f"{pm.brand} {pm.model}".lower(), pm.model.lower()):
            return pm
    known = ", ".join(str(pm) for pm in PhoneModel.objects.order_by("brand", "model")) or "chưa có mẫu nào"
    raise NotFound(f"Không có mẫu máy {name!r} (đã có: {known}).")


# --- money → phones -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Funds:
    """What is left to spend: the general fund, and each earmarked commune's."""

    general: int
    earmarked: dict[int, int]  # commune id → đồng

    def for_commune(self, commune: ProgrammeCommune | None) -> int:
        return self.general + (self.earmarked.get(commune.pk, 0) if commune is not None else 0)


def funds_available(programme: Programme) -> Funds:
    """Fund balances (credit) less what was spent against each (debits of "spent on phones")."""
    totals = (
        JournalLine.objects.filter(
            account__programme=programme,
            account__code__in=[
                LedgerAccount.Code.UNRESTRICTED,
                LedgerAccount.Code.EARMARKED,
                LedgerAccount.Code.SPENT_ON_PHONES,
            ],
        )
        .values("account__code", "account__commune_id")
        .annotate(total=Sum("amount"))
    )
    general = 0
    earmarked: dict[int, int] = {}
    for row in totals:
        amount = -int(row["total"])  # funds are credits; spending is a debit
        commune_id = row["account__commune_id"]
        if commune_id is None:
            general += amount
        else:
            earmarked[commune_id] = earmarked.get(commune_id, 0) + amount
    return Funds(general, earmarked)


def purchase_order_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    phone_model: PhoneModel,
    quantity: int,
    unit_price: int,
    supplier_name: str = "",
    supplier: Organisation | None = None,
    earmark: ProgrammeCommune | None = None,
    ordered_on: dt.date | None = None,
) -> PurchaseOrder:
    """Order phones and pay from the funds in one transaction: debit "spent on phones" against the earmarked
    commune's fund first (when the order is for that commune), then the general fund; credit the bank. Refused
    when the funds (or the bank) do not hold enough. The fund accounts are locked while checking, so two orders
    at once cannot both spend the last đồng."""
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được đặt mua điện thoại.")
    if quantity <= 0 or unit_price <= 0:
        raise ValidationFailed("Số máy và đơn giá phải lớn hơn 0.", field="quantity")
    if earmark is not None and earmark.programme_id != programme.pk:
        raise NotFound("Xã không thuộc chương trình.")
    name = supplier.name if supplier is not None and not supplier_name else supplier_name.strip()
    if not name:
        raise ValidationFailed("Cần tên nhà cung cấp.", field="supplier_name")
    total = quantity * unit_price
    ordered_on = ordered_on or timezone.localdate()
    with transaction.atomic(), ledger.cached_accounts():
        general = ledger.account(programme, LedgerAccount.Code.UNRESTRICTED)
        bank = ledger.account(programme, LedgerAccount.Code.BANK)
        locked = [general.pk, bank.pk]
        if earmark is not None:
            locked.append(ledger.account(programme, LedgerAccount.Code.EARMARKED, commune=earmark).pk)
        list(LedgerAccount.objects.select_for_update().filter(pk__in=sorted(locked)))  # serialise spending
        funds = funds_available(programme)
        from_earmark = min(total, max(0, funds.earmarked.get(earmark.pk, 0))) if earmark is not None else 0
        from_general = total - from_earmark
        if from_general > funds.general:
            raise Conflict(
                f"Không đủ tiền: đơn {format_vnd(total)}, quỹ còn {format_vnd(funds.for_commune(earmark))}.",
                code="insufficient_funds",
            )
        in_bank = JournalLine.objects.filter(account=bank).aggregate(s=Sum("amount"))["s"] or 0  # assets: debits
        if in_bank < total:
            raise Conflict(
                f"Tài khoản ngân hàng của đợt vận động chỉ còn {format_vnd(in_bank)}: nộp tiền mặt về trước khi mua.",
                code="insufficient_bank",
            )
        lines: list[tuple[LedgerAccount, int]] = [(bank, -total)]
        if from_earmark:
            lines.append((ledger.account(programme, LedgerAccount.Code.SPENT_ON_PHONES, commune=earmark), from_earmark))
        if from_general:
            lines.append((ledger.account(programme, LedgerAccount.Code.SPENT_ON_PHONES), from_general))
        entry = ledger.post(
            programme=programme,
            kind=JournalEntry.Kind.PURCHASE,
            occurred_on=ordered_on,
            memo=f"Mua {quantity} {phone_model} × {format_vnd(unit_price)} — {name}",
            lines=lines,
            actor_label=_label(actor),
        )
        order = PurchaseOrder.objects.create(
            programme=programme,
            supplier=supplier,
            supplier_name=name[:300],
            phone_model=phone_model,
            quantity=quantity,
            unit_price=unit_price,
            earmark=earmark,
            ordered_on=ordered_on,
            payment=entry,
            created_by=_label(actor),
        )
        audit.record(
            actor=actor,
            action="purchase.create",
            obj=order,
            programme_code=programme.code,
            extra={"total": total, "from_earmark": from_earmark, "from_general": from_general, "entry": str(entry.pk)},
        )
    return order


# --- receiving ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ReceiveResult:
    received: list[Device]
    rejected: list[dict[str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {"received": len(self.received), "rejected": self.rejected}


def imeis_from_file(data: bytes, filename: str) -> list[str]:
    """IMEIs from a text file (one per line) or a spreadsheet (XLSX, XLS, ODS, CSV: the first column; a header
    row and blank cells are skipped; numeric cells are whole numbers — 15 digits fit a spreadsheet number)."""
    if not filename.lower().endswith((".xlsx", ".xls", ".ods", ".csv")):
        return data.decode("utf-8-sig").splitlines()
    from phocap.core.spreadsheets import read_rows

    out = []
    for row in read_rows(data, filename):
        cell = row[0] if row else None
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        text = str(cell).strip() if cell not in (None, "") else ""
        if text and any(ch.isdigit() for ch in text):
            out.append(text)
    return out


def read_imei(text: str) -> tuple[str | None, str]:
    """A 15-digit IMEI with a good check digit, or the reason it is not."""
    compact = "".join(ch for ch in str(text) if not ch.isspace() and ch not in "-./")
    if not compact.isdigit():
        return None, "IMEI chỉ gồm chữ số."
    if len(compact) != 15:
        return None, f"IMEI phải có 15 chữ số (đang có {len(compact)})."
    if not stdnum_imei.is_valid(compact):
        return None, "Sai chữ số kiểm tra (Luhn): gõ nhầm một số?"
    return compact, ""


def device_receive(
    *,
    actor: scope.Actor,
    programme: Programme,
    phone_model: PhoneModel,
    imeis: Iterable[str],
    purchase_order: PurchaseOrder | None = None,
    donor: Donor | None = None,
    location: ProgrammeCommune | None = None,
    ready: bool = False,
) -> ReceiveResult:
    """Devices into stock by IMEI, against a purchase order or donated by a donor. Bad check digits, IMEIs
    already known and repeats in the list are rejected with a reason; the rest are received in one
    transaction. `ready`: the phones passed their checks (for donated phones: reset, not locked, battery and
    screen good). Donated phones fulfil the donor's open pledges of phones, oldest first."""
    if (purchase_order is None) == (donor is None):
        raise ValidationFailed("Chọn một nguồn: đơn mua hoặc nhà hảo tâm.", field="source")
    if not _may_handle(actor, programme, location):
        raise PermissionDenied("Bạn không được nhập máy cho chương trình/xã này.")
    if location is not None and location.programme_id != programme.pk:
        raise NotFound("Xã không thuộc chương trình.")
    if purchase_order is not None and (
        purchase_order.programme_id != programme.pk or purchase_order.phone_model_id != phone_model.pk
    ):
        raise ValidationFailed("Đơn mua không khớp chương trình hoặc mẫu máy.", field="purchase_order")
    if donor is not None and donor.programme_id != programme.pk:
        raise NotFound("Không tìm thấy nhà hảo tâm.")
    label = _label(actor)
    rejected: list[dict[str, str]] = []
    wanted: list[str] = []
    seen: set[str] = set()
    for raw in imeis:
        if not str(raw).strip():
            continue
        number, reason = read_imei(raw)
        if number is None:
            rejected.append({"imei": str(raw).strip(), "reason": reason})
        elif number in seen:
            rejected.append({"imei": number, "reason": "Trùng trong danh sách nhập."})
        else:
            seen.add(number)
            wanted.append(number)
    try:
        with transaction.atomic():
            known = set(Device.objects.filter(imei__in=wanted).values_list("imei", flat=True))
            rejected += [{"imei": i, "reason": "IMEI này đã có trong hệ thống."} for i in wanted if i in known]
            wanted = [i for i in wanted if i not in known]
            pledges: list[tuple[Pledge, int]] = []
            if purchase_order is not None:
                order = PurchaseOrder.objects.select_for_update().get(pk=purchase_order.pk)
                room = order.quantity - order.devices.count()
                rejected += [
                    {"imei": i, "reason": f"Vượt số máy của đơn mua #{order.pk} ({order.quantity})."}
                    for i in wanted[room:]
                ]
                wanted = wanted[: max(0, room)]
            elif donor is not None:
                open_pledges = list(
                    Pledge.objects.select_for_update()  # no GROUP BY with FOR UPDATE: count apart
                    .filter(donor=donor, phones__isnull=False, cancelled_at__isnull=True)
                    .order_by("created_at")
                )
                got = dict(
                    Device.objects.filter(pledge__in=open_pledges)
                    .values_list("pledge")
                    .annotate(n=Count("id"))
                    .values_list("pledge", "n")
                )
                for open_pledge in open_pledges:
                    if open_pledge.phones and got.get(open_pledge.pk, 0) < open_pledge.phones:
                        pledges.append((open_pledge, open_pledge.phones - got.get(open_pledge.pk, 0)))
            now = timezone.now()
            devices = []
            for number in wanted:
                pledge: Pledge | None = None
                if pledges:
                    pledge, left = pledges[0]
                    pledges = pledges[1:] if left == 1 else [(pledge, left - 1), *pledges[1:]]
                checked = True if ready and donor is not None else None
                devices.append(
                    Device(
                        programme=programme,
                        imei=number,
                        phone_model=phone_model,
                        source=Device.Source.PURCHASED if purchase_order else Device.Source.DONATED,
                        purchase_order=purchase_order,
                        donor=donor,
                        pledge=pledge,
                        location=location,
                        state=S.READY if ready else S.RECEIVED,
                        received_at=now,
                        factory_reset=checked,
                        activation_lock_free=checked,
                        battery_ok=checked,
                        screen_ok=checked,
                    )
                )
            Device.objects.bulk_create(devices, batch_size=1000)
            events = []
            for d in devices:
                events.append(
                    DeviceEvent(
                        device=d, from_state="", to_state=S.RECEIVED, location=location, actor_label=label, at=now
                    )
                )
                if ready:
                    events.append(
                        DeviceEvent(
                            device=d,
                            from_state=S.RECEIVED,
                            to_state=S.READY,
                            location=location,
                            note="Đạt kiểm tra khi nhận",
                            actor_label=label,
                            at=now,
                        )
                    )
            DeviceEvent.objects.bulk_create(events, batch_size=1000)
            audit.record(
                actor=actor,
                action="devices.receive",
                obj=purchase_order or donor or programme,
                programme_code=programme.code,
                extra={
                    "model": str(phone_model),
                    "received": len(devices),
                    "rejected": len(rejected),
                    "ready": ready,
                    "location": location.unit.code if location else "",
                },
            )
    except IntegrityError:
        raise Conflict(
            "Một IMEI vừa được người khác nhập cùng lúc; hãy nhập lại danh sách.", code="imei_race"
        ) from None
    return ReceiveResult(devices, rejected)


# --- moves ----------------------------------------------------------------------------------------------


def device_move(
    *,
    actor: scope.Actor,
    device: Device,
    to_state: str,
    note: str = "",
    location: ProgrammeCommune | bool | None = False,
) -> Device:
    """One move, checked against `MOVES`, with the device row locked. `location=False` keeps the location."""
    with transaction.atomic():
        locked = Device.objects.select_for_update().select_related("programme").get(pk=device.pk)
        if not _may_handle(actor, locked.programme, locked.location):
            raise NotFound("Không tìm thấy điện thoại.")
        if to_state not in MOVES.get(locked.state, set()):
            raise Conflict(
                f"Không thể chuyển máy từ “{Device.State(locked.state).label}” sang “{Device.State(to_state).label}”.",
                code="bad_move",
            )
        return record_move(locked, to_state, note=note, actor=actor, location=location)


def record_move(
    device: Device, to_state: str, *, note: str, actor: scope.Actor, location: ProgrammeCommune | bool | None = False
) -> Device:
    previous = device.state
    if location is not False:
        device.location = location if isinstance(location, ProgrammeCommune) else None
    device.state = to_state
    device.save(update_fields=["state", "location"])
    DeviceEvent.objects.create(
        device=device,
        from_state=previous,
        to_state=to_state,
        location=device.location,
        note=note[:300],
        actor_label=_label(actor),
    )
    return device


def device_check(
    *,
    actor: scope.Actor,
    device: Device,
    factory_reset: bool,
    activation_lock_free: bool,
    battery_ok: bool,
    screen_ok: bool,
    made_in_year: int | None = None,
) -> Device:
    """Record the checks of a (donated or returned) phone; it becomes ready, or locked / needs repair /
    rejected (older than 5 years) with the reason in the event."""
    with transaction.atomic():
        locked = Device.objects.select_for_update().select_related("programme").get(pk=device.pk)
        if not _may_handle(actor, locked.programme, locked.location):
            raise NotFound("Không tìm thấy điện thoại.")
        locked.factory_reset, locked.activation_lock_free = factory_reset, activation_lock_free
        locked.battery_ok, locked.screen_ok = battery_ok, screen_ok
        locked.made_in_year = made_in_year or locked.made_in_year
        locked.save(update_fields=["factory_reset", "activation_lock_free", "battery_ok", "screen_ok", "made_in_year"])
        reference_year = locked.programme.reference_date.year
        if locked.made_in_year and reference_year - locked.made_in_year > MAX_AGE_YEARS:
            target, note = S.REJECTED, f"Máy sản xuất năm {locked.made_in_year}, quá {MAX_AGE_YEARS} năm."
        elif not activation_lock_free:
            target, note = S.LOCKED, "Còn khóa tài khoản của chủ cũ (FRP/iCloud)."
        elif not (battery_ok and screen_ok):
            target, note = S.NEEDS_REPAIR, "Pin hoặc màn hình cần sửa."
        elif not factory_reset:
            target, note = S.CHECKED, "Cần khôi phục cài đặt gốc trước khi trao."
        else:
            target, note = S.READY, "Đạt kiểm tra."
        if target not in MOVES.get(locked.state, set()) and target != locked.state:
            raise Conflict(f"Máy đang “{Device.State(locked.state).label}”, không kiểm tra được.", code="bad_move")
        if target == locked.state:
            return locked
        return record_move(locked, target, note=note, actor=actor)


def transfer_send(*, actor: scope.Actor, device: Device, to: ProgrammeCommune | None) -> Device:
    """Send a device to a commune (or back to the provincial store); it stays in transit until received."""
    with transaction.atomic():
        locked = Device.objects.select_for_update().select_related("programme").get(pk=device.pk)
        if not _may_handle(actor, locked.programme, locked.location):
            raise NotFound("Không tìm thấy điện thoại.")
        if S.IN_TRANSIT not in MOVES.get(locked.state, set()):
            raise Conflict(f"Máy đang “{Device.State(locked.state).label}”, không chuyển được.", code="bad_move")
        destination = to.unit.name if to else "kho tỉnh"
        locked.location = to
        return record_move(
            locked, S.IN_TRANSIT, note=f"Chuyển đến {destination}; trạng thái trước: {locked.state}", actor=actor
        )


def transfer_confirm(*, actor: scope.Actor, device: Device) -> Device:
    """The receiving side confirms: the device is back to the state it left in."""
    with transaction.atomic():
        locked = (
            Device.objects.select_for_update(of=("self",)).select_related("programme", "location").get(pk=device.pk)
        )
        if locked.state != S.IN_TRANSIT:
            raise Conflict("Máy không ở trạng thái đang chuyển.", code="not_in_transit")
        receiving = locked.location
        if not (
            scope.can_manage_programme(actor, locked.programme)
            if receiving is None
            else scope.can_write_commune(actor, receiving)
        ):
            raise PermissionDenied("Chỉ nơi nhận được xác nhận đã nhận máy.")
        sent = locked.events.filter(to_state=S.IN_TRANSIT).order_by("-at", "-pk").first()
        before = sent.from_state if sent is not None else S.RECEIVED
        back = before if before in MOVES[S.IN_TRANSIT] else S.RECEIVED
        return record_move(locked, back, note="Nơi nhận xác nhận đã nhận máy", actor=actor)


@dataclasses.dataclass
class TransferResult:
    sent: list[Device] = dataclasses.field(default_factory=list)
    rejected: list[dict[str, str]] = dataclasses.field(default_factory=list)


def transfer_send_many(
    *, actor: scope.Actor, programme: Programme, imeis: Iterable[str], to: ProgrammeCommune | None
) -> TransferResult:
    """Send the devices scanned or pasted (one IMEI per line) to a commune or the provincial store; each line that
    cannot be sent is reported with its reason and the others still go."""
    result = TransferResult()
    for line in imeis:
        if not line.strip():
            continue
        number, reason = read_imei(line)
        device = Device.objects.filter(programme=programme, imei=number).first() if number else None
        if number is not None and device is None:
            reason = "không có trong kho của chương trình"
        if device is not None and device.location_id == (to.pk if to else None):
            device, reason = None, "đã ở nơi nhận"
        if device is None:
            result.rejected.append({"imei": line.strip(), "reason": reason})
            continue
        try:
            result.sent.append(transfer_send(actor=actor, device=device, to=to))
        except (Conflict, NotFound) as exc:
            result.rejected.append({"imei": line.strip(), "reason": exc.message})
    return result


def transfer_confirm_many(*, actor: scope.Actor, devices: Iterable[Device]) -> int:
    """The receiving side confirms several devices at once: all or none (one transaction)."""
    with transaction.atomic():
        done = [transfer_confirm(actor=actor, device=device) for device in devices]
    return len(done)
