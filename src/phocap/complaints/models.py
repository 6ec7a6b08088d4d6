"""What the people served can say back (issue #17): a complaint (phản ánh, kiến nghị) with its deadlines, and
each step taken on it. Filed by anyone from the public page or the API, or recorded by an officer who received
it in person, by phone or at a meeting."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.allocation.models import Round
from phocap.devices.models import Device
from phocap.fundraising.models import Donation
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.models import Resident


class Complaint(models.Model):
    AUDIT_PII_FIELDS = ("name", "phone", "text")

    class Category(models.TextChoices):
        NOT_LISTED = "not_listed", _("Không có tên trong danh sách")
        WRONGLY_LISTED = "wrongly_listed", _("Có tên nhưng không đúng đối tượng")
        WRONG_DATA = "wrong_data", _("Thông tin sai")
        NOT_RECEIVED = "not_received", _("Chưa nhận được máy")
        BROKEN = "broken", _("Máy bị hỏng")
        OTHER = "other", _("Khác")

    class Via(models.TextChoices):
        PUBLIC = "public", _("Gửi qua trang công khai")
        IN_PERSON = "in_person", _("Trực tiếp tại trụ sở")
        PHONE = "phone", _("Qua điện thoại")
        MEETING = "meeting", _("Tại cuộc họp, buổi trao")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Đã nhận")
        ACKNOWLEDGED = "acknowledged", _("Đã tiếp nhận")
        IN_PROGRESS = "in_progress", _("Đang xử lý")
        RESOLVED = "resolved", _("Đã giải quyết")
        NOT_UPHELD = "not_upheld", _("Không có cơ sở")

    CLOSED = (Status.RESOLVED, Status.NOT_UPHELD)

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="complaints")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="complaints")
    category = models.CharField(_("loại"), max_length=16, choices=Category.choices)
    text = models.TextField(_("nội dung"), max_length=2000)
    name = models.CharField(_("họ tên người phản ánh"), max_length=150, blank=True)
    phone = models.CharField(_("điện thoại để trả lời"), max_length=10, blank=True)
    via = models.CharField(_("nhận qua"), max_length=10, choices=Via.choices)
    received_on = models.DateField(_("ngày nhận"))
    acknowledge_by = models.DateField(_("hạn tiếp nhận"))
    resolve_by = models.DateField(_("hạn giải quyết"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    recorded_by = models.CharField(max_length=150)  # "public" for one filed from the public page or API
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    key = models.CharField(max_length=64, unique=True, null=True, blank=True)  # the form's idempotency key
    # what it is about, linked by the officer (or by the round in its posting period)
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    donation = models.ForeignKey(Donation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints")

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledge_by__gte=models.F("received_on")), name="complaint_ack_after"
            ),
            models.CheckConstraint(
                condition=Q(resolve_by__gte=models.F("received_on")), name="complaint_resolve_after"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="complaint_has_text"),
        ]
        indexes = [models.Index(fields=["programme", "commune", "status"], name="complaint_commune_status")]

    def __str__(self) -> str:
        return f"PA-{self.pk}"

    def is_overdue(self, on: dt.date) -> bool:
        """Not closed, and past its deadline: to acknowledge while still only received, to resolve in any case."""
        if self.status in self.CLOSED:
            return False
        return on > self.resolve_by or (self.status == self.Status.RECEIVED and on > self.acknowledge_by)


class ComplaintStep(models.Model):
    """One change of a complaint's status with the officer's note: the complaint's history (append-only)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=Complaint.Status.choices)
    note = models.TextField(_("ghi chú"), max_length=2000)
    by = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.status}"


class SelfCheckCount(models.Model):
    """How many self-checks were made on a day, and how many found someone — counts only, never a number."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    lookups = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "day"], name="self_check_count_once")]

    def __str__(self) -> str:
        return f"{self.day}: {self.lookups}"
