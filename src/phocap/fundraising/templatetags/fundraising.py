from typing import Any

from django import template

from phocap.accounts import scope
from phocap.fundraising import selectors

register = template.Library()


@register.filter
def can_view_fundraising(user: Any, programme: Any) -> bool:
    return scope.can_view_fundraising(user, programme)


@register.filter
def donor_for(donor: Any, viewer: Any) -> str:
    """`{{ d.donor|donor_for:user }}`: the donor's name as this reader may see it (`selectors.donor_label`)."""
    return selectors.donor_label(viewer, donor)


@register.filter
def transfer_for(line: Any, viewer: Any) -> str:
    return selectors.transfer_text(viewer, line)


@register.filter
def percent_of(part: int | None, whole: int | None) -> float:
    if not whole:
        return 0.0
    return min(100.0, round(100 * (part or 0) / whole, 1))
