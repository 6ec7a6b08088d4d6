"""Phones by IMEI, where they came from, and every move they make (issue #5, devices)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.fundraising.models import Donation, Donor, JournalEntry, Pledge
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune


class PhoneModel(models.Model):
    brand = models.CharField(_("hãng"), max_length=60)
    model = models.CharField(_("mẫu máy"), max_length=120)
    is_4g = models.BooleanField(_("4G"), default=True)
    android_version = models.CharField(_("phiên bản Android"), max_length=20, blank=True)
    storage_gb = models.PositiveSmallIntegerField(_("bộ nhớ (GB)"), null=True, blank=True)
    price = models.BigIntegerField(_("giá tham khảo (₫)"), null=True, blank=True)

    class Meta:
        verbose_name = _("mẫu điện thoại")
        verbose_name_plural = _("mẫu điện thoại")
        constraints = [models.UniqueConstraint(fields=["brand", "model"], name="phone_model_once")]

    def __str__(self) -> str:
        return f"{self.brand} {self.model}"


def spent_by(on: dt.date | None = None) -> Q:
    """Over PurchaseOrder: the orders whose money was spent on a date — ordered by then and not voided by then
    (without a date: not voided)."""
    if on is None:
        return Q(voided_at__isnull=True)
    return Q(ordered_on__lte=on) & (Q(voided_at__isnull=True) | Q(reversal__occurred_on__gt=on))


class PurchaseOrder(models.Model):
    """N phones of a model at a unit price from a supplier, paid from the programme's funds by one ledger entry."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supplier_name = models.CharField(_("nhà cung cấp"), max_length=300)
    phone_model = models.ForeignKey(PhoneModel, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("số máy"))
    unit_price = models.BigIntegerField(_("đơn giá (₫)"))
    earmark = models.ForeignKey(
        ProgrammeCommune, verbose_name=_("cho xã"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ordered_on = models.DateField(_("ngày đặt"))
    # the supplier's invoice (hóa đơn) the payment rests on
    supplier_tax_code = models.CharField(_("mã số thuế nhà cung cấp"), max_length=14, blank=True, db_default="")
    invoice_number = models.CharField(_("số hóa đơn"), max_length=40, blank=True, db_default="")
    invoice_date = models.DateField(_("ngày hóa đơn"), null=True, blank=True)
    payment = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="purchase_order")
    # voided by a reversal of its payment before any of its phones was handed over (the order stays, as history)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(_("lý do hủy"), max_length=300, blank=True, db_default="")
    reversal = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_purchase_order"
    )
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đơn mua điện thoại")
        verbose_name_plural = _("đơn mua điện thoại")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(unit_price__gt=0), name="purchase_positive"),
            # void ⇔ its payment reversed, with the reason
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, reversal__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, reversal__isnull=False) & ~Q(void_reason="")),
                name="purchase_void_with_reversal_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.quantity} × {self.phone_model}"

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price


class Device(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Đã nhận")
        CHECKED = "checked", _("Đã kiểm tra")
        READY = "ready", _("Sẵn sàng trao")
        RESERVED = "reserved", _("Đã dành cho người nhận")
        HANDED_OVER = "handed_over", _("Đã trao")
        IN_TRANSIT = "in_transit", _("Đang chuyển")
        NEEDS_REPAIR = "needs_repair", _("Cần sửa")
        LOCKED = "locked", _("Bị khóa bởi chủ cũ")
        REJECTED = "rejected", _("Loại bỏ / tái chế")
        RETURNED = "returned", _("Bị trả lại")
        LOST = "lost", _("Mất")

    class Source(models.TextChoices):
        PURCHASED = "purchased", _("Mua")
        DONATED = "donated", _("Ủng hộ hiện vật")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="devices")
    imei = models.CharField("IMEI", max_length=15, unique=True)
    serial = models.CharField(_("số sê-ri"), max_length=40, blank=True)
    phone_model = models.ForeignKey(PhoneModel, on_delete=models.PROTECT, related_name="devices")
    source = models.CharField(_("nguồn"), max_length=9, choices=Source.choices)
    # when known: told apart from identical boxes. db_default: added in place (SQLite would rebuild the table, which
    # its triggers refer to)
    colour = models.CharField(_("màu"), max_length=30, blank=True, db_default="")
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="devices")
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="devices")
    # the gift in kind this donated phone belongs to (recorded when it was received, or the in-kind form's gift
    # it completes): the ledger's value of it
    donation = models.ForeignKey(Donation, null=True, blank=True, on_delete=models.PROTECT, related_name="devices")
    # condition of donated phones
    factory_reset = models.BooleanField(_("đã khôi phục cài đặt gốc"), null=True)
    activation_lock_free = models.BooleanField(_("không bị khóa tài khoản (FRP)"), null=True)
    made_in_year = models.PositiveSmallIntegerField(_("năm sản xuất"), null=True, blank=True)
    battery_ok = models.BooleanField(_("pin tốt"), null=True)
    screen_ok = models.BooleanField(_("màn hình tốt"), null=True)
    # SIM
    sim_iccid = models.CharField("ICCID", max_length=22, blank=True)
    sim_carrier = models.CharField(_("nhà mạng"), max_length=20, blank=True)
    sim_number = models.CharField(_("số thuê bao"), max_length=10, blank=True)
    data_package = models.CharField(_("gói dữ liệu"), max_length=60, blank=True)
    data_months = models.PositiveSmallIntegerField(_("số tháng dữ liệu"), null=True, blank=True)
    # where it is and what it is doing: the last event's, kept here for constraints and fast counts
    location = models.ForeignKey(
        ProgrammeCommune, verbose_name=_("tại xã"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("tình trạng"), max_length=12, choices=State.choices, default=State.RECEIVED)
    received_at = models.DateTimeField(default=timezone.now)

    AUDIT_PII_FIELDS = ("sim_number",)  # the number becomes the recipient's

    class Meta:
        verbose_name = _("điện thoại")
        verbose_name_plural = _("điện thoại")
        indexes = [models.Index(fields=["programme", "state", "location"], name="device_stock_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(source="purchased") & Q(purchase_order__isnull=False) & Q(donor__isnull=True))
                | (Q(source="donated") & Q(donor__isnull=False) & Q(purchase_order__isnull=True)),
                name="device_source_consistent",
            ),
            models.CheckConstraint(condition=Q(imei__regex=r"^[0-9]{15}$"), name="device_imei_15_digits"),
        ]

    def __str__(self) -> str:
        return self.imei

    @property
    def described(self) -> str:
        """The model, and the colour when known: what the hall page and the box labels say of the phone."""
        return f"{self.phone_model}, {self.colour}" if self.colour else str(self.phone_model)


class DeviceEvent(models.Model):
    """One move of one device. Append-only: stock at any date is counted from these."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=12, choices=Device.State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=Device.State.choices)
    location = models.ForeignKey(ProgrammeCommune, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["device", "at"], name="device_event_idx")]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.from_state} → {self.to_state}"
