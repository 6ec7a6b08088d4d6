"""Form pieces shared by the apps: an amount of đồng as people type it, confirmed when it is small (issue #16)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phocap.core.amounts import SMALL, read_amount
from phocap.core.errors import ValidationFailed


class AmountInput(forms.TextInput):
    """A text box (Vietnamese write "5.000.000" and "5 triệu"), with a decimal keypad on a phone; the page shows the
    amount read back in figures and words as it is typed (`data-amount`, app.js)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "data-amount": "", **(attrs or {})})


class AmountField(forms.CharField):
    widget = AmountInput

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return read_amount(text, small_ok=True)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None


def confirm_small_field() -> forms.BooleanField:
    """Hidden until an amount under 10.000 ₫ is typed; then a box the person ticks to say it is right."""
    return forms.BooleanField(label=_("Đúng, số tiền nhỏ như vậy"), required=False, widget=forms.HiddenInput)


def check_small(form: forms.Form, data: dict[str, Any], *fields: str) -> None:
    """A small amount typed is refused until confirmed (a mistyped "5.000" for "5.000.000" is the usual slip)."""
    for name in fields:
        amount = data.get(name)
        if amount is not None and amount < SMALL and not data.get("confirm_small"):
            form.fields["confirm_small"].widget = forms.CheckboxInput()
            try:
                read_amount(amount)
            except ValidationFailed as exc:
                form.add_error(name, exc.message)
