import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from phocap.core import amounts
from phocap.core.models import BackgroundJob
from phocap.core.schemas import JobOut, PeriodIn, RowId, TypedAmount
from phocap.core.web import XLSX, AuthedRequest, file_response
from phocap.fundraising import books, review, selectors, services, statements
from phocap.fundraising.models import Donation, StatementLine
from phocap.fundraising.services import cash
from phocap.programmes import selectors as programmes

router = Router(tags=["fundraising"])
public_router = Router(tags=["public"], auth=None)


class PledgeOut(Schema):
    pledge_id: int
    reference: str
    donor_name: str
    amount: int | None
    phones: int | None
    received: int
    status: str


class PledgeIn(Schema):
    donor_kind: str = Field(..., pattern=r"^(enterprise|agency|organisation|individual)$")
    donor_name: str = Field(..., min_length=2, max_length=300)
    tax_code: str = ""
    publish_name: bool | None = None
    same_as: int | None = Field(None, ge=-1, le=2**63 - 1)  # after a 409 donor_mismatch: the donor meant, or -1: new
    amount: TypedAmount | None = None
    confirm_small: bool = False  # an amount under 10.000 ₫ is refused unless confirmed
    phones: int | None = Field(None, gt=0)
    commune_code: str | None = Field(None, pattern=r"^[0-9]{5}$")
    due_date: dt.date | None = None


def _amount(payload: Any) -> int | None:
    """The amount as the caller typed it ("5.000.000", "5 triệu" or 5000000), read like the forms read it."""
    if payload.amount is None:
        return None
    return amounts.read_amount(payload.amount, small_ok=payload.confirm_small)


class QrOut(Schema):
    reference: str
    payload: str
    amount: int | None
    purpose: str


class DonationOut(Schema):
    id: int
    received_on: dt.date
    donor_name: str | None
    amount: int
    phones: int | None
    channel: str
    pledge_reference: str | None = Field(None, alias="pledge.reference")
    collection_point: str | None = Field(None, alias="collection_point.key")
    reversed_at: dt.datetime | None

    @staticmethod
    def resolve_donor_name(obj: Donation, context: dict[str, Any]) -> str | None:
        return selectors.donor_label(context["request"].auth, obj.donor) if obj.donor_id else None


class CashIn(Schema):
    collection_point: str
    amount: TypedAmount
    confirm_small: bool = False
    received_on: dt.date
    cash_receipt_number: str = Field(..., min_length=1, max_length=40)
    donor_kind: str = "individual"
    donor_name: str = ""
    publish_name: bool = False
    same_as: int | None = Field(None, ge=-1, le=2**63 - 1)
    pledge_reference: str = ""
    override_reason: str = ""


class ImportOut(Schema):
    lines: int
    credits: int
    matched: int
    unmatched: int
    already_imported: int
    donations_created: int
    deposits_matched: int
    profile: str
    errors: list[dict[str, Any]]


class StatementLineOut(Schema):
    id: int
    booked_on: dt.date
    doc_number: str
    amount: int
    description: str
    status: str
    proposed_pledge: str | None = Field(None, alias="proposed_pledge.reference")
    score: int

    @staticmethod
    def resolve_description(obj: StatementLine, context: dict[str, Any]) -> str:
        return selectors.transfer_text(context["request"].auth, obj)


class ReviewRowOut(Schema):
    """A credit waiting for review and what it probably is: `proposal` "code" (the pledge's code, outside the
    campaign or beside another), "near_code" (its code with one symbol wrong: `typed_code` is what the text holds),
    "guess" (amount and donor name) or ""; the payer named in the transfer text; the only open deposit slip of
    that amount. The transfer text and the payer's name only for those who handle the money."""

    id: int
    booked_on: dt.date
    doc_number: str
    amount: int
    description: str
    proposal: str
    pledge_reference: str
    pledge_donor: str
    score: int
    typed_code: str
    payer_name: str
    payer_kind: str
    deposit_id: int | None


