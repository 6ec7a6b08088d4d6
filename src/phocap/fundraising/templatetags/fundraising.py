from typing import Any

from django import template

from phocap.accounts import scope

register = template.Library()


@register.filter
def can_view_fundraising(user: Any, programme: Any) -> bool:
    return scope.can_view_fundraising(user, programme)


@register.filter
def percent_of(part: int | None, whole: int | None) -> float:
    if not whole:
        return 0.0
    return min(100.0, round(100 * (part or 0) / whole, 1))
