from django import template

from phocap.core.masking import mask_text
from phocap.core.money import format_vnd

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    return format_vnd(amount)


@register.filter
def masked(value: str | None) -> str:
    return mask_text(value) if value else ""


@register.filter
def dmy(value: object) -> str:
    """dd/mm/yyyy, the Vietnamese date format, in either language."""
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else ""
