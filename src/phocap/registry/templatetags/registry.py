from django import template

from phocap.registry.normalize import mask_id

register = template.Library()


@register.filter
def masked_id(number: str | None) -> str:
    return mask_id(number) if number else ""
