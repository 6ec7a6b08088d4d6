from typing import Any

from django.http import HttpRequest

from phocap.accounts import scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar may show to this user."""
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
