from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
