from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from phocap.programmes.models import Assignment, Organisation


class CommuneFiguresForm(forms.Form):
    adult_population = forms.IntegerField(label=_("Số người trưởng thành"), min_value=0)
    baseline_without_smartphone = forms.IntegerField(label=_("Chưa có điện thoại thông minh (ban đầu)"), min_value=0)
    target_percent = forms.DecimalField(label=_("Mục tiêu (%)"), min_value=0.01, max_value=100, decimal_places=2)
    figures_source = forms.CharField(label=_("Nguồn số liệu"), max_length=200, required=False)


class OrganisationForm(forms.Form):
    key = forms.SlugField(label=_("Mã (không dấu)"), max_length=64, help_text=_("Ví dụ: so-tttt"))
    name = forms.CharField(label=_("Tên đầy đủ"), max_length=300)
    short_name = forms.CharField(label=_("Tên viết tắt"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Loại"), choices=Organisation.Kind.choices)
    contact_name = forms.CharField(label=_("Người liên hệ"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Điện thoại liên hệ"), max_length=20, required=False)
    contact_email = forms.EmailField(label=_("Thư điện tử"), required=False)


class OrganisationEditForm(OrganisationForm):
    """The same fields without the key, which never changes (assignments and accounts refer to it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        del self.fields["key"]


class AssignmentForm(forms.Form):
    commune_code = forms.ChoiceField(label=_("Xã/phường"))
    organisation_key = forms.ChoiceField(label=_("Tổ chức"))
    role = forms.ChoiceField(label=_("Vai trò"), choices=Assignment.Role.choices)
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=60, required=False)
    decision_date = forms.DateField(
        label=_("Ngày quyết định"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_example = forms.BooleanField(label=_("Chỉ là ví dụ minh họa"), required=False)

    def __init__(
        self,
        *args: object,
        communes: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["commune_code"].choices = communes  # type: ignore[attr-defined]
        self.fields["organisation_key"].choices = organisations  # type: ignore[attr-defined]
