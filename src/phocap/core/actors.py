"""Who acts: a user, or the system itself."""

from __future__ import annotations


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
