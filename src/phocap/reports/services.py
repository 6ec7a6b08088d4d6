"""The reports app's one write: putting the indicators' tallies right from the facts (issue #18). They are kept by
the database's own triggers, so a difference means something went around them (a restore of part of a table, a
trigger dropped by hand); `tallies_check` says so, and with `repair` — a system administrator only — writes the
recount in their place, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import NotFound, PermissionDenied
from phocap.core.services import service
from phocap.programmes.models import Programme
from phocap.reports import indicators, tallies


@dataclasses.dataclass
class TallyCheck:
    programme: str
    date: dt.date
    tallies: tallies.Check
    indicators_agree: bool
    repaired: bool

    @property
    def agree(self) -> bool:
        return self.tallies.agree and self.indicators_agree

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "date": self.date.isoformat(),
            "agree": self.agree,
            "indicators_agree": self.indicators_agree,
            "checked_days": self.tallies.checked_days,
            "checked_totals": self.tallies.checked_totals,
            "differences": self.tallies.differences,
            "repaired": self.repaired,
        }


@service(audits=[Action.TALLIES_REPAIR])
def tallies_check(
    *, actor: scope.Actor, programme: Programme, on: dt.date | None = None, repair: bool = False
) -> TallyCheck:
    """Recount every tally of the programme from the facts and compare, then compute the indicators on the date both
    ways (from the tallies, from the facts) and compare them. Figures only: any role of the programme may check."""
    if not Programme.objects.filter(scope.programmes_q(actor), pk=programme.pk).exists():
        raise NotFound("Không tìm thấy chương trình.")
    if repair and not scope.is_system_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được đếm lại số liệu.")
    on = on or programme.as_of()
    found = tallies.check(programme.pk, repair=repair)
    repaired = repair and not found.agree
    if repaired:
        audit.record(
            actor=actor,
            action=Action.TALLIES_REPAIR,
            obj=programme,
            programme_code=programme.code,
            extra={"differences": len(found.differences)},
        )
    same = indicators.compute(programme, on).as_dict() == indicators.compute(programme, on, from_facts=True).as_dict()
    return TallyCheck(programme.code, on, found, same, repaired)
