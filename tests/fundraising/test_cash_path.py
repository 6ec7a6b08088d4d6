"""Cash through its whole path (issue #16): a numbered receipt once per point and year, held at the point, paid in
with a deposit slip, matched once with the statement's credit — and a point's cash never below zero, in the
service and in the database."""

import datetime as dt
import json

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, ValidationFailed
from phocap.fundraising import ledger, selectors
from phocap.fundraising import services as gifts
from phocap.fundraising.models import JournalEntry, LedgerAccount, StatementLine
from phocap.fundraising.review import statement_line_resolve
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.services.cash import cash_deposit
from phocap.fundraising.statements import statement_import
from phocap.programmes import selectors as programmes

pytestmark = pytest.mark.django_db
DAY = dt.date(2023, 9, 20)
API = "/api/v1/programmes/bac-kan-2023"


@pytest.fixture
def point(programme):
    return programmes.collection_point_get(actor=SYSTEM, programme=programme, key="na-ri")


def held(programme, point):
    return next(p for p in selectors.cash_points(actor=SYSTEM, programme=programme) if p["key"] == point.key)


def cash_gift(programme, point, amount, number, day=DAY):
    return gifts.donation_record(
        actor=SYSTEM,
        programme=programme,
        channel="cash",
        amount=amount,
        received_on=day,
        collection_point=point,
        cash_receipt_number=number,
    )


def test_a_receipt_number_is_used_once_per_point_and_year(programme, point):
    cash_gift(programme, point, 1_000_000, "PT-77")
    with pytest.raises(Conflict, match="đã dùng") as used:
        cash_gift(programme, point, 2_000_000, "PT-77")
    assert used.value.code == "receipt_number_used"
    other = programmes.collection_point_get(actor=SYSTEM, programme=programme, key="ba-be")
    cash_gift(programme, other, 1_000_000, "PT-77")  # another point keeps its own numbers
    gift = cash_gift(programme, point, 500_000, "PT-78")
    assert gift.receipt_year == 2023


def test_the_database_refuses_a_repeated_receipt_number(programme, point):
    first = cash_gift(programme, point, 1_000_000, "PT-90")
    twin = type(first).objects.get(pk=first.pk)
    twin.pk, twin.entry = (
        None,
        ledger.post(
            programme=programme,
            kind=JournalEntry.Kind.DONATION,
            occurred_on=DAY,
            memo="x",
            lines=[
                (ledger.account(programme, LedgerAccount.Code.CASH, point=point), 1),
                (ledger.account(programme, LedgerAccount.Code.UNRESTRICTED), -1),
            ],
            actor_label="x",
        ),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)


def test_a_deposit_moves_cash_to_the_bank_only_as_far_as_the_point_holds(programme, point):
    before = held(programme, point)["held"]
    cash_gift(programme, point, 3_000_000, "PT-101")
    with pytest.raises(Conflict, match="đang giữ") as refused:
        cash_deposit(actor=SYSTEM, programme=programme, point=point, amount=before + 3_000_001, deposited_on=DAY)
    assert refused.value.code == "insufficient_cash"
    slip = cash_deposit(
        actor=SYSTEM, programme=programme, point=point, amount=before + 3_000_000, deposited_on=DAY, reference="GNT-9"
    )
    now = held(programme, point)
    assert now["held"] == 0
    assert now["in_transit"] >= 3_000_000

    # the bank statement shows it arrive: matched to the slip, once
    data = render("vietcombank", "113000000001", [Row(DAY, "NT1", slip.amount, "NOP TIEN MAT NA RI")])
    statement_import(actor=SYSTEM, programme=programme, data=data, filename="nop.xlsx")
    line = StatementLine.objects.get(doc_number="NT1")
    assert line.status == "review"  # without the slip's number: never taken from a point on its own
    bank_before = selectors.bank_balance(programme)
    statement_line_resolve(actor=SYSTEM, line=line, action="deposit", collection_point=point)
    slip.refresh_from_db()
    assert slip.statement_line_id == line.pk
    assert selectors.bank_balance(programme) - bank_before == slip.amount
    assert held(programme, point)["in_transit"] == now["in_transit"] - slip.amount


