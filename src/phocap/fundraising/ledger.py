"""Posting to the double-entry ledger: fundraising's services, and — through `spend_on_phones` — the devices app
paying for a purchase order. Nothing else writes `JournalEntry` or `JournalLine` rows."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

from django.db.models import Sum
from django.utils import timezone

from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.ids import uuid7, uuid7_hex
from phocap.core.money import format_vnd
from phocap.core.queries import insert_rows
from phocap.fundraising import selectors
from phocap.fundraising.models import JournalEntry, JournalLine, LedgerAccount
from phocap.programmes.models import CollectionPoint, Programme, ProgrammeCommune

KINDS = {
    LedgerAccount.Code.BANK: LedgerAccount.Kind.ASSET,
    LedgerAccount.Code.CASH: LedgerAccount.Kind.ASSET,
    LedgerAccount.Code.CASH_IN_TRANSIT: LedgerAccount.Kind.ASSET,
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
    entry_id = uuid7()
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


@dataclasses.dataclass
class Rows:
    """Entries and their lines as plain rows, for a bulk path (a statement import): `add` checks each entry as
    `build` does; `write` inserts the lines, then the entries (the database checks each entry's balance as it
    comes), without a model instance per row (issue #18)."""

    programme: Programme
    actor_label: str
    entries: list[list[object]] = dataclasses.field(default_factory=list)
    lines: list[list[object]] = dataclasses.field(default_factory=list)

    def add(self, *, kind: str, occurred_on: dt.date, memo: str, lines: Sequence[tuple[LedgerAccount, int]]) -> str:
        """A checked entry, to be written; its id (as text: what `UUIDField` columns take)."""
        amounts = [amount for _, amount in lines]
        if len(lines) < 2 or any(a == 0 for a in amounts) or sum(amounts) != 0:
            raise ValidationFailed("Bút toán không cân: các dòng phải khác 0 và có tổng bằng 0.")
        if any(acc.programme_id != self.programme.pk for acc, _ in lines):
            raise ValidationFailed("Bút toán dùng tài khoản của chương trình khác.")
        entry_id = uuid7_hex()  # time-ordered: the entries and the indexes referring to them append
        self.entries.append([entry_id, self.programme.pk, kind, occurred_on, memo[:300], self.actor_label])
        self.lines.extend([entry_id, acc.pk, amount] for acc, amount in lines)
        return entry_id

    def write(self) -> None:
        now = timezone.now()
        insert_rows(JournalLine, ("entry_id", "account_id", "amount"), self.lines)
        insert_rows(
            JournalEntry,
            ("id", "programme_id", "kind", "occurred_on", "memo", "actor_label", "created_at"),
            ([*row, now] for row in self.entries),
            prepared={"id"},  # hexadecimal already: what both databases take for a UUID
        )


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


@dataclasses.dataclass(frozen=True)
class Spending:
    entry: JournalEntry
    from_earmark: int
    from_general: int


def spend_on_phones(
    *,
    programme: Programme,
    total: int,
    earmark: ProgrammeCommune | None,
    occurred_on: dt.date,
    memo: str,
    actor_label: str,
) -> Spending:
    """Pay for phones from the funds, inside the caller's transaction (the devices app's purchase order): debit
    "spent on phones" against the earmarked commune's fund first (when the order is for that commune), then the
    general fund; credit the bank. Refused when the funds or the bank do not hold enough. The fund and bank
    accounts are locked while checking, so two orders at once cannot both spend the last đồng."""
    with cached_accounts():
        general = account(programme, LedgerAccount.Code.UNRESTRICTED)
        bank = account(programme, LedgerAccount.Code.BANK)
        locked = [general.pk, bank.pk]
        if earmark is not None:
            locked.append(account(programme, LedgerAccount.Code.EARMARKED, commune=earmark).pk)
        list(LedgerAccount.objects.select_for_update().filter(pk__in=sorted(locked)))  # serialise spending
        funds = selectors.funds_available(programme)
        from_earmark = min(total, max(0, funds.earmarked.get(earmark.pk, 0))) if earmark is not None else 0
        from_general = total - from_earmark
        if from_general > funds.general:
            raise Conflict(
                f"Không đủ tiền: đơn {format_vnd(total)}, quỹ còn {format_vnd(funds.for_commune(earmark))}.",
                code="insufficient_funds",
            )
        in_bank = selectors.bank_balance(programme)
        if in_bank < total:
            raise Conflict(
                f"Tài khoản ngân hàng của đợt vận động chỉ còn {format_vnd(in_bank)}: nộp tiền mặt về trước khi mua.",
                code="insufficient_bank",
            )
        lines: list[tuple[LedgerAccount, int]] = [(bank, -total)]
        if from_earmark:
            lines.append((account(programme, LedgerAccount.Code.SPENT_ON_PHONES, commune=earmark), from_earmark))
        if from_general:
            lines.append((account(programme, LedgerAccount.Code.SPENT_ON_PHONES), from_general))
        entry = post(
            programme=programme,
            kind=JournalEntry.Kind.PURCHASE,
            occurred_on=occurred_on,
            memo=memo,
            lines=lines,
            actor_label=actor_label,
        )
    return Spending(entry, from_earmark, from_general)
