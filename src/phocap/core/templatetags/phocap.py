from django import template
from django.utils.translation import get_language

from phocap.core.masking import mask_text
from phocap.core.money import format_vnd

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    return format_vnd(amount)


@register.filter
def num(value: int | None) -> str:
    """Whole numbers grouped the way the reader expects: 22.680 in Vietnamese, 22,680 in English."""
    if value is None:
        return ""
    separator = "," if (get_language() or "vi").startswith("en") else "."
    return f"{int(value):,}".replace(",", separator)


@register.filter
def masked(value: str | None) -> str:
    return mask_text(value) if value else ""


@register.filter
def dmy(value: object) -> str:
    """dd/mm/yyyy, the Vietnamese date format, in either language."""
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else ""


@register.filter
def change(value: object) -> str:
    """An audit change as the reader wants it: `old → new`, or `key: value` pairs for details."""
    if isinstance(value, list) and len(value) == 2:
        old, new = ("—" if v in (None, "") else str(v) for v in value)
        return f"{old} → {new}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


@register.filter
def pct(value: float | None) -> str:
    """83,3 % in Vietnamese, 83.3 % in English; "—" when there is nothing to divide by."""
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return (text if (get_language() or "vi").startswith("en") else text.replace(".", ",")) + " %"
