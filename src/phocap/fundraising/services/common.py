"""What every fundraising service checks first."""

from __future__ import annotations

from phocap.accounts import scope
from phocap.core.errors import PermissionDenied
from phocap.programmes.models import Programme

MAX_AMOUNT = 10**13  # 10,000 tỷ đồng: anything above is a typing error
ANONYMOUS = "Nhà hảo tâm"


def require_fundraiser(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_manage_fundraising(actor, programme):
        raise PermissionDenied("Chỉ cán bộ vận động (MTTQ) hoặc quản lý chương trình được thực hiện thao tác này.")
