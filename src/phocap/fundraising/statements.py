"""Importing bank statements: idempotent, matched by reference code, the rest to a review queue.

* Each line gets a fingerprint (account, date, document number, amount, content, and its occurrence number
  among identical lines of the same file). Importing a file twice, or two overlapping statements, finds the
  fingerprints already there: nothing is created twice (a unique constraint keeps it so under concurrency).
* Credits whose content holds a pledge's reference code (or the programme's walk-in code) become donations at
  once; other credits wait in the review queue with the best proposal (amount and donor name, scored).
* Debits are posted to the ledger as bank fees or other outflows; they never become donations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from phocap.accounts import scope
from phocap.core import audit, uploads
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.jobs import job_start
from phocap.core.models import BackgroundJob
from phocap.core.queries import in_chunks
from phocap.core.services import service
from phocap.core.text import ascii_fold
from phocap.fundraising import ledger, references, review, selectors
from phocap.fundraising.models import (
    CashDeposit,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Pledge,
    StatementImport,
    StatementLine,
    WalkInCode,
)
from phocap.fundraising.services import bank_transfers_record, cash, require_fundraiser
from phocap.fundraising.statement_files import ColumnMap, ParsedLine, parse
from phocap.fundraising.tasks import statement_import_task
from phocap.programmes.models import Programme

Progress = Callable[[int, int, str], None]
BACKGROUND_BYTES = 256 * 1024  # a statement larger than this is imported as a background job
FEE_WORDS = ("phi", "fee", "vat", "thue", "sms", "phi dich vu", "phi quan ly")
AUTO_MATCH_SCORE = 100


@dataclasses.dataclass
class ImportResult:
    statement_id: int
    profile: str
    lines: int = 0
    credits: int = 0
    matched: int = 0
    unmatched: int = 0
    already_imported: int = 0
    donations_created: int = 0
    deposits_matched: int = 0
    payments_matched: int = 0
    debits_posted: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def fingerprint(account: str, line: ParsedLine, occurrence: int) -> str:
    content = " ".join(ascii_fold(line.description).upper().split())
    raw = "|".join([account, line.booked_on.isoformat(), line.doc_number, str(line.amount), content, str(occurrence)])
    return hashlib.sha256(raw.encode()).hexdigest()


def _fingerprints(account: str, lines: list[ParsedLine]) -> list[str]:
    seen: Counter[tuple[Any, ...]] = Counter()
    out = []
    for line in lines:
        key = (line.booked_on, line.doc_number, line.amount, line.description)
        seen[key] += 1
        out.append(fingerprint(account, line, seen[key]))
    return out


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
        if pledge.pk in self.by_pk:
            self.by_outstanding.get(self._outstanding(pledge), set()).discard(pledge.pk)
        self.received[pledge.pk] = self.received.get(pledge.pk, 0) + amount
        if pledge.pk in self.by_pk:
            self.by_outstanding.setdefault(self._outstanding(pledge), set()).add(pledge.pk)

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


def _is_fee(description: str) -> bool:
    text = " ".join(ascii_fold(description).lower().split())
    return any(re.search(rf"\b{w}\b", text) for w in FEE_WORDS)


@dataclasses.dataclass
class _Settled:
    """What the lines of one file come to, before anything is written."""

    rows: list[StatementLine] = dataclasses.field(default_factory=list)
    automatic: list[tuple[StatementLine, Pledge | None]] = dataclasses.field(default_factory=list)
    deposits: list[tuple[StatementLine, CashDeposit]] = dataclasses.field(default_factory=list)
    debits: list[Any] = dataclasses.field(default_factory=list)


def _account_of(programme: Programme, parsed: Any) -> str:
    """The account the statement is of: the file's (which must be the programme's), or the programme's."""
    if (
        parsed.account_number
        and programme.bank_account_number
        and parsed.account_number != programme.bank_account_number
    ):
        raise ValidationFailed(
            f"Sao kê của tài khoản {parsed.account_number}, không phải tài khoản của chương trình "
            f"({programme.bank_account_number}).",
            code="wrong_account",
        )
    return str(parsed.account_number or programme.bank_account_number)


def _known_fingerprints(programme: Programme, prints: list[str]) -> set[str]:
    return {
        f
        for chunk in in_chunks(prints)
        for f in StatementLine.objects.filter(programme=programme, fingerprint__in=chunk).values_list(
            "fingerprint", flat=True
        )
    }


