from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

# The day the two-level structure took effect (NQ 202/2025/QH15, Luật 72/2025/QH15).
REFORM_2025 = dt.date(2025, 7, 1)
OPEN_START = dt.date(1, 1, 1)


class AdminUnit(models.Model):
    """An administrative unit as it was during [valid_from, valid_to). Identified by (level, code, period)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh/Thành phố")
        DISTRICT = "district", _("Huyện/Quận/Thị xã/Thành phố")
        COMMUNE = "commune", _("Xã/Phường/Thị trấn")

    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    code = models.CharField(_("mã"), max_length=5)
    name = models.CharField(_("tên"), max_length=120)
    kind = models.CharField(_("loại"), max_length=40)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("trực thuộc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # null valid_from: in force before the official list begins (pre-2025 units).
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    # exclusive end; null: still in force
    valid_to = models.DateField(_("hiệu lực đến (không gồm)"), null=True, blank=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                F("level"),
                F("code"),
                Coalesce(F("valid_from"), Value(OPEN_START)),
                name="unit_level_code_period",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="unit_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True) | (~Q(level="province") & Q(parent__isnull=False)),
                name="unit_parent_by_level",
            ),
            models.CheckConstraint(condition=Q(level__in=["province", "district", "commune"]), name="unit_level_known"),
        ]
        indexes = [models.Index(fields=["code", "level"], name="unit_code_level_idx")]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)

    @property
    def last_valid_day(self) -> dt.date | None:
        return self.valid_to - dt.timedelta(days=1) if self.valid_to else None


class UnitSuccession(models.Model):
    """Official old → new mapping: `predecessor` became (part of) `successor` on `effective_date`."""

    predecessor = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="predecessions")
    effective_date = models.DateField(_("ngày hiệu lực"))
    partial = models.BooleanField(_("chỉ một phần"), default=False)
    source = models.CharField(_("nguồn"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("sắp xếp đơn vị hành chính")
        verbose_name_plural = _("sắp xếp đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique_pair"),
            models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="succession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"