def test_a_deposit_line_without_a_recorded_slip_stays_in_the_queue(programme, point):
    data = render("vietcombank", "113000000001", [Row(DAY, "NT2", 4_400_000, "NOP TIEN MAT TU DIEM CAU")])
    statement_import(actor=SYSTEM, programme=programme, data=data, filename="nop2.xlsx")
    line = StatementLine.objects.get(doc_number="NT2")
    with pytest.raises(ValidationFailed, match="Chưa có giấy nộp tiền") as refused:
        statement_line_resolve(actor=SYSTEM, line=line, action="deposit", collection_point=point)
    assert refused.value.code == "no_deposit"
    line.refresh_from_db()
    assert line.status == "review"
    assert held(programme, point)["held"] >= 0


def test_the_database_refuses_an_entry_that_leaves_a_points_cash_below_zero(programme, point):
    left = held(programme, point)["held"]
    with pytest.raises(DatabaseError, match="below zero"), transaction.atomic():
        ledger.post(
            programme=programme,
            kind=JournalEntry.Kind.TRANSFER,
            occurred_on=DAY,
            memo="rút quá số tiền mặt",
            lines=[
                (ledger.account(programme, LedgerAccount.Code.BANK), left + 1),
                (ledger.account(programme, LedgerAccount.Code.CASH, point=point), -(left + 1)),
            ],
            actor_label="x",
        )
    assert held(programme, point)["held"] == left


def test_the_api_and_the_page_record_a_deposit_slip(programme, point, user, login):
    cash_gift(programme, point, 2_000_000, "PT-201")
    _, secret = api_token_create(actor=SYSTEM, user=user("mttq"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    start = held(programme, point)["held"]
    answer = api.post(
        f"{API}/cash-deposits",
        json.dumps({"collection_point": "na-ri", "amount": "1.000.000", "deposited_on": "2023-09-21"}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["point_balance"] == start - 1_000_000
    over = api.post(
        f"{API}/cash-deposits",
        json.dumps({"collection_point": "na-ri", "amount": start, "deposited_on": "2023-09-21"}),
        content_type="application/json",
    )
    assert over.status_code == 409
    assert over.json()["code"] == "insufficient_cash"
    points = {p["key"]: p for p in api.get(f"{API}/cash-points").json()}
    assert points["na-ri"]["held"] == start - 1_000_000

    page = login("mttq")
    shown = page.post(
        "/p/bac-kan-2023/quyen-gop/tien-mat/",
        {"point": "na-ri", "amount": "500.000", "deposited_on": "2023-09-22", "reference": "GNT-22"},
        follow=True,
    ).content.decode()
    assert "Đã ghi giấy nộp tiền: 500.000 ₫ (Năm trăm nghìn đồng)" in shown
    assert "GNT-22" in shown
    refused = page.post(
        "/p/bac-kan-2023/quyen-gop/tien-mat/",
        {"point": "na-ri", "amount": "999 triệu", "deposited_on": "2023-09-22"},
        follow=True,
    ).content.decode()
    assert "đang giữ" in refused
    assert login("kiemtoan").post("/p/bac-kan-2023/quyen-gop/tien-mat/", {"point": "na-ri"}).status_code == 404


def test_one_bulk_posting_over_many_points_is_refused_when_any_point_goes_below_zero(programme):
    """The guard checks every point a statement touches (on PostgreSQL once per statement, in one grouped join):
    gifts into several points pass together; the same batch with one point's cash taken out beyond what it holds
    is refused whole."""
    from phocap.programmes.models import CollectionPoint

    points = list(CollectionPoint.objects.filter(programme=programme).order_by("key"))[:3]
    assert len(points) == 3
    bank = ledger.account(programme, LedgerAccount.Code.BANK)
    fund = ledger.account(programme, LedgerAccount.Code.UNRESTRICTED)

    def entry(lines):
        return ledger.build(
            programme=programme, kind=JournalEntry.Kind.TRANSFER, occurred_on=DAY, memo="", lines=lines, actor_label="x"
        )

    cash = [ledger.account(programme, LedgerAccount.Code.CASH, point=p) for p in points]
    ledger.post_many([entry([(c, 100), (fund, -100)]) for c in cash])
    overdrawn = [entry([(c, -50), (bank, 50)]) for c in cash[:2]] + [entry([(cash[2], -101), (bank, 101)])]
    with pytest.raises(DatabaseError, match="below zero"), transaction.atomic():
        ledger.post_many(overdrawn)
    ledger.post_many([entry([(c, -100), (bank, 100)]) for c in cash])  # exactly what each holds: allowed
    assert [held(programme, p)["held"] for p in points] == [0, 0, 0]
