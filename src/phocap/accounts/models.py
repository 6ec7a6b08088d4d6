from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phocap.programmes.models import Organisation, Programme, ProgrammeCommune


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")
    PROGRAMME_MANAGER = "programme_manager", _("Quản lý chương trình cấp tỉnh")
    FUNDRAISING_OFFICER = "fundraising_officer", _("Cán bộ vận động (MTTQ)")
    DEPARTMENT_OFFICER = "department_officer", _("Cán bộ sở, ngành")
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ xã/phường")
    ENTERPRISE_PARTNER = "enterprise_partner", _("Doanh nghiệp hỗ trợ")
    DIGITAL_TEAM_MEMBER = "digital_team_member", _("Thành viên tổ công nghệ số cộng đồng")
    AUDITOR = "auditor", _("Kiểm toán, thanh tra")


PROGRAMME_WIDE_ROLES = (Role.PROGRAMME_MANAGER, Role.FUNDRAISING_OFFICER, Role.AUDITOR)
COMMUNE_ROLES = (Role.COMMUNE_OFFICER, Role.DIGITAL_TEAM_MEMBER)
ORGANISATION_ROLES = (Role.DEPARTMENT_OFFICER, Role.ENTERPRISE_PARTNER)


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)

    AUDIT_PII_FIELDS = ("email", "phone", "full_name", "first_name", "last_name")

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self) -> str:
        return self.full_name or self.username

    def audit_label(self) -> str:
        return self.username


class Membership(models.Model):
    """A role a user holds: system-wide (administrator), in a programme, in one of its communes, or for an
    organisation. Scope is computed from these rows and nothing else."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=24, choices=Role.choices)
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey(
        ProgrammeCommune, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    village = models.CharField(_("thôn/bản/tổ dân phố"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vai trò của người dùng")
        verbose_name_plural = _("vai trò của người dùng")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="system_admin") | Q(programme__isnull=False),
                name="membership_programme_required",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["commune_officer", "digital_team_member"]) | Q(commune__isnull=False),
                name="membership_commune_roles_have_commune",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["department_officer", "enterprise_partner"]) | Q(organisation__isnull=False),
                name="membership_org_roles_have_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(role="digital_team_member") | ~Q(village=""), name="membership_team_has_village"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "programme", "commune", "organisation"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.commune or self.organisation or self.programme or ""
        return f"{self.user} — {self.get_role_display()} {where}".strip()

    def audit_label(self) -> str:
        where = self.commune or self.organisation or self.programme or ""
        return f"{self.user.username} — {self.get_role_display()} {where}".strip()


def _a_year_from_now() -> Any:
    return timezone.now() + dt.timedelta(days=365)


class ApiToken(models.Model):
    """A bearer token for a partner's scripts. Acts as its user (same scope); only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=120)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=_a_year_from_now)  # refused from this moment on

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