class ResolveIn(Schema):
    action: str = Field(..., pattern=r"^(pledge|gift|deposit|ignore)$")
    donor_id: RowId | None = None  # a gift from a stored donor …
    donor_name: str = Field("", max_length=300)  # … or from the payer named (`payer_name`, checked) …
    donor_kind: str = Field("", pattern=r"^(|enterprise|agency|organisation|individual)$")
    same_as: int | None = Field(None, ge=-1, le=2**63 - 1)  # after a 409 donor_mismatch
    pledge_reference: str = ""
    collection_point: str = ""
    deposit_id: RowId | None = None  # the deposit slip a cash credit is (else the only open one of that amount)
    note: str = ""
    override_reason: str = ""


class PublicDonationOut(Schema):
    """Only what may be published: no account numbers, phone numbers or transfer text exist in this shape."""

    date: dt.date = Field(..., alias="received_on")
    donor: str
    amount: int
    channel: str
    phones: int

    @staticmethod
    def resolve_donor(obj: Donation) -> str:
        return str(selectors.public_row(obj)["donor"])

    @staticmethod
    def resolve_channel(obj: Donation) -> str:
        return str(selectors.public_row(obj)["channel"])

    @staticmethod
    def resolve_phones(obj: Donation) -> int:
        return obj.phones or 0


