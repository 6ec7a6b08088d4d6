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
import datetime as dt
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
from phocap.core.queries import insert_rows, reserve_ids
from phocap.core.services import service
from phocap.core.text import ascii_fold
from phocap.fundraising import ledger, references, review, selectors
from phocap.fundraising.models import (
    CashDeposit,
    JournalEntry,
    LedgerAccount,
    Pledge,
    StatementImport,
    StatementLine,
    WalkInCode,
)
from phocap.fundraising.services import cash, require_fundraiser
from phocap.fundraising.services.gifts import Credit, bank_transfers_record
from phocap.fundraising.services.receipts import receipts_for_enterprise_transfers
from phocap.fundraising.statement_files import ColumnMap, ParsedLine, parse
from phocap.fundraising.statement_matching import PaymentFinder, Proposer, SlipFinder
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


def _is_fee(description: str) -> bool:
    text = " ".join(ascii_fold(description).lower().split())
    return any(re.search(rf"\b{w}\b", text) for w in FEE_WORDS)


@dataclasses.dataclass(slots=True)
class Line:
    """A statement line about to be written, as plain values (issue #18: a model instance per line, and Django
    compiling its insert, were most of an import's time)."""

    fingerprint: str
    booked_on: dt.date
    doc_number: str
    amount: int
    description: str
    balance: int | None
    status: str = StatementLine.Status.REVIEW
    pledge: Pledge | None = None  # matched, or proposed for the review queue
    score: int = 0
    entry: str | None = None  # the ledger entry the line is (a debit posted, a payment found): its id
    id: int = 0


LINE_COLUMNS = (
    "id",
    "programme_id",
    "statement_id",
    "fingerprint",
    "booked_on",
    "doc_number",
    "amount",
    "description",
    "balance",
    "status",
    "proposed_pledge_id",
    "score",
    "entry_id",
)


@dataclasses.dataclass
class _Settled:
    """What the lines of one file come to, before anything is written."""

    rows: list[Line] = dataclasses.field(default_factory=list)
    automatic: list[tuple[Line, Pledge | None]] = dataclasses.field(default_factory=list)
    deposits: list[tuple[Line, CashDeposit]] = dataclasses.field(default_factory=list)


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
    found = StatementLine.objects.filter(programme=programme, fingerprint__any=prints)
    return set(found.values_list("fingerprint", flat=True))


def _settle_lines(
    programme: Programme,
    parsed: Any,
    prints: list[str],
    result: ImportResult,
    entries: ledger.Rows,
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
    slips = SlipFinder(programme)
    payments = PaymentFinder(programme)
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
        row = Line(print_, line.booked_on, line.doc_number[:60], line.amount, line.description, line.balance)
        out.rows.append(row)
        if line.amount < 0:
            paid = payments.take(row)
            if paid is not None:  # the bank's side of a purchase already in the books: not spent twice
                row.entry, row.status = paid.pk.hex, StatementLine.Status.POSTED
                result.payments_matched += 1
            else:
                _debit_entry(entries, row, bank)
                result.debits_posted += 1
            continue
        found = references.find(line.description, findable)
        slip = None if found else slips.take(row)
        if slip is not None:
            out.deposits.append((row, slip))
            result.matched += 1
        elif len(found) == 1 and programme.campaign_start <= line.booked_on <= programme.campaign_end:
            pledge = codes.get(found[0])
            row.status, row.score, row.pledge = StatementLine.Status.MATCHED, AUTO_MATCH_SCORE, pledge
            out.automatic.append((row, pledge))
            if pledge is not None:
                proposer.received_more(pledge, line.amount)
            result.matched += 1
        else:
            row.pledge, row.score = _proposal(found, codes, near, proposer, line)
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
        entries = ledger.Rows(programme, _label(actor))
        settled = _settle_lines(programme, parsed, prints, result, entries, progress)
        if progress:
            progress(total, total, "Đang ghi vào sổ")
        _write_lines(programme, statement, settled.rows)
        credits = [Credit(row.id, row.amount, row.booked_on, pledge) for row, pledge in settled.automatic]
        gifts = bank_transfers_record(actor=actor, programme=programme, credits=credits, entries=entries)
        receipts = receipts_for_enterprise_transfers(actor, programme, gifts)
        result.donations_created = len(gifts)
        _match_deposits(actor, settled.deposits)
        result.deposits_matched = len(settled.deposits)
        for field in ("lines", "credits", "matched", "unmatched", "already_imported", "donations_created"):
            setattr(statement, field, getattr(result, field))
        statement.save()
        ids = [pk for pk, _ in gifts]
        audit.record(
            actor=actor,
            action=Action.STATEMENT_IMPORT,
            obj=statement,
            programme_code=programme.code,
            extra={k: v for k, v in result.as_dict().items() if k != "errors"}
            | {"donation_ids": [min(ids), max(ids)] if ids else [], "receipts": list(receipts or [])},
        )
    return result


def _write_lines(programme: Programme, statement: StatementImport, rows: list[Line]) -> None:
    for pk, row in zip(reserve_ids(StatementLine, len(rows)), rows, strict=True):
        row.id = pk
    insert_rows(
        StatementLine,
        LINE_COLUMNS,
        (
            [
                r.id,
                programme.pk,
                statement.pk,
                r.fingerprint,
                r.booked_on,
                r.doc_number,
                r.amount,
                r.description,
                r.balance,
                r.status,
                r.pledge.pk if r.pledge else None,
                r.score,
                r.entry,
            ]
            for r in rows
        ),
    )


def _match_deposits(actor: scope.Actor, deposits: list[tuple[Line, CashDeposit]]) -> None:
    """Cash paid in with its slip's number on the transfer (a few lines): each line moves the slip's money."""
    saved = StatementLine.objects.in_bulk([row.id for row, _ in deposits])
    for row, slip in deposits:
        line = saved[row.id]
        line.entry, line.status = cash.deposit_match(actor, line, slip), StatementLine.Status.POSTED
        line.save(update_fields=["entry", "status"])


def _debit_entry(entries: ledger.Rows, row: Line, bank: LedgerAccount) -> None:
    """The ledger entry of money leaving the account (a fee, or another outflow), to be written in bulk."""
    code = LedgerAccount.Code.BANK_FEES if _is_fee(row.description) else LedgerAccount.Code.OTHER_OUT
    row.entry = entries.add(
        kind=JournalEntry.Kind.FEE if code == LedgerAccount.Code.BANK_FEES else JournalEntry.Kind.OTHER,
        occurred_on=row.booked_on,
        memo=row.description[:300],
        lines=[(ledger.account(entries.programme, code), -row.amount), (bank, row.amount)],
    )
    row.status = StatementLine.Status.POSTED


IMPORT_AUDITS = (Action.STATEMENT_IMPORT,)  # one row per import: it counts the gifts and the certificates


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
