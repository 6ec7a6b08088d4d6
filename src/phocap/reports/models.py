"""Tallies: the indicators' counts kept by the database itself (issue #18).

Every count the dashboard needs over people — phones handed over and given back per handover event, checklist steps
per commune, follow-up visits per commune, round and outcome — is kept as a running total (`TallyTotal`) and as its
changes per day (`TallyDay`), both written by triggers on the fact tables (`reports.tallies`) in the very statement
that writes the fact, so no path (a service, a bulk import, the admin, raw SQL) can leave them behind. The count on a
date is the total less the changes after it (for today, the totals alone — a few rows per commune however many people
the programme serves) or, early in a programme, the changes up to it. `phocap kpi-check` recomputes them from the facts
and must agree."""

from __future__ import annotations

from django.db import models


class TallyTotal(models.Model):
    """A running total: `key` names what is counted, `scope_id` the handover event or programme commune it is for."""

    programme_id = models.BigIntegerField()
    scope_id = models.BigIntegerField()
    key = models.CharField(max_length=40)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme_id", "scope_id", "key"], name="tally_total_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.scope_id}={self.n}"


class TallyDay(models.Model):
    """The change of a total on one day (the fact's own date: a step's done_on, a visit's visited_on …)."""

    programme_id = models.BigIntegerField()
    scope_id = models.BigIntegerField()
    key = models.CharField(max_length=40)
    day = models.DateField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme_id", "scope_id", "key", "day"], name="tally_day_key"),
        ]
        indexes = [models.Index(fields=["programme_id", "day"], name="tally_day_after")]

    def __str__(self) -> str:
        return f"{self.key}@{self.scope_id} {self.day}: {self.n:+d}"
