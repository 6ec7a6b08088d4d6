"""What each role's navigation shows: only the pages that open for it (issue #14)."""

from typing import Any

from django import template

from phocap.accounts import scope
from phocap.accounts.models import Role

register = template.Library()


@register.filter
def programme_nav(user: Any, programme: Any) -> dict[str, bool]:
    """`{% with nav=user|programme_nav:programme %}`: which of the programme's tabs this user may open."""
    manager = scope.can_manage_programme(user, programme)
    officer = Role.COMMUNE_OFFICER in scope.roles_in(user, programme)
    people = manager or scope.residents_q(user) != scope.NOTHING
    return {
        "people": people,
        "rounds": manager or officer,
        "handover": manager or officer,
        "onboarding": people,
        "team": manager,
        "fundraising": scope.can_view_fundraising(user, programme),
        "writes_commune": manager or officer,
        "complaints": scope.complaints_q(user) != scope.NOTHING,
        "outbox": manager,
    }


@register.filter
def opens_commune(user: Any, commune: Any) -> bool:
    """A commune's own page is linked for those who work on it (its officers, the managers)."""
    return scope.can_write_commune(user, commune)
