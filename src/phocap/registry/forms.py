from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phocap.registry.models import Resident


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp danh sách (XLSX, XLS, ODS hoặc CSV)"))
    commune = forms.ChoiceField(label=_("Xã/phường (khi tệp không có cột xã)"), required=False)
    smartphone_status = forms.ChoiceField(
        label=_("Những người trong danh sách"), choices=Resident.Smartphone.choices, initial=Resident.Smartphone.LACKS
    )

    def __init__(self, *args: Any, communes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "—"), *communes]  # type: ignore[attr-defined]
