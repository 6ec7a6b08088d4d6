"""Digital onboarding after the handover (issue #6): village teams, each recipient's checklist, guidance
sessions, follow-up visits at +7/+30/+90 days and the province's verification sample.

Follow-ups are not stored as a schedule: a visit is *due* when a person holds a phone from the programme and
`handover date + offset` has come (the offsets are the programme's `followup_days`); only the visits made are
rows. So a changed schedule, a return or a late-recorded handover never leaves stale due-rows behind, and the
figures can be computed for any date."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.handover.models import Handover
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune
from phocap.registry.models import Resident


class Step(models.TextChoices):
    VNEID_INSTALLED = "vneid_installed", _("Cài ứng dụng VNeID")
    EID_LEVEL2 = "eid_level2", _("Kích hoạt định danh điện tử mức 2")
    PORTAL_ACCOUNT = "portal_account", _("Có tài khoản Cổng Dịch vụ công quốc gia")
    ONLINE_SERVICE = "online_service", _("Đã dùng dịch vụ công trực tuyến")
    PAYMENT_ACCOUNT = "payment_account", _("Mở tài khoản ngân hàng hoặc ví điện tử")
    CASHLESS_PAYMENT = "cashless_payment", _("Đã thanh toán không dùng tiền mặt")
    ESSENTIAL_APPS = "essential_apps", _("Cài các ứng dụng thiết yếu")
    GUIDANCE_ATTENDED = "guidance_attended", _("Dự buổi hướng dẫn")


class Team(models.Model):
    """A community digital-technology team (tổ công nghệ số cộng đồng): one per village, set up by the commune."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="teams")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="teams")
    village = models.CharField(_("thôn/bản"), max_length=120)
    name = models.CharField(_("tên tổ"), max_length=200)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tổ công nghệ số cộng đồng")
        verbose_name_plural = _("tổ công nghệ số cộng đồng")
        constraints = [models.UniqueConstraint(fields=["commune", "village"], name="one_team_per_village")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A member: a user of phocap (who then sees the village's recipients), a resident from the registry, or
    just a name."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("họ và tên"), max_length=150)
    is_leader = models.BooleanField(_("tổ trưởng"), default=False)
    ended_at = models.DateTimeField(null=True, blank=True)

    AUDIT_PII_FIELDS = ("name",)

    class Meta:
        verbose_name = _("thành viên tổ")
        verbose_name_plural = _("thành viên tổ")

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"Thành viên tổ #{self.pk}"


class StepRecord(models.Model):
    """One checklist step done by one recipient: when, and who recorded it. One row per person and step
    (recording it again corrects the date; undo deletes it, audited)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="steps")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    step = models.CharField(max_length=20, choices=Step.choices)
    done_on = models.DateField(_("ngày"))
    detail = models.CharField(_("chi tiết"), max_length=200, blank=True)  # which service, which bank/e-wallet
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bước hướng dẫn")
        verbose_name_plural = _("bước hướng dẫn")
        constraints = [
            models.UniqueConstraint(fields=["resident", "step"], name="one_record_per_step"),
            models.CheckConstraint(condition=Q(step__in=Step.values), name="step_known"),
        ]
        # covering the indicators' grouped count (commune, step, by a date): read from the index alone
        indexes = [
            models.Index(fields=["programme", "commune", "step", "done_on", "resident"], name="step_by_commune"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.step}"


class GuidanceSession(models.Model):
    """A guidance or information session (buổi hướng dẫn, tuyên truyền)."""

    class Organiser(models.TextChoices):
        TEAM = "team", _("Tổ công nghệ số cộng đồng")
        DEPARTMENT = "department", _("Sở, ngành")
        ENTERPRISE = "enterprise", _("Doanh nghiệp")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="sessions")
    village = models.CharField(_("thôn/bản"), max_length=120, blank=True)
    held_on = models.DateField(_("ngày"))
    topic = models.CharField(_("nội dung"), max_length=300)
    organiser_kind = models.CharField(_("đơn vị tổ chức"), max_length=10, choices=Organiser.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    head_count = models.PositiveIntegerField(_("số người dự"), default=0)
    attendees = models.ManyToManyField(Resident, blank=True, related_name="sessions")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("buổi hướng dẫn")
        verbose_name_plural = _("buổi hướng dẫn")
        constraints = [
            models.CheckConstraint(
                condition=Q(organiser_kind__in=["team", "department", "enterprise"]), name="organiser_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%d/%m/%Y} {self.topic}"


class FollowUpVisit(models.Model):
    """A follow-up visit made: for the offset `days` after the person's handover."""

    class Outcome(models.TextChoices):
        USING = "using", _("Vẫn đang dùng")
        SOLD = "sold", _("Đã bán/cho người khác")
        BROKEN = "broken", _("Bị hỏng")
        LOST = "lost", _("Bị mất")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="followups")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="followups")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("sau … ngày"))
    due_on = models.DateField(_("hạn"))
    window_closes_on = models.DateField()  # due_on + the programme's grace days
    visited_on = models.DateField(_("ngày thăm"))
    outcome = models.CharField(_("kết quả"), max_length=8, choices=Outcome.choices)
    # the first day a later round of the same person was visited: until then this is their last visit (kept by
    # `followup_record`, the only writer of visits, so the indicators need no per-visit lookup)
    superseded_on = models.DateField(null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lần theo dõi")
        verbose_name_plural = _("lần theo dõi")
        constraints = [
            models.UniqueConstraint(fields=["resident", "days"], name="one_visit_per_round"),
            models.CheckConstraint(condition=Q(window_closes_on__gte=models.F("due_on")), name="visit_window"),
            models.CheckConstraint(
                condition=Q(outcome__in=["using", "sold", "broken", "lost"]), name="visit_outcome_known"
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="visit_days_positive"),
        ]
        indexes = [  # the indicators read visits from this index alone (bench/dashboard.py)
            models.Index(
                fields=[
                    "programme",
                    "commune",
                    "days",
                    "outcome",
                    "visited_on",
                    "window_closes_on",
                    "superseded_on",
                    "resident",
                ],
                name="visit_by_commune",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} +{self.days}"

    @property
    def on_time(self) -> bool:
        return self.visited_on <= self.window_closes_on


class VerificationSample(models.Model):
    """A random sample of handovers drawn by the province for independent confirmation (HOPE-style
    post-distribution verification). The size comes from the confidence level and margin of error."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    confidence = models.DecimalField(_("độ tin cậy (%)"), max_digits=4, decimal_places=1)
    margin = models.DecimalField(_("sai số (%)"), max_digits=4, decimal_places=1)
    population = models.PositiveIntegerField(_("số lần trao"))
    size = models.PositiveIntegerField(_("cỡ mẫu"))
    seed = models.CharField(_("chuỗi ngẫu nhiên"), max_length=64)
    drawn_by = models.CharField(max_length=150)
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mẫu kiểm chứng")
        verbose_name_plural = _("mẫu kiểm chứng")

    def __str__(self) -> str:
        return f"{self.size}/{self.population}"


class Verification(models.Model):
    class Method(models.TextChoices):
        CALL = "call", _("Gọi điện")
        VISIT = "visit", _("Đến tận nơi")

    class Result(models.TextChoices):
        RECEIVED = "received", _("Đã nhận máy")
        NOT_RECEIVED = "not_received", _("Không nhận được máy")
        ISSUES = "issues", _("Đã nhận nhưng có vấn đề")

    sample = models.ForeignKey(VerificationSample, on_delete=models.CASCADE, related_name="items")
    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("cách kiểm chứng"), max_length=5, choices=Method.choices, blank=True)
    result = models.CharField(_("kết quả"), max_length=12, choices=Result.choices, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    checked_by = models.CharField(max_length=150, blank=True)
    checked_on = models.DateField(null=True, blank=True)
    resolved_note = models.CharField(_("xử lý"), max_length=300, blank=True)  # the manager's follow-up of a flag

    class Meta:
        verbose_name = _("kiểm chứng")
        verbose_name_plural = _("kiểm chứng")
        constraints = [
            models.UniqueConstraint(fields=["sample", "handover"], name="one_check_per_handover"),
            models.CheckConstraint(
                condition=Q(result__in=["", "received", "not_received", "issues"]), name="result_known"
            ),
            models.CheckConstraint(  # a problem found is always explained
                condition=Q(result__in=["", "received"]) | ~Q(note=""), name="flag_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handover_id} {self.result}"

    @property
    def flagged(self) -> bool:
        return self.result in (self.Result.NOT_RECEIVED, self.Result.ISSUES)
