from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar may show to this user."""
    from phocap.accounts import scope

    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "audit": scope.can_view_audit(user),
            "tasks": True,
            "admin": user.is_staff,
        }
    }
