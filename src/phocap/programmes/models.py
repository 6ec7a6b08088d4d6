from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.geo.models import AdminUnit

DEFAULT_PHONE_PACKAGE_PRICE = 2_000_000
RECEIPT_SYMBOL = re.compile(r"[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*")
receipt_symbol_validator = RegexValidator(
    RECEIPT_SYMBOL.pattern.join("^$"), _("Ký hiệu gồm chữ in hoa, chữ số và dấu gạch ngang (ví dụ GCN-MTTQ).")
)
slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Mã chỉ gồm chữ thường, số và dấu gạch ngang."))


# The indicators of issue #6, in the order reports show them, with the programme's default targets (%);
# `smartphone_coverage` takes each commune's own `target_percent`.
DEFAULT_TARGETS: dict[str, float] = {
    "smartphone_coverage": 100.0,
    "handover_progress": 100.0,
    "funds_received": 100.0,
    "funds_spent": 95.0,
    "eid_level2": 90.0,
    "public_service_account": 80.0,
    "online_service_used": 70.0,
    "payment_account": 80.0,
    "cashless_payment": 70.0,
    "still_using": 95.0,
    "followup_on_time": 90.0,
}


def default_followup_days() -> list[int]:
    """Follow-up visits after a handover: +7, +30 and +90 days (RapidPro-style offsets from the handover date)."""
    return [7, 30, 90]


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        COLLECTING = "collecting", _("Đang vận động")
        DISTRIBUTING = "distributing", _("Đang trao tặng")
        CLOSED = "closed", _("Đã kết thúc")

    code = models.SlugField(_("mã"), max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(_("tên"), max_length=300)
    province = models.ForeignKey(AdminUnit, verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="+")
    units_as_of = models.DateField(_("danh mục đơn vị hành chính tại ngày"))
    campaign_start = models.DateField(_("bắt đầu vận động"))
    campaign_end = models.DateField(_("kết thúc vận động"))
    reference_date = models.DateField(_("ngày tính tuổi"))
    phone_package_price = models.BigIntegerField(_("giá một gói điện thoại (₫)"), default=DEFAULT_PHONE_PACKAGE_PRICE)
    target_percent = models.DecimalField(
        _("mục tiêu tỷ lệ người trưởng thành có điện thoại thông minh (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
    )
    dedup_duplicate_percent = models.DecimalField(
        _("ngưỡng trùng (xác suất cùng một người, %)"), max_digits=5, decimal_places=2, default=Decimal(99)
    )
    dedup_possible_percent = models.DecimalField(
        _("ngưỡng nghi trùng, cần xem xét (%)"), max_digits=5, decimal_places=2, default=Decimal(80)
    )
    ends_on = models.DateField(_("kết thúc chương trình"), null=True, blank=True)
    followup_days = models.JSONField(_("theo dõi sau khi trao (số ngày)"), default=default_followup_days)
    followup_grace_days = models.PositiveSmallIntegerField(_("số ngày được chậm khi theo dõi"), default=7)
    indicator_targets = models.JSONField(_("mục tiêu các chỉ số (%)"), default=dict, blank=True)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    bank_bin = models.CharField(_("mã BIN ngân hàng"), max_length=6, blank=True)
    bank_name = models.CharField(_("ngân hàng"), max_length=120, blank=True)
    bank_account_number = models.CharField(_("số tài khoản"), max_length=19, blank=True)
    bank_account_name = models.CharField(_("tên tài khoản"), max_length=120, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    # the symbol after a certificate's number: "00033/GCN-MTTQ" (numbers run per programme and year)
    receipt_symbol = models.CharField(
        _("ký hiệu giấy chứng nhận ủng hộ"), max_length=30, default="GCN-MTTQ", validators=[receipt_symbol_validator]
    )
    # the people served (issue #17): a round's lists are posted for objections for `posting_days` working days;
    # a complaint is acknowledged within `complaint_acknowledge_days` working days and resolved within
    # `complaint_resolve_days` days of being received
    posting_days = models.PositiveSmallIntegerField(_("số ngày làm việc niêm yết danh sách"), default=5)
    complaint_acknowledge_days = models.PositiveSmallIntegerField(
        _("số ngày làm việc để tiếp nhận phản ánh"), default=3
    )
    complaint_resolve_days = models.PositiveSmallIntegerField(_("số ngày để giải quyết phản ánh"), default=30)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["-campaign_start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign_end__gte=F("campaign_start")), name="programme_campaign_ordered"
            ),
            models.CheckConstraint(condition=Q(phone_package_price__gt=0), name="programme_price_positive"),
            models.CheckConstraint(
                condition=Q(dedup_possible_percent__gt=0, dedup_possible_percent__lte=F("dedup_duplicate_percent"))
                & Q(dedup_duplicate_percent__lte=100),
                name="programme_dedup_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gt=0, target_percent__lte=100),
                name="programme_target_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "collecting", "distributing", "closed"]),
                name="programme_status_known",
            ),
            models.CheckConstraint(
                condition=Q(bank_bin="") | Q(bank_bin__regex=r"^[0-9]{6}$"),
                name="programme_bank_bin_6_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def as_of(self) -> dt.date:
        """The day figures and due lists are shown for: today, or the programme's end once it has passed (a
        finished programme reports as it ended; follow-ups after its end are outside it)."""
        today = timezone.localdate()
        return min(today, self.ends_on) if self.ends_on else today

    def target(self, indicator: str) -> float:
        return float(self.indicator_targets.get(indicator, DEFAULT_TARGETS[indicator]))


class ProgrammeCommune(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="communes")
    unit = models.ForeignKey(AdminUnit, verbose_name=_("xã/phường"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        AdminUnit, verbose_name=_("huyện"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adult_population = models.PositiveIntegerField(_("số người trưởng thành"))
    baseline_without_smartphone = models.PositiveIntegerField(_("chưa có điện thoại thông minh (ban đầu)"))
    target_percent = models.DecimalField(_("mục tiêu (%)"), max_digits=5, decimal_places=2, default=Decimal(100))
    figures_source = models.CharField(_("nguồn số liệu"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("xã/phường của chương trình")
        verbose_name_plural = _("xã/phường của chương trình")
        ordering = ["programme", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "unit"], name="programme_commune_unique"),
            models.CheckConstraint(
                condition=Q(baseline_without_smartphone__lte=F("adult_population")),
                name="commune_baseline_le_adults",
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gt=0, target_percent__lte=100),
                name="commune_target_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.unit.name

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def baseline_with_smartphone_percent(self) -> Decimal:
        if not self.adult_population:
            return Decimal(0)
        owners = self.adult_population - self.baseline_without_smartphone
        return (Decimal(owners) * 100 / self.adult_population).quantize(Decimal("0.1"))


class CollectionPoint(models.Model):
    class Kind(models.TextChoices):
        PROVINCIAL = "provincial", _("Điểm cầu tỉnh")
        DISTRICT = "district", _("Điểm cầu huyện")
        COMMUNE = "commune", _("Điểm tiếp nhận xã")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="collection_points")
    key = models.SlugField(_("mã"), max_length=64)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    district = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("điểm cầu")
        verbose_name_plural = _("điểm cầu")
        ordering = ["programme", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "key"], name="collection_point_key_unique"),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(kind="provincial"),
                name="one_provincial_point_per_programme",
            ),
            models.UniqueConstraint(
                fields=["programme", "district"], condition=Q(kind="district"), name="one_point_per_district"
            ),
            models.CheckConstraint(
                condition=~Q(kind="district") | Q(district__isnull=False), name="district_point_has_district"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PROVINCIAL_PEOPLES_COMMITTEE = "ppc", _("UBND tỉnh")
        FATHERLAND_FRONT = "front", _("Ủy ban MTTQ Việt Nam")
        DEPARTMENT = "department", _("Sở, ngành")
        ENTERPRISE = "enterprise", _("Doanh nghiệp BC-VT-CNTT")
        COMMUNE_PEOPLES_COMMITTEE = "cpc", _("UBND xã/phường")
        DIGITAL_TEAM = "digital_team", _("Tổ công nghệ số cộng đồng")
        OTHER = "other", _("Khác")

    key = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    province = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(
        "ProgrammeCommune", null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )
    contact_name = models.CharField(_("người liên hệ"), max_length=120, blank=True)
    contact_phone = models.CharField(_("điện thoại liên hệ"), max_length=20, blank=True)
    contact_email = models.EmailField(_("thư điện tử"), blank=True)
    is_example = models.BooleanField(_("dữ liệu ví dụ"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_PII_FIELDS = ("contact_name", "contact_phone", "contact_email")

    class Meta:
        verbose_name = _("tổ chức")
        verbose_name_plural = _("tổ chức")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["ppc", "front", "department", "enterprise", "cpc", "digital_team", "other"]),
                name="organisation_kind_known",
            )
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Assignment(models.Model):
    """A decision assigning an organisation to a programme commune (responsible department or supporting
    enterprise). Ended, never deleted: the history of who was responsible stays readable."""

    class Role(models.TextChoices):
        DEPARTMENT = "department", _("Sở, ngành phụ trách")
        ENTERPRISE = "enterprise", _("Doanh nghiệp hỗ trợ")

    commune = models.ForeignKey(ProgrammeCommune, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("vai trò"), max_length=12, choices=Role.choices)
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    is_example = models.BooleanField(_("ví dụ minh họa"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        ordering = ["commune", "role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune"],
                condition=Q(role="department", ended_at__isnull=True),
                name="one_active_department_per_commune",
            ),
            models.UniqueConstraint(
                fields=["commune", "organisation", "role"],
                condition=Q(ended_at__isnull=True),
                name="assignment_active_unique",
            ),
            models.CheckConstraint(condition=Q(role__in=["department", "enterprise"]), name="assignment_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.commune} ({self.get_role_display()})"

    @property
    def active(self) -> bool:
        return self.ended_at is None