def _settle_lines(
    actor: scope.Actor,
    programme: Programme,
    statement: StatementImport,
    parsed: Any,
    prints: list[str],
    result: ImportResult,
    progress: Progress | None,
) -> _Settled:
    """Each new line of the file: a debit to post, a credit matched by its reference code, or a credit for the
    review queue with the best proposal. Lines already imported (by fingerprint) are counted and skipped."""
    known = _known_fingerprints(programme, prints)
    codes = {
        p.reference: p
        for p in Pledge.objects.filter(programme=programme, cancelled_at__isnull=True).select_related(
            "donor", "earmark"
        )
    }
    walk_in = WalkInCode.objects.filter(programme=programme).values_list("reference", flat=True).first()
    proposer = Proposer(list(codes.values()), selectors.pledge_received(programme))
    findable = set(codes) | ({walk_in} if walk_in else set())
    near = references.NearCodes(codes)
    slips = _SlipFinder(programme)
    payments = _PaymentFinder(programme)
    bank = ledger.account(programme, LedgerAccount.Code.BANK)
    out = _Settled()
    total = len(parsed.lines)
    for index, (line, print_) in enumerate(zip(parsed.lines, prints, strict=True), 1):
        if progress and index % 5000 == 0:
            progress(index, total, "Đang đối chiếu")
        if line.amount > 0:
            result.credits += 1
        if print_ in known:
            result.already_imported += 1
            continue
        known.add(print_)
        row = StatementLine(
            programme=programme,
            statement=statement,
            fingerprint=print_,
            booked_on=line.booked_on,
            doc_number=line.doc_number[:60],
            amount=line.amount,
            description=line.description,
            balance=line.balance,
            status=StatementLine.Status.REVIEW,
        )
        out.rows.append(row)
        if line.amount < 0:
            paid = payments.take(row)
            if paid is not None:  # the bank's side of a purchase already in the books: not spent twice
                row.entry, row.status = paid, StatementLine.Status.POSTED
                result.payments_matched += 1
            else:
                out.debits.append(_debit_entry(actor, programme, row, bank))
                result.debits_posted += 1
            continue
        found = references.find(line.description, findable)
        slip = None if found else slips.take(row)
        if slip is not None:
            out.deposits.append((row, slip))
            result.matched += 1
        elif len(found) == 1 and programme.campaign_start <= line.booked_on <= programme.campaign_end:
            pledge = codes.get(found[0])
            row.status, row.score, row.proposed_pledge = StatementLine.Status.MATCHED, AUTO_MATCH_SCORE, pledge
            out.automatic.append((row, pledge))
            if pledge is not None:
                proposer.received_more(pledge, line.amount)
            result.matched += 1
        else:
            row.proposed_pledge, row.score = _proposal(found, codes, near, proposer, line)
            result.unmatched += 1
    return out


def _proposal(
    found: list[str], codes: dict[str, Pledge], near: references.NearCodes, proposer: Proposer, line: ParsedLine
) -> tuple[Pledge | None, int]:
    """What a credit the import cannot settle probably is: the pledge whose code it holds (outside the campaign,
    or beside another code), the one pledge whose code it holds with one symbol wrong, or the best guess by amount
    and donor name."""
    if found:
        return codes.get(found[0]), review.CODE_SCORE
    typo = near.only(line.description)
    if typo is not None and typo[0] in codes:
        return codes[typo[0]], review.NEAR_CODE_SCORE
    return proposer.propose(line.amount, line.description)


class _SlipFinder:
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

    def take(self, row: StatementLine) -> CashDeposit | None:
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


class _PaymentFinder:
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

    def take(self, row: StatementLine) -> JournalEntry | None:
        for entry in self.open.get(row.amount, []):
            if entry.occurred_on <= row.booked_on:
                self.open[row.amount].remove(entry)
                return entry
        return None


def _import(
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    mapping: ColumnMap | None,
    progress: Progress | None,
) -> ImportResult:
    require_fundraiser(actor, programme)
    parsed = parse(data, filename, mapping)  # read outside the write transaction
    total = len(parsed.lines)
    if progress:
        progress(0, total, f"Đã đọc {total} dòng ({parsed.profile})")
    account = _account_of(programme, parsed)
    prints = _fingerprints(account, parsed.lines)
    try:
        return _write(actor, programme, data, filename, parsed, account, prints, progress)
    except IntegrityError:  # a line another import wrote between our check and our insert (the lock makes it rare)
        raise Conflict(
            "Sao kê này vừa được nhập ở một thao tác khác; tải lại trang để xem kết quả.", code="statement_busy"
        ) from None