def _programme(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    selectors.require_view(request.auth, programme)
    return programme


def _pledge_out(actor: Any, row: selectors.PledgeRow) -> dict[str, Any]:
    p = row.pledge
    return {
        "pledge_id": p.pk,
        "reference": p.reference,
        "donor_name": selectors.donor_label(actor, p.donor),
        "amount": p.amount,
        "phones": p.phones,
        "received": row.received,
        "status": row.status,
    }


@router.get("/programmes/{code}/pledges", response=list[PledgeOut])
def list_pledges(request: AuthedRequest, code: str) -> Any:
    return [
        _pledge_out(request.auth, r)
        for r in selectors.pledge_rows(actor=request.auth, programme=_programme(request, code))
    ]


@router.post("/programmes/{code}/pledges", response={201: PledgeOut})
def create_pledge(request: AuthedRequest, code: str, payload: PledgeIn) -> Any:
    programme = _programme(request, code)
    earmark = (
        programmes.commune_get(actor=request.auth, programme=programme, code=payload.commune_code)
        if payload.commune_code
        else None
    )
    pledge = services.pledge_create(
        actor=request.auth,
        programme=programme,
        donor=services.DonorInput(
            kind=payload.donor_kind,
            name=payload.donor_name,
            tax_code=payload.tax_code,
            publish_name=payload.publish_name,
            same_as=payload.same_as,
        ),
        amount=_amount(payload),
        phones=payload.phones,
        earmark=earmark,
        due_date=payload.due_date,
    )
    return Status(201, _pledge_out(request.auth, selectors.PledgeRow(pledge, 0, "expected")))


class CancelIn(Schema):
    reason: str = Field(..., min_length=3, max_length=300)


@router.post("/programmes/{code}/pledges/{reference}/cancel", response=PledgeOut)
def cancel_pledge(request: AuthedRequest, code: str, reference: str, payload: CancelIn) -> Any:
    programme = _programme(request, code)
    pledge = services.pledge_cancel(
        actor=request.auth,
        pledge=selectors.pledge_get(actor=request.auth, programme=programme, reference=reference),
        reason=payload.reason,
    )
    received = selectors.pledge_received(programme).get(pledge.pk, 0)
    return _pledge_out(request.auth, selectors.PledgeRow(pledge, received, selectors.pledge_status(pledge, received)))


@router.get("/pledges/{reference}/qr", response=QrOut, summary="VietQR payload for a pledge or the walk-in code")
def pledge_qr(request: AuthedRequest, reference: str) -> Any:
    return selectors.qr_for(actor=request.auth, reference=reference)


@router.get("/programmes/{code}/donations", response=list[DonationOut])
@paginate
def list_donations(request: AuthedRequest, code: str) -> Any:
    return selectors.donation_list(actor=request.auth, programme=_programme(request, code))


@router.post("/programmes/{code}/donations/cash", response={201: DonationOut})
def record_cash(request: AuthedRequest, code: str, payload: CashIn) -> Any:
    programme = _programme(request, code)
    point = programmes.collection_point_get(actor=request.auth, programme=programme, key=payload.collection_point)
    donor = (
        services.DonorInput(
            kind=payload.donor_kind,
            name=payload.donor_name,
            publish_name=payload.publish_name,
            same_as=payload.same_as,
        )
        if payload.donor_name
        else None
    )
    pledge = (
        selectors.pledge_get(actor=request.auth, programme=programme, reference=payload.pledge_reference)
        if payload.pledge_reference
        else None
    )
    donation = services.donation_record(
        actor=request.auth,
        programme=programme,
        channel=Donation.Channel.CASH,
        amount=amounts.read_amount(payload.amount, small_ok=payload.confirm_small),
        received_on=payload.received_on,
        donor=donor,
        pledge=pledge,
        collection_point=point,
        cash_receipt_number=payload.cash_receipt_number,
        override_reason=payload.override_reason,
    )
    return Status(201, donation)


@router.post(
    "/programmes/{code}/statements",
    response={200: ImportOut, 202: JobOut},
    summary="Import a bank statement (XLSX/CSV); a large one as a background job (202)",
)
def import_statement(request: AuthedRequest, code: str, file: File[UploadedFile]) -> Any:
    """Up to 256 KiB the statement is imported at once (200, the import's counts); a larger file is imported in
    the background (202, the job: follow it at `GET /api/v1/jobs/{job_id}`)."""
    programme = _programme(request, code)
    done = statements.statement_submit(
        actor=request.auth, programme=programme, data=file.read(), filename=file.name or "statement"
    )
    if isinstance(done, BackgroundJob):
        return Status(202, done)
    return done.as_dict()


@router.get("/programmes/{code}/review", response=list[ReviewRowOut], summary="Credits waiting for review")
def review_queue(request: AuthedRequest, code: str) -> Any:
    return [r.as_dict() for r in review.review_rows(actor=request.auth, programme=_programme(request, code))]


@router.post("/programmes/{code}/review/{line_id}", response=StatementLineOut)
def resolve_line(request: AuthedRequest, code: str, line_id: int, payload: ResolveIn) -> Any:
    programme = _programme(request, code)
    line = selectors.statement_line_get(actor=request.auth, programme=programme, line_id=line_id)
    pledge = (
        selectors.pledge_get(actor=request.auth, programme=programme, reference=payload.pledge_reference)
        if payload.pledge_reference
        else None
    )
    point = (
        programmes.collection_point_get(actor=request.auth, programme=programme, key=payload.collection_point)
        if payload.collection_point
        else None
    )
    return review.statement_line_resolve(
        actor=request.auth,
        line=line,
        action=payload.action,
        pledge=pledge,
        donor=review.gift_donor(
            request.auth,
            programme,
            donor_id=payload.donor_id,
            donor_name=payload.donor_name,
            donor_kind=payload.donor_kind,
            same_as=payload.same_as,
        ),
        collection_point=point,
        note=payload.note,
        override_reason=payload.override_reason,
        deposit=selectors.cash_deposit_get(actor=request.auth, programme=programme, deposit_id=payload.deposit_id)
        if payload.deposit_id
        else None,
    )


@router.get("/programmes/{code}/fundraising/summary", summary="Totals by channel, donor kind, collection point, day")
def summary(request: AuthedRequest, code: str) -> Any:
    return selectors.summary(_programme(request, code))


@public_router.get("/{code}/donations", response=list[PublicDonationOut], summary="The public list of gifts")
@paginate
def public_donations(request: AuthedRequest, code: str) -> Any:
    programme = programmes.public_programmes().filter(code=code).first()
    if programme is None:
        raise Http404
    return selectors.public_donations(programme)


class AmountReadIn(Schema):
    text: str = Field(max_length=60)


class AmountReadOut(Schema):
    amount: int
    figures: str
    words: str
    small: bool


@public_router.get(
    "/amount",
    response=AmountReadOut,
    summary="An amount as people type it (5.000.000, 5 triệu, 2,5tr) read back in figures and words",
)
def amount_read(request: Any, params: Query[AmountReadIn]) -> Any:
    return amounts.described(amounts.read_amount(params.text, small_ok=True))


class CashDepositIn(Schema):
    collection_point: str = Field(max_length=64)
    amount: TypedAmount
    confirm_small: bool = False
    deposited_on: dt.date
    reference: str = Field("", max_length=60)


class CashDepositOut(Schema):
    deposit: int
    point_balance: int


class CashPointOut(Schema):
    key: str
    name: str
    received: int
    deposited: int
    in_transit: int
    held: int


@router.post(
    "/programmes/{code}/cash-deposits",
    response={201: CashDepositOut},
    summary="A collection point pays cash into the bank (its deposit slip); refused above what the point holds",
)
def cash_deposit(request: AuthedRequest, code: str, payload: CashDepositIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    deposit = cash.cash_deposit(
        actor=request.auth,
        programme=programme,
        point=programmes.collection_point_get(actor=request.auth, programme=programme, key=payload.collection_point),
        amount=amounts.read_amount(payload.amount, small_ok=payload.confirm_small),
        deposited_on=payload.deposited_on,
        reference=payload.reference,
    )
    left = selectors.cash_held(programme, deposit.collection_point)
    return Status(201, {"deposit": deposit.pk, "point_balance": left})


@router.get("/programmes/{code}/cash-points", response=list[CashPointOut], summary="Each collection point's cash")
def cash_points(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.cash_points(actor=request.auth, programme=programme)


class DepositCancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


@router.post(
    "/programmes/{code}/cash-deposits/{deposit_id}/cancel",
    response=CashPointOut,
    summary="Undo a deposit slip recorded by mistake (its entry reversed); refused once a statement line has it",
)
def cash_deposit_cancel(request: AuthedRequest, code: str, deposit_id: int, payload: DepositCancelIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    deposit = selectors.cash_deposit_get(actor=request.auth, programme=programme, deposit_id=deposit_id)
    cash.cash_deposit_cancel(actor=request.auth, deposit=deposit, reason=payload.reason)
    rows = selectors.cash_points(actor=request.auth, programme=programme)
    return next(r for r in rows if r["key"] == deposit.collection_point.key)


@router.get(
    "/programmes/{code}/fundraising/books.xlsx",
    summary="The journal, trial balance, bank reconciliation and end-of-campaign balances of a period (XLSX)",
)
def books_xlsx(request: AuthedRequest, code: str, params: Query[PeriodIn]) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    done = books.books_export(actor=request.auth, programme=programme, start=params.date_from, end=params.date_to)
    name, data = next(iter(done.files.items()))
    return file_response(data, XLSX, name, private=True)


class ReconciliationOut(Schema):
    on: dt.date
    statement_balance: int | None
    statement_day: dt.date | None
    book_balance: int
    not_in_books: int
    not_on_statement: int
    difference: int | None
    reconciled: bool


@router.get(
    "/programmes/{code}/fundraising/reconciliation",
    response=ReconciliationOut,
    summary="The bank statement's balance against the ledger's bank account at a day, and what explains the gap",
)
def reconciliation(request: AuthedRequest, code: str, on: dt.date | None = None) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    selectors.require_view(request.auth, programme)
    return books.reconciliation(request.auth, programme, on or dt.date.today()).as_dict()
