"""The books an accountant of the Front takes into their own software (issue #16): the general journal and the
trial balance of any period, the bank reconciliation at a day, and every account's balance at the end of the
campaign — read from the ledger, nothing stored.

* **Entry numbers** are the entries' order of writing within the programme (`created_at`, then id): the ledger is
  append-only, so a number once printed never changes, whatever is written later for an earlier day.
* **The bank reconciliation** compares the balance the bank printed after its last line up to the day
  (`StatementLine.balance`) with the ledger's bank account, and explains the difference: credits on a statement not
  (yet) in the books — waiting for review, or set aside — and entries in the books not on any statement (payments
  for phones the bank has not shown yet, a reversed gift whose money is still there). What is left is the
  unexplained difference, 0 when the books reconcile.
* **Personal data**: an entry's description names the giver; a reader who may not see personal data (the auditor)
  gets the kind of entry instead. Every export is audited, with whether names were in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, Sum

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import ValidationFailed
from phocap.core.services import service
from phocap.core.spreadsheets import csv_bytes, xlsx_book
from phocap.fundraising import selectors
from phocap.fundraising.models import Donation, JournalEntry, JournalLine, LedgerAccount, StatementLine
from phocap.programmes.models import Programme

JOURNAL_HEADER = ["Ngày", "Số bút toán", "Diễn giải", "Tài khoản", "Nợ", "Có"]
TRIAL_HEADER = ["Mã tài khoản", "Tài khoản", "Số dư đầu kỳ", "Phát sinh Nợ", "Phát sinh Có", "Số dư cuối kỳ"]
WITHOUT_NAMES = (JournalEntry.Kind.PURCHASE, JournalEntry.Kind.TRANSFER, JournalEntry.Kind.FEE)


def account_label(account: LedgerAccount) -> tuple[str, str]:
    """(code, name) of a ledger account as the books print it: `cash:na-ri`, "Tiền mặt tại điểm cầu — Na Rì"."""
    name = str(LedgerAccount.Code(account.code).label)
    point, commune = account.collection_point, account.commune
    if point is not None:
        return f"{account.code}:{point.key}", f"{name} — {point.name}"
    if commune is not None:
        return f"{account.code}:{commune.unit.code}", f"{name} — {commune.unit.name}"
    return account.code, name


def _numbers(programme: Programme) -> dict[Any, int]:
    ids = JournalEntry.objects.filter(programme=programme).order_by("created_at", "id").values_list("id", flat=True)
    return {entry_id: n for n, entry_id in enumerate(ids, 1)}


def _accounts(programme: Programme) -> dict[int, LedgerAccount]:
    return {
        a.pk: a
        for a in LedgerAccount.objects.filter(programme=programme).select_related("collection_point", "commune__unit")
    }


def journal(actor: scope.Actor, programme: Programme, start: dt.date, end: dt.date) -> Iterator[list[Any]]:
    """The general journal of the period: one row per line of each entry (date, entry number, description,
    account, debit, credit), entries by date then number."""
    numbers, accounts = _numbers(programme), _accounts(programme)
    names = scope.can_see_personal_data(actor)
    lines = (
        JournalLine.objects.filter(
            account__programme=programme, entry__occurred_on__gte=start, entry__occurred_on__lte=end
        )
        .select_related("entry")
        .order_by("entry__occurred_on", "entry__created_at", "entry_id", "-amount", "id")
    )
    rows = []
    for line in lines.iterator(chunk_size=5000):
        entry = line.entry
        kind = str(JournalEntry.Kind(entry.kind).label)
        text = entry.memo if names or entry.kind in WITHOUT_NAMES else kind
        code, name = account_label(accounts[line.account_id])
        rows.append((entry.occurred_on, numbers[entry.id], text, f"{code} {name}", line.amount))
    rows.sort(key=lambda r: (r[0], r[1]))
    for day, number, text, account, amount in rows:
        yield [day.isoformat(), f"{number:06d}", text, account, max(amount, 0), max(-amount, 0)]


@dataclasses.dataclass(frozen=True)
class TrialRow:
    code: str
    name: str
    opening: int
    debit: int
    credit: int

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit


def trial_balance(programme: Programme, start: dt.date, end: dt.date) -> list[TrialRow]:
    """Every account: its balance before the period, its debits and credits in it, its balance at the end. The
    debits equal the credits (every entry balances), and the balances sum to zero."""
    accounts = _accounts(programme)
    sums = (
        JournalLine.objects.filter(account__programme=programme, entry__occurred_on__lte=end)
        .values("account_id")
        .annotate(
            opening=Sum("amount", filter=Q(entry__occurred_on__lt=start)),
            debit=Sum("amount", filter=Q(entry__occurred_on__gte=start, amount__gt=0)),
            credit=Sum("amount", filter=Q(entry__occurred_on__gte=start, amount__lt=0)),
        )
    )
    rows = [
        TrialRow(*account_label(accounts[s["account_id"]]), s["opening"] or 0, s["debit"] or 0, -(s["credit"] or 0))
        for s in sums
    ]
    return sorted(rows, key=lambda r: r.code)


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    on: dt.date
    statement_balance: int | None  # the bank's balance after its last line up to the day (None: none printed)
    statement_day: dt.date | None
    book_balance: int
    not_in_books: int  # credits on a statement not in the books: waiting for review, or set aside
    not_on_statement: int  # book entries on the bank account no statement line is (a purchase paid, a reversal)
    items: list[tuple[str, str, str, int]]  # (day, "bank" | "books", what, amount) of both kinds

    @property
    def difference(self) -> int | None:
        """What nothing explains: 0 when the books reconcile with the bank."""
        if self.statement_balance is None:
            return None
        return self.statement_balance - (self.book_balance + self.not_in_books - self.not_on_statement)

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "statement_balance": self.statement_balance,
            "statement_day": self.statement_day.isoformat() if self.statement_day else None,
            "book_balance": self.book_balance,
            "not_in_books": self.not_in_books,
            "not_on_statement": self.not_on_statement,
            "difference": self.difference,
            "reconciled": self.difference == 0,
        }


def reconciliation(actor: scope.Actor, programme: Programme, on: dt.date) -> Reconciliation:
    names = scope.can_see_personal_data(actor)
    last = (
        StatementLine.objects.filter(programme=programme, booked_on__lte=on, balance__isnull=False)
        .order_by("-booked_on", "-id")
        .first()
    )
    bank = Q(account__programme=programme, account__code=LedgerAccount.Code.BANK, entry__occurred_on__lte=on)
    book = int(JournalLine.objects.filter(bank).aggregate(s=Sum("amount"))["s"] or 0)
    waiting = StatementLine.objects.filter(
        programme=programme,
        booked_on__lte=on,
        amount__gt=0,
        status__in=(StatementLine.Status.REVIEW, StatementLine.Status.IGNORED),
    ).order_by("booked_on", "id")
    items = [
        (line.booked_on.isoformat(), "bank", f"{line.get_status_display()}: "
         + (line.description if names else line.doc_number), line.amount)
        for line in waiting
    ]  # fmt: skip
    on_statement = set(
        StatementLine.objects.filter(programme=programme, entry__isnull=False).values_list("entry_id", flat=True)
    ) | set(
        Donation.objects.filter(programme=programme, statement_line__isnull=False).values_list("entry_id", flat=True)
    )
    unstated = JournalLine.objects.filter(bank).exclude(entry_id__in=on_statement).select_related("entry")
    unstated_total = 0
    for line in unstated.order_by("entry__occurred_on", "entry__created_at"):
        entry = line.entry
        text = entry.memo if names or entry.kind in WITHOUT_NAMES else str(JournalEntry.Kind(entry.kind).label)
        items.append((entry.occurred_on.isoformat(), "books", text, line.amount))
        unstated_total += line.amount
    return Reconciliation(
        on=on,
        statement_balance=last.balance if last else None,
        statement_day=last.booked_on if last else None,
        book_balance=book,
        not_in_books=sum(line.amount for line in waiting),
        not_on_statement=unstated_total,
        items=items,
    )


def _reconciliation_rows(rec: Reconciliation) -> list[list[Any]]:
    """The reconciliation as an accountant writes it: from the books' balance, add the payments the bank has not
    shown yet, take away the receipts it has not shown, add what it credited that is not in the books — and
    compare with the statement's balance."""
    paid = -sum(a for _, side, _, a in rec.items if side == "books" and a < 0)
    received = sum(a for _, side, _, a in rec.items if side == "books" and a > 0)
    adjusted = rec.book_balance + paid - received + rec.not_in_books
    bank_day = f" (ngày {rec.statement_day:%d/%m/%Y})" if rec.statement_day else ""
    printed = rec.statement_balance if rec.statement_balance is not None else "chưa có số dư trên sao kê"
    return [
        ["Đối chiếu tài khoản ngân hàng đến ngày", rec.on.isoformat()],
        ["Số dư theo sổ", rec.book_balance],
        ["Cộng: khoản chi đã ghi sổ, ngân hàng chưa ghi", paid],
        ["Trừ: khoản thu đã ghi sổ, ngân hàng chưa ghi", received],
        ["Cộng: ngân hàng đã ghi có, chưa vào sổ", rec.not_in_books],
        ["Số dư sau điều chỉnh", adjusted],
        ["Số dư theo sao kê" + bank_day, printed],
        ["Chênh lệch chưa giải thích", rec.difference if rec.difference is not None else ""],
        [],
        ["Ngày", "Bên", "Khoản", "Số tiền"],
        *[[day, "ngân hàng" if side == "bank" else "sổ", text, amount] for day, side, text, amount in rec.items],
    ]