def _write(
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    parsed: Any,
    account: str,
    prints: list[str],
    progress: Progress | None,
) -> ImportResult:
    """One transaction. Imports of one programme's statements take turns (the programme row is locked first), so
    the second of two imports of one file sees the first's lines and counts them as already imported."""
    total = len(parsed.lines)
    with transaction.atomic(durable=True), ledger.cached_accounts():
        Programme.objects.select_for_update().only("pk").get(pk=programme.pk)
        statement = StatementImport.objects.create(
            programme=programme,
            filename=filename[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            profile=parsed.profile,
            account_number=account,
            imported_by=_label(actor),
        )
        result = ImportResult(statement_id=statement.pk, profile=parsed.profile, lines=total, errors=parsed.errors)
        settled = _settle_lines(actor, programme, statement, parsed, prints, result, progress)
        if progress:
            progress(total, total, "Đang ghi vào sổ")
        # lines (with the debits' entries), then the debit entries, then the matched gifts: bulk inserts
        StatementLine.objects.bulk_create(settled.rows, batch_size=2000)
        ledger.post_many(settled.debits)
        result.donations_created = len(bank_transfers_record(actor=actor, programme=programme, items=settled.automatic))
        for row, slip in settled.deposits:  # cash paid in with its slip's number on the transfer
            row.entry, row.status = cash.deposit_match(actor, row, slip), StatementLine.Status.POSTED
            row.save(update_fields=["entry", "status"])
        result.deposits_matched = len(settled.deposits)
        for field in ("lines", "credits", "matched", "unmatched", "already_imported", "donations_created"):
            setattr(statement, field, getattr(result, field))
        statement.save()
        audit.record(
            actor=actor,
            action=Action.STATEMENT_IMPORT,
            obj=statement,
            programme_code=programme.code,
            extra={k: v for k, v in result.as_dict().items() if k != "errors"},
        )
    return result


def _debit_entry(actor: scope.Actor, programme: Programme, row: StatementLine, bank: LedgerAccount) -> Any:
    """The ledger entry of money leaving the account (a fee, or another outflow), built for a bulk insert."""
    code = LedgerAccount.Code.BANK_FEES if _is_fee(row.description) else LedgerAccount.Code.OTHER_OUT
    built = ledger.build(
        programme=programme,
        kind=JournalEntry.Kind.FEE if code == LedgerAccount.Code.BANK_FEES else JournalEntry.Kind.OTHER,
        occurred_on=row.booked_on,
        memo=row.description[:300],
        lines=[(ledger.account(programme, code), -row.amount), (bank, row.amount)],
        actor_label=_label(actor),
    )
    row.entry, row.status = built[1], StatementLine.Status.POSTED
    return built


IMPORT_AUDITS = (Action.STATEMENT_IMPORT, Action.DONATION_RECORD, Action.RECEIPT_ISSUE)


@service(audits=IMPORT_AUDITS, atomic=False)
def statement_import(
    *,
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    mapping: ColumnMap | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a statement now: the file is read first, then every new line is written in one transaction."""
    return _import(actor, programme, data, filename, mapping, progress)


@service(audits=IMPORT_AUDITS, atomic=False)
def statement_submit(
    *, actor: scope.Actor, programme: Programme, data: bytes, filename: str, mapping: ColumnMap | None = None
) -> ImportResult | BackgroundJob:
    """What the web page, the API and `phocap fundraising import-statement` call: a statement up to
    `BACKGROUND_BYTES` is imported now; a larger one is kept and imported as a background job the officer can
    watch (its result is the job). One rule, whatever the interface."""
    if len(data) <= BACKGROUND_BYTES:
        return _import(actor, programme, data, filename, mapping, None)
    require_fundraiser(actor, programme)
    parse(data, filename, mapping)  # a file that cannot be read is refused now, not in the background
    with transaction.atomic(durable=True):
        stored = uploads.keep(
            data, filename, actor=actor, purpose="fundraising.statement_import", programme_code=programme.code
        )
        return job_start(
            actor=actor,
            task=statement_import_task,
            kind="fundraising.statement_import",
            label=f"Nhập sao kê {filename}",
            programme_code=programme.code,
            programme=programme.code,
            token=stored.token,
            filename=filename,
            mapping=dataclasses.asdict(mapping) if mapping else None,
        )
