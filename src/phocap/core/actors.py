"""Who acts: a user, or the system itself."""

from __future__ import annotations

from typing import Any


class _System:
    """The system acting on its own behalf (console operator, `phocap init`, system tasks).

    Not a user: no row, no memberships; `accounts.scope` gives it every right. It must be passed explicitly:
    `None` has no rights at all."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True

    def get_username(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


def actor_label(actor: object) -> str:
    """The name written beside a record (`recorded_by`, `created_by`…): the username, or "system"."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())  # type: ignore[attr-defined]
    return "system"


def actor_user(actor: Any) -> Any:
    """The user to store in a foreign key (`proposed_by`, `decided_by`…): the actor when it is a saved user,
    None for the system."""
    return actor if getattr(actor, "pk", None) is not None and getattr(actor, "is_authenticated", False) else None
