from __future__ import annotations

from typing import Any

from django import template

from phocap.accounts import scope

register = template.Library()


@register.filter
def step_date(steps: dict[str, Any], step: str) -> str:
    record = steps.get(step)
    return f"{record.done_on:%d/%m/%Y} · {record.recorded_by}" if record else ""


@register.filter
def can_manage(user: Any, programme: Any) -> bool:
    return scope.can_manage_programme(user, programme)
