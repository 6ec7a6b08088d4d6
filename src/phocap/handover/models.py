"""Handing phones over (issue #5): events at a commune, one record per person, minutes anyone can check."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.allocation.models import Reservation
from phocap.devices.models import Device
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import Resident


class HandoverEvent(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="handover_events")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="handover_events")
    held_on = models.DateField(_("ngày trao"))
    starts_at = models.TimeField(_("giờ bắt đầu"), null=True, blank=True)  # said in the invitation (8:00 if not)
    place = models.CharField(_("địa điểm"), max_length=200)
    organisers = models.CharField(_("đơn vị phối hợp"), max_length=500, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    # closed: the minutes are made (EventMinutes) and nothing more is recorded at the event — no handover, no
    # absence, no undoing one
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("buổi trao tặng")
        verbose_name_plural = _("buổi trao tặng")

    def __str__(self) -> str:
        return f"{self.commune} {self.held_on:%d/%m/%Y}"


class EventMinutes(models.Model):
    """The minutes of a closed event as they were made when it closed: the signed paper's twin, which later
    returns or swaps do not rewrite."""

    event = models.OneToOneField(HandoverEvent, on_delete=models.PROTECT, related_name="minutes")
    content = models.BinaryField()
    handed = models.PositiveIntegerField()  # phones handed over at the event
    absent = models.PositiveIntegerField()  # people recorded absent at it (and not undone)
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("biên bản buổi trao")
        verbose_name_plural = _("biên bản buổi trao")

    def __str__(self) -> str:
        return f"biên bản {self.event_id}"


class Absence(models.Model):
    """A person expected at an event recorded absent there (their phone went back to stock or to the next in
    line). Undone — the person came after all — until the event closes."""

    event = models.ForeignKey(HandoverEvent, on_delete=models.PROTECT, related_name="absences")
    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("lý do"), max_length=300)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vắng mặt")
        verbose_name_plural = _("vắng mặt")
        constraints = [
            models.UniqueConstraint(
                fields=["reservation"], condition=Q(undone_at__isnull=True), name="one_standing_absence"
            )
        ]

    def __str__(self) -> str:
        return f"vắng {self.reservation_id} @ {self.event_id}"


def not_ended_by(on: dt.date) -> Q:
    """Over Handover: not returned or swapped by the end of the day (the phone still in the person's hands)."""
    return Q(ended_on__isnull=True) | Q(ended_on__gt=on)


class HandoverQuerySet(models.QuerySet["Handover"]):
    def standing(self, on: dt.date | None = None) -> HandoverQuerySet:
        """The one rule of *holding a phone on a date*: handed over by then (the event held on or before it) and
        not returned or swapped by then. Without a date: holding one now (status current)."""
        if on is None:
            return self.filter(status=Handover.Status.CURRENT)
        return self.filter(not_ended_by(on), event__held_on__lte=on)


class Handover(models.Model):
    """A phone in a person's hands. At most one current handover per person per programme (database)."""

    class Status(models.TextChoices):
        CURRENT = "current", _("Đang sử dụng")
        RETURNED = "returned", _("Đã trả lại")
        REPLACED = "replaced", _("Đã đổi máy khác")
        LOST = "lost", _("Máy bị mất hoặc đã bán")

    class IdCheck(models.TextChoices):
        TYPED = "typed", _("Nhập số định danh")
        SCANNED = "scanned", _("Quét mã QR trên thẻ CCCD")
        NO_NUMBER = "no_number", _("Không có số định danh trong danh sách: đối chiếu giấy tờ khác")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(HandoverEvent, on_delete=models.PROTECT, related_name="handovers")
    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="handovers")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="handovers")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="handovers")
    id_check = models.CharField(_("đối chiếu danh tính"), max_length=10, choices=IdCheck.choices)
    sim_activated = models.BooleanField(_("đã kích hoạt SIM"))
    confirmation = models.CharField(
        _("xác nhận"), max_length=10, choices=[("signature", _("Ký")), ("thumbprint", _("Điểm chỉ"))]
    )
    delivered_by = models.CharField(_("người trao"), max_length=150)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CURRENT)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    key = models.CharField(max_length=64, unique=True)  # the form's idempotency key: a retried submit is the same
    at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(_("ngày trả/đổi"), null=True, blank=True)  # returned or replaced on this day

    objects = HandoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần trao máy")
        verbose_name_plural = _("lần trao máy")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "resident"], condition=Q(status="current"), name="one_current_handover_per_person"
            ),
            models.UniqueConstraint(fields=["device"], condition=Q(status="current"), name="device_in_one_hand"),
        ]
        indexes = [  # the indicators: people holding a phone per event on a date, and phones given back by a date
            models.Index(fields=["event", "ended_on"], name="handover_by_event"),
            models.Index(fields=["programme", "ended_on"], name="handover_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} → {self.resident_id}"


class HandoverPhoto(models.Model):
    """The optional photo taken at the handover (the person with the phone, or the signed paper). A person's
    face is personal data: kept in the database beside the record (so backups and erasure treat it alike),
    re-encoded without its metadata (no GPS position, no camera details), shown only to those who may see the
    handover, and every viewing is audited."""

    handover = models.OneToOneField(Handover, on_delete=models.CASCADE, related_name="photo")
    content = models.BinaryField()
    content_type = models.CharField(max_length=30, default="image/jpeg")
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ảnh xác nhận")
        verbose_name_plural = _("ảnh xác nhận")

    def __str__(self) -> str:
        return f"ảnh {self.handover_id}"
