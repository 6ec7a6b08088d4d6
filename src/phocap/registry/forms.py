from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phocap.core.web import UploadField
from phocap.registry.models import Consent, Resident


class ImportForm(forms.Form):
    file = UploadField(label=_("Tệp danh sách (XLSX, XLS, ODS hoặc CSV)"))
    commune = forms.ChoiceField(label=_("Xã/phường (khi tệp không có cột xã)"), required=False)
    smartphone_status = forms.ChoiceField(
        label=_("Những người trong danh sách"), choices=Resident.Smartphone.choices, initial=Resident.Smartphone.LACKS
    )

    def __init__(self, *args: Any, communes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "—"), *communes]  # type: ignore[attr-defined]


class CorrectForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    birth = forms.CharField(label=_("Ngày sinh (dd/mm/yyyy) hoặc năm sinh"), max_length=20)
    sex = forms.ChoiceField(
        label=_("Giới tính"), choices=[("", "—"), ("Nam", _("Nam")), ("Nữ", _("Nữ"))], required=False
    )
    id_number = forms.CharField(
        label=_("Số định danh mới"),
        max_length=20,
        required=False,
        help_text=_("Để trống nếu không đổi. Số hiện tại không hiển thị đầy đủ."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    ethnicity = forms.CharField(label=_("Dân tộc"), max_length=40, required=False)
    village = forms.CharField(label=_("Thôn/bản"), max_length=120, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    smartphone_status = forms.ChoiceField(label=_("Điện thoại thông minh"), choices=Resident.Smartphone.choices)
    notes = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sensitive:
            del self.fields["ethnicity"]


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Mục đích"), choices=Consent.Kind.choices, initial=Consent.Kind.ALLOCATION)
    refused = forms.TypedChoiceField(
        label=_("Ý kiến"),
        choices=[("0", _("Đồng ý")), ("1", _("Từ chối"))],
        coerce=lambda v: v == "1",
        initial="0",
    )
    given_on = forms.DateField(label=_("Ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Hình thức"), choices=Consent.Method.choices)


class BulkConsentForm(forms.Form):
    """ "Phiếu đồng ý đã thu ngày D" for the people ticked in the list (or all that match the filter)."""

    given_on = forms.DateField(label=_("Ngày thu phiếu đồng ý"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Hình thức"), choices=Consent.Method.choices, initial=Consent.Method.PAPER)


class EraseForm(forms.Form):
    reason = forms.CharField(label=_("Căn cứ yêu cầu xóa (đơn, ngày)"), max_length=300)
