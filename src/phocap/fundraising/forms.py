from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phocap.core.errors import DomainError
from phocap.core.forms import AmountField, check_small, confirm_small_field
from phocap.core.web import UploadField, add_domain_error
from phocap.fundraising.models import Donor
from phocap.fundraising.services.donors import NEW_DONOR
from phocap.fundraising.statement_files import ColumnMap

DATE_INPUT = {"input_formats": ["%d/%m/%Y", "%Y-%m-%d"], "widget": forms.DateInput(attrs={"type": "date"})}


class PledgeForm(forms.Form):
    donor_kind = forms.ChoiceField(label=_("Loại nhà tài trợ"), choices=Donor.Kind.choices)
    donor_name = forms.CharField(label=_("Tên nhà tài trợ"), max_length=300)
    same_as = forms.IntegerField(required=False, widget=forms.HiddenInput)
    tax_code = forms.CharField(label=_("Mã số thuế"), max_length=20, required=False)
    publish_name = forms.BooleanField(label=_("Đồng ý công khai tên"), required=False, initial=True)
    amount = AmountField(label=_("Số tiền (₫)"), required=False)
    confirm_small = confirm_small_field()
    phones = forms.IntegerField(label=_("Hoặc số máy"), min_value=1, required=False)
    earmark = forms.ChoiceField(label=_("Dành cho xã (nếu có)"), required=False)
    due_date = forms.DateField(label=_("Hạn"), required=False, **DATE_INPUT)  # type: ignore[arg-type]

    def __init__(self, *args: Any, communes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["earmark"].choices = [("", "—"), *communes]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("amount")) == bool(data.get("phones")) and not self.has_error("amount"):
            raise forms.ValidationError(_("Nhập số tiền hoặc số máy (một trong hai)."))
        check_small(self, data, "amount")
        return data


class CashForm(forms.Form):
    collection_point = forms.ChoiceField(label=_("Điểm cầu"))
    amount = AmountField(label=_("Số tiền (₫)"))
    confirm_small = confirm_small_field()
    received_on = forms.DateField(label=_("Ngày nhận"), **DATE_INPUT)  # type: ignore[arg-type]
    cash_receipt_number = forms.CharField(label=_("Số phiếu thu"), max_length=40)
    donor_name = forms.CharField(label=_("Người ủng hộ (bỏ trống: nhà hảo tâm)"), max_length=300, required=False)
    same_as = forms.IntegerField(required=False, widget=forms.HiddenInput)
    donor_kind = forms.ChoiceField(label=_("Loại"), choices=Donor.Kind.choices, initial="individual")
    publish_name = forms.BooleanField(label=_("Đồng ý công khai tên"), required=False)
    pledge = forms.CharField(label=_("Mã cam kết (nếu có)"), max_length=12, required=False)
    override_reason = forms.CharField(label=_("Lý do nhận ngoài thời gian vận động"), max_length=300, required=False)

    def __init__(self, *args: Any, points: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection_point"].choices = points  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_small(self, data, "amount")
        return data


class InKindForm(forms.Form):
    donor_name = forms.CharField(label=_("Nhà tài trợ"), max_length=300)
    same_as = forms.IntegerField(required=False, widget=forms.HiddenInput)
    donor_kind = forms.ChoiceField(label=_("Loại"), choices=Donor.Kind.choices, initial="enterprise")
    tax_code = forms.CharField(label=_("Mã số thuế"), max_length=20, required=False)
    phones = forms.IntegerField(label=_("Số máy"), min_value=1)
    phone_model = forms.CharField(label=_("Loại máy"), max_length=120)
    amount = AmountField(label=_("Giá trị ước tính (₫)"))
    confirm_small = confirm_small_field()
    received_on = forms.DateField(label=_("Ngày nhận"), **DATE_INPUT)  # type: ignore[arg-type]
    pledge = forms.CharField(label=_("Mã cam kết (nếu có)"), max_length=12, required=False)
    override_reason = forms.CharField(label=_("Lý do nhận ngoài thời gian vận động"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_small(self, data, "amount")
        return data


class StatementForm(forms.Form):
    file = UploadField(label=_("Tệp sao kê (XLSX hoặc CSV)"))
    header_row = forms.IntegerField(label=_("Dòng tiêu đề (đếm từ 1)"), min_value=1, required=False)
    date_column = forms.IntegerField(label=_("Cột ngày"), min_value=1, required=False)
    description_column = forms.IntegerField(label=_("Cột nội dung"), min_value=1, required=False)
    debit_column = forms.IntegerField(label=_("Cột ghi nợ"), min_value=1, required=False)
    credit_column = forms.IntegerField(label=_("Cột ghi có"), min_value=1, required=False)
    doc_column = forms.IntegerField(label=_("Cột số chứng từ"), min_value=1, required=False)

    MAPPING = ("header_row", "date_column", "description_column", "debit_column", "credit_column")

    def mapping(self) -> Any:
        data = self.cleaned_data
        if not any(data.get(f) for f in self.MAPPING):
            return None
        if not all(data.get(f) for f in self.MAPPING):
            raise forms.ValidationError(
                _("Chọn cột bằng tay thì cần đủ: dòng tiêu đề, ngày, nội dung, ghi nợ, ghi có.")
            )
        doc = data.get("doc_column")
        return ColumnMap(
            header_row=data["header_row"] - 1,
            date=data["date_column"] - 1,
            description=data["description_column"] - 1,
            debit=data["debit_column"] - 1,
            credit=data["credit_column"] - 1,
            doc=doc - 1 if doc else None,
        )


class ResolveForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("pledge", _("Ghi cho cam kết")),
            ("gift", _("Ủng hộ không cam kết")),
            ("deposit", _("Tiền mặt nộp từ điểm cầu")),
            ("ignore", _("Bỏ qua")),
        ]
    )
    pledge = forms.CharField(max_length=12, required=False)
    collection_point = forms.CharField(max_length=64, required=False)
    deposit = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    donor_name = forms.CharField(max_length=300, required=False)
    donor_kind = forms.ChoiceField(
        choices=[("individual", _("Cá nhân")), ("enterprise", _("Doanh nghiệp")), ("organisation", _("Tổ chức"))],
        required=False,
    )
    same_as = forms.IntegerField(min_value=-1, max_value=2**63 - 1, required=False)
    note = forms.CharField(max_length=300, required=False)
    override_reason = forms.CharField(max_length=300, required=False)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=300)


def form_error(form: forms.Form, exc: DomainError) -> None:
    """A refusal shown on the form; when the donor typed is a known one under another name (`DonorMismatch`), the
    form asks which is meant — that donor, or (when allowed) a new one — and is sent again with the answer."""
    add_domain_error(form, exc)
    if exc.code != "donor_mismatch" or "same_as" not in form.fields:
        return
    known = exc.data["candidate"]
    choices: list[tuple[int, str]] = [
        (known["id"], str(_("Đúng: ghi cho nhà tài trợ đã có «%(name)s»") % {"name": known["name"]}))
    ]
    if exc.data.get("new_allowed"):
        choices.append((NEW_DONOR, str(_("Không: đây là nhà tài trợ mới"))))
    form.fields["same_as"] = forms.TypedChoiceField(
        label=_("Nhà tài trợ nào?"), choices=choices, coerce=int, widget=forms.RadioSelect, required=False
    )
    form._bound_fields_cache.pop("same_as", None)  # type: ignore[attr-defined]  # validating bound the hidden one
