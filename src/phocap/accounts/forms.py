from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phocap.core.web import UploadField


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Hành động"), required=False)
    actor = forms.CharField(label=_("Người thực hiện"), required=False)
    programme = forms.CharField(label=_("Chương trình"), required=False)
    since = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class GeoLoadForm(forms.Form):
    province = forms.CharField(label=_("Mã tỉnh"), required=False, max_length=2)
    legacy = forms.BooleanField(label=_("Danh mục trước 1/7/2025"), required=False)
    load_all = forms.BooleanField(label=_("Toàn quốc (cả hai giai đoạn)"), required=False)


class TeamUserForm(forms.Form):
    """A new account of the programme with its role (the manager's page)."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Vai trò"))
    commune = forms.ChoiceField(label=_("Xã/phường (cán bộ xã, tổ công nghệ số)"), required=False)
    village = forms.CharField(label=_("Thôn/bản (tổ công nghệ số)"), max_length=120, required=False)
    organisation = forms.ChoiceField(label=_("Tổ chức (sở, ngành; doanh nghiệp)"), required=False)
    username = forms.CharField(
        label=_("Tên đăng nhập"), max_length=40, required=False, help_text=_("Để trống: tự đặt từ họ tên.")
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        communes: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
        self.fields["commune"].choices = [("", "—"), *communes]  # type: ignore[attr-defined]
        self.fields["organisation"].choices = [("", "—"), *organisations]  # type: ignore[attr-defined]


class TeamImportForm(forms.Form):
    file = UploadField(label=_("Tệp danh sách (Họ và tên, Số điện thoại, Thôn/bản)"))
    role = forms.ChoiceField(label=_("Vai trò"))
    commune = forms.ChoiceField(label=_("Xã/phường"), required=False)

    def __init__(
        self, *args: Any, roles: list[tuple[str, str]], communes: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
        self.fields["commune"].choices = [("", "—"), *communes]  # type: ignore[attr-defined]
