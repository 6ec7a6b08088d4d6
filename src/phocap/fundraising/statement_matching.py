"""Matching a statement's lines to what the books expect (issue #3, moved out of `statements` in #18): the best
pledge for a credit without a reference (`Proposer`), the deposit slips and phone payments a line is."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from phocap.core.text import ascii_fold
from phocap.fundraising import references, review
from phocap.fundraising.models import CashDeposit, JournalEntry, JournalLine, LedgerAccount, Pledge, StatementLine
from phocap.programmes.models import Programme

if TYPE_CHECKING:
    from phocap.fundraising.statements import Line


def _name_tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^A-Z]+", ascii_fold(text).upper()) if len(t) >= 2}


class Proposer:
    """Best pledge for a credit without a reference: the amount still expected, and the donor's name words in
    the transfer text. Score 0–99 (a reference match is 100); below 40 nothing is proposed.

    Only pledges that can reach 40 are scored: those whose amount or outstanding amount equals the credit,
    and those sharing a name word with the text. Indexes keep that cheap for thousands of pledges."""

    def __init__(self, pledges: list[Pledge], received: dict[int, int]) -> None:
        self.pledges = [p for p in pledges if p.amount is not None]
        self.received = received
        self.names = {p.pk: _name_tokens(p.donor.name) for p in self.pledges}
        self.by_amount: dict[int, list[Pledge]] = {}
        self.by_outstanding: dict[int, set[int]] = {}
        self.by_word: dict[str, list[Pledge]] = {}
        self.by_pk = {p.pk: p for p in self.pledges}
        for p in self.pledges:
            self.by_amount.setdefault(p.amount or 0, []).append(p)
            self.by_outstanding.setdefault(self._outstanding(p), set()).add(p.pk)
            for word in self.names[p.pk]:
                self.by_word.setdefault(word, []).append(p)

    def _outstanding(self, pledge: Pledge) -> int:
        return (pledge.amount or 0) - self.received.get(pledge.pk, 0)

    def received_more(self, pledge: Pledge, amount: int) -> None:
        pk, before = pledge.id, self.received.get(pledge.id, 0)
        self.received[pk] = before + amount
        if pk in self.by_pk:  # moved in the index of what is still expected
            expected = pledge.amount or 0
            self.by_outstanding.get(expected - before, set()).discard(pk)
            self.by_outstanding.setdefault(expected - before - amount, set()).add(pk)

    def propose(self, line_amount: int, description: str) -> tuple[Pledge | None, int]:
        words = _name_tokens(description)
        candidates = {p.pk: p for p in self.by_amount.get(line_amount, [])}
        candidates.update((pk, self.by_pk[pk]) for pk in self.by_outstanding.get(line_amount, ()))
        for word in words:
            candidates.update((p.pk, p) for p in self.by_word.get(word, []))
        best: tuple[Pledge | None, int] = (None, 0)
        for pledge in sorted(candidates.values(), key=lambda p: p.pk):
            outstanding = self._outstanding(pledge)
            score = 0
            if line_amount == outstanding:
                score += 50
            elif line_amount == pledge.amount:
                score += 40
            elif 0 < line_amount < outstanding:
                score += 10
            name = self.names[pledge.pk]
            if name:
                score += int(45 * len(name & words) / len(name))
            if score > best[1]:
                best = (pledge, min(score, review.GUESS_MAX))
        return best if best[1] >= 40 else (None, 0)


class SlipFinder:
    """Deposit slips not yet on a statement, found by their number in a credit's text (the bank prints what the
    depositor wrote: "GNT-BB-01"): the same amount, deposited by the line's day, each slip taken once."""

    def __init__(self, programme: Programme) -> None:
        self.open: dict[str, list[CashDeposit]] = {}
        for slip in (
            CashDeposit.objects.filter(programme=programme, statement_line__isnull=True, cancelled_at__isnull=True)
            .select_for_update(of=("self",))
            .select_related("collection_point")
        ):
            key = references.normalise(slip.reference)
            if len(key) >= 4:
                self.open.setdefault(key, []).append(slip)

    def take(self, row: Line) -> CashDeposit | None:
        if row.amount <= 0 or not self.open:
            return None
        text = references.normalise(row.description)
        for key, slips in self.open.items():
            if key in text:
                for slip in slips:
                    if slip.amount == row.amount and slip.deposited_on <= row.booked_on:
                        slips.remove(slip)
                        return slip
        return None


class PaymentFinder:
    """Payments for phones already in the books (a purchase order's entry) that no statement line is yet: a debit
    line of the same amount, on or after the order's day, is that payment — the oldest first."""

    def __init__(self, programme: Programme) -> None:
        taken = StatementLine.objects.filter(programme=programme, entry__isnull=False).values("entry_id")
        lines = (
            JournalLine.objects.filter(
                account__programme=programme,
                account__code=LedgerAccount.Code.BANK,
                entry__kind=JournalEntry.Kind.PURCHASE,
                entry__reversed_by__isnull=True,
            )
            .exclude(entry_id__in=taken)
            .select_related("entry")
            .order_by("entry__occurred_on", "entry__created_at")
        )
        self.open: dict[int, list[JournalEntry]] = {}
        for line in lines:
            self.open.setdefault(line.amount, []).append(line.entry)

    def take(self, row: Line) -> JournalEntry | None:
        for entry in self.open.get(row.amount, []):
            if entry.occurred_on <= row.booked_on:
                self.open[row.amount].remove(entry)
                return entry
        return None