@dataclasses.dataclass(frozen=True)
class Books:
    """The files of one export: {file name: bytes}."""

    files: dict[str, bytes]
    reconciliation: Reconciliation
    journal_rows: int


@service(audits=[Action.BOOKS_EXPORT], atomic=False)
def books_export(
    *,
    actor: scope.Actor,
    programme: Programme,
    start: dt.date | None = None,
    end: dt.date | None = None,
    fmt: str = "xlsx",
) -> Books:
    """The journal, the trial balance, the bank reconciliation at the period's end and the balances at the end of
    the campaign: one XLSX of four sheets, or four CSV files (`so-nhat-ky-chung.csv`, `bang-can-doi.csv`,
    `doi-chieu-ngan-hang.csv`, `so-du-cuoi-dot.csv`)."""
    selectors.require_view(actor, programme)
    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed("Định dạng là xlsx hoặc csv.", field="format")
    start, end = selectors.checked_period(programme, start, end)
    entries: list[list[Any]] = [JOURNAL_HEADER, *journal(actor, programme, start, end)]
    trial = trial_balance(programme, start, end)
    trial_rows: list[list[Any]] = [
        TRIAL_HEADER,
        *[[r.code, r.name, r.opening, r.debit, r.credit, r.closing] for r in trial],
    ]
    trial_rows.append(["", "Cộng", sum(r.opening for r in trial), sum(r.debit for r in trial),
                       sum(r.credit for r in trial), sum(r.closing for r in trial)])  # fmt: skip
    rec = reconciliation(actor, programme, end)
    ending: list[list[Any]] = [["Tài khoản", f"Số dư ngày {programme.campaign_end:%d/%m/%Y}"]]
    ending += [[label, amount] for label, amount in selectors.account_balances(programme, programme.campaign_end)]
    sheets: dict[str, list[list[Any]]] = {
        "so-nhat-ky-chung": entries,
        "bang-can-doi": trial_rows,
        "doi-chieu-ngan-hang": _reconciliation_rows(rec),
        "so-du-cuoi-dot": ending,
    }
    if fmt == "xlsx":
        files = {f"so-sach-{programme.code}.xlsx": xlsx_book(sheets)}
    else:
        files = {f"{name}.csv": csv_bytes(rows) for name, rows in sheets.items()}
    audit.record(
        actor=actor,
        action=Action.BOOKS_EXPORT,
        obj=programme,
        programme_code=programme.code,
        extra={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "format": fmt,
            "names": scope.can_see_personal_data(actor),
            "rows": len(entries) - 1,
        },
    )
    return Books(files, rec, len(entries) - 1)
