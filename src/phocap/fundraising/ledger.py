"""Posting to the double-entry ledger. Called by fundraising services (and, later, purchases)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

from django.db.models import Sum

from phocap.core.errors import ValidationFailed
from phocap.fundraising.models import JournalEntry, JournalLine, LedgerAccount
from phocap.programmes.models import CollectionPoint, Programme, ProgrammeCommune

KINDS = {
    LedgerAccount.Code.BANK: LedgerAccount.Kind.ASSET,
    LedgerAccount.Code.CASH: LedgerAccount.Kind.ASSET,
    LedgerAccount.Code.IN_KIND: LedgerAccount.Kind.ASSET,
    LedgerAccount.Code.UNRESTRICTED: LedgerAccount.Kind.FUND,
    LedgerAccount.Code.EARMARKED: LedgerAccount.Kind.FUND,
    LedgerAccount.Code.SPENT_ON_PHONES: LedgerAccount.Kind.EXPENSE,
    LedgerAccount.Code.BANK_FEES: LedgerAccount.Kind.EXPENSE,
    LedgerAccount.Code.OTHER_OUT: LedgerAccount.Kind.EXPENSE,
}


_cache: ContextVar[dict[tuple[int, str, int | None, int | None], LedgerAccount] | None] = ContextVar(
    "phocap_ledger_accounts", default=None
)


@contextlib.contextmanager
def cached_accounts() -> Iterator[None]:
    """Within one unit of work (a statement import), look each ledger account up once. Use it inside the
    transaction that does the work, so that nothing cached can outlive a rollback."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def account(
    programme: Programme,
    code: str,
    *,
    point: CollectionPoint | None = None,
    commune: ProgrammeCommune | None = None,
) -> LedgerAccount:
    cache = _cache.get()
    key = (programme.pk, code, point.pk if point else None, commune.pk if commune else None)
    if cache is not None and key in cache:
        return cache[key]
    found, _ = LedgerAccount.objects.get_or_create(
        programme=programme,
        code=code,
        collection_point=point,
        commune=commune,
        defaults={"kind": KINDS[LedgerAccount.Code(code)]},
    )
    if cache is not None:
        cache[key] = found
    return found


def fund_account(programme: Programme, earmark: ProgrammeCommune | None) -> LedgerAccount:
    if earmark is None:
        return account(programme, LedgerAccount.Code.UNRESTRICTED)
    return account(programme, LedgerAccount.Code.EARMARKED, commune=earmark)


def build(
    *,
    programme: Programme,
    kind: str,
    occurred_on: dt.date,
    memo: str,
    lines: Sequence[tuple[LedgerAccount, int]],
    actor_label: str,
    reverses: JournalEntry | None = None,
) -> tuple[list[JournalLine], JournalEntry]:
    """A checked, unsaved entry and its lines."""
    amounts = [amount for _, amount in lines]
    if len(lines) < 2 or any(a == 0 for a in amounts) or sum(amounts) != 0:
        raise ValidationFailed("Bút toán không cân: các dòng phải khác 0 và có tổng bằng 0.")
    if any(acc.programme_id != programme.pk for acc, _ in lines):
        raise ValidationFailed("Bút toán dùng tài khoản của chương trình khác.")
    entry_id = uuid.uuid4()
    entry = JournalEntry(
        id=entry_id,
        programme=programme,
        kind=kind,
        occurred_on=occurred_on,
        memo=memo[:300],
        reverses=reverses,
        actor_label=actor_label,
    )
    return [JournalLine(entry_id=entry_id, account=acc, amount=a) for acc, a in lines], entry


def post_many(entries: Sequence[tuple[list[JournalLine], JournalEntry]]) -> list[JournalEntry]:
    """Write built entries: all lines first, then all entries (the database checks each entry's balance)."""
    JournalLine.objects.bulk_create([line for lines, _ in entries for line in lines], batch_size=2000)
    return JournalEntry.objects.bulk_create([entry for _, entry in entries], batch_size=2000)


def post(
    *,
    programme: Programme,
    kind: str,
    occurred_on: dt.date,
    memo: str,
    lines: Sequence[tuple[LedgerAccount, int]],
    actor_label: str,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write a balanced entry: lines first, then the entry (the database checks the balance on insert)."""
    built = build(
        programme=programme,
        kind=kind,
        occurred_on=occurred_on,
        memo=memo,
        lines=lines,
        actor_label=actor_label,
        reverses=reverses,
    )
    return post_many([built])[0]


def reverse(entry: JournalEntry, *, occurred_on: dt.date, memo: str, actor_label: str) -> JournalEntry:
    """The correction of an entry: the same lines with opposite signs, linked to it (at most once)."""
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ValidationFailed("Bút toán này đã được đảo.")
    lines = [(line.account, -line.amount) for line in entry.lines.select_related("account")]
    return post(
        programme=entry.programme,
        kind=JournalEntry.Kind.REVERSAL,
        occurred_on=occurred_on,
        memo=memo,
        lines=lines,
        actor_label=actor_label,
        reverses=entry,
    )


def balances(programme: Programme) -> dict[int, int]:
    """{account id: balance} from the lines; nothing is stored."""
    rows = JournalLine.objects.filter(account__programme=programme).values("account_id").annotate(total=Sum("amount"))
    return {r["account_id"]: r["total"] for r in rows}
