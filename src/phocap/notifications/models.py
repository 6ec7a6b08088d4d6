"""The outbox (issue #17): one row per message to one recipient on one channel, queued by the planner from the
facts (an invitation per person and handover event, a reminder the day before, …), sent by the worker with
retries and back-off. The idempotency key is unique: one message per key, ever — so planning again, a retried
run or two workers at once never send twice. An opt-out stops every message to that number or address."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.complaints.models import Complaint
from phocap.programmes.models import Programme
from phocap.registry.models import Resident


class Message(models.Model):
    AUDIT_PII_FIELDS = ("recipient", "text")

    class Channel(models.TextChoices):
        SMS = "sms", _("Tin nhắn SMS")
        ZALO = "zalo", _("Zalo (ZNS)")
        EMAIL = "email", _("Thư điện tử")

    class Template(models.TextChoices):
        INVITATION = "invitation", _("Mời nhận máy")
        REMINDER = "reminder", _("Nhắc lịch nhận máy (hôm trước)")
        FOLLOWUP_DUE = "followup_due", _("Nhắc tổ công nghệ số đi thăm hỏi")
        COMPLAINT_ACKNOWLEDGED = "complaint_ack", _("Đã tiếp nhận phản ánh")
        COMPLAINT_ANSWERED = "complaint_answer", _("Trả lời phản ánh")
        DONOR_THANKS = "donor_thanks", _("Cảm ơn nhà tài trợ")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        DELIVERED = "delivered", _("Đã đến máy")
        FAILED = "failed", _("Gửi lỗi")
        CANCELLED = "cancelled", _("Không gửi")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(_("kênh"), max_length=5, choices=Channel.choices)
    recipient = models.CharField(_("người nhận"), max_length=254)  # 0xxxxxxxxx, or an e-mail address
    template = models.CharField(_("mẫu"), max_length=16, choices=Template.choices)
    params = models.JSONField(default=dict)  # what the template was filled with (ZNS sends these)
    text = models.TextField(_("nội dung"))
    encoding = models.CharField(max_length=5, blank=True)  # GSM-7 or UCS-2 for SMS
    segments = models.PositiveSmallIntegerField(default=1)
    key = models.CharField(max_length=120, unique=True)  # the idempotency key: one message per key, ever
    status = models.CharField(_("trạng thái"), max_length=9, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )

    class Meta:
        verbose_name = _("tin nhắn")
        verbose_name_plural = _("tin nhắn")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["programme", "status"], name="message_programme_status"),
        ]
        constraints = [
            models.CheckConstraint(  # a message sent has its time; one not sent has none
                condition=Q(status__in=["queued", "failed", "cancelled"]) | Q(sent_at__isnull=False),
                name="message_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.channel}"


class OptOut(models.Model):
    """A number or an address that asked to receive nothing more (recorded by an officer, or by the person)."""

    recipient = models.CharField(max_length=254, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)

    AUDIT_PII_FIELDS = ("recipient",)

    def __str__(self) -> str:
        return "opt-out"
