"""The books an accountant takes (issue #16): the journal and trial balance of a period, the bank reconciliation,
the balances at the campaign's end — and a statement with cash deposits, mistyped codes, payers without codes and
the payment for phones that reconciles with the bank to the đồng."""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.devices.services.purchases import purchase_order_create
from phocap.fundraising import books, selectors
from phocap.fundraising import services as gifts
from phocap.fundraising.models import CashDeposit, Donation, JournalLine, StatementLine
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.services.cash import cash_deposit
from phocap.programmes import selectors as programmes
from tests.fundraising.test_review_queue import one_wrong

pytestmark = pytest.mark.django_db
ACCOUNT = "113000000001"
API = "/api/v1/programmes/bac-kan-2023"


def test_the_demo_books_balance_and_reconcile(programme, user):
    done = books.books_export(actor=user("mttq"), programme=programme, end=dt.date(2023, 12, 31))
    book = CalamineWorkbook.from_filelike(io.BytesIO(done.files["so-sach-bac-kan-2023.xlsx"]))
    assert book.sheet_names == ["so-nhat-ky-chung", "bang-can-doi", "doi-chieu-ngan-hang", "so-du-cuoi-dot"]
    journal = book.get_sheet_by_name("so-nhat-ky-chung").to_python()
    assert journal[0] == ["Ngày", "Số bút toán", "Diễn giải", "Tài khoản", "Nợ", "Có"]
    assert len(journal) - 1 == JournalLine.objects.filter(account__programme=programme).count() == done.journal_rows
    assert sum(r[4] for r in journal[1:]) == sum(r[5] for r in journal[1:]) > 0
    entries = {}
    for row in journal[1:]:  # every entry balances on its own
        entries[row[1]] = entries.get(row[1], 0) + row[4] - row[5]
    assert set(entries.values()) == {0}
    trial = book.get_sheet_by_name("bang-can-doi").to_python()
    total = trial[-1]
    assert total[1] == "Cộng"
    assert total[3] == total[4]  # debits = credits
    assert total[5] == 0  # the balances sum to zero
    bank = next(r for r in trial if r[0] == "bank")
    assert bank[5] == selectors.bank_balance(programme)
    rec = done.reconciliation
    assert rec.difference == 0
    assert rec.statement_balance == StatementLine.objects.filter(programme=programme).last().balance
    assert rec.not_in_books == 5_000_000  # the unmatched transfer waiting for review
    unstated = JournalLine.objects.filter(
        account__programme=programme, account__code="bank", entry__kind="purchase", entry__occurred_on__lte=rec.on
    )
    assert rec.not_on_statement == sum(line.amount for line in unstated)  # phones paid for, not on a statement


def test_the_auditor_gets_the_books_without_names(programme, user):
    officer = books.books_export(actor=user("mttq"), programme=programme, fmt="csv")
    auditor = books.books_export(actor=user("kiemtoan"), programme=programme, fmt="csv")
    assert set(auditor.files) == {
        "so-nhat-ky-chung.csv",
        "bang-can-doi.csv",
        "doi-chieu-ngan-hang.csv",
        "so-du-cuoi-dot.csv",
    }
    assert "Hoàng Văn Bình (ví dụ)".encode() in officer.files["so-nhat-ky-chung.csv"]
    for data in auditor.files.values():
        assert "Hoàng Văn Bình".encode() not in data
        assert b"NGUYEN VAN TAM" not in data
    assert auditor.files["bang-can-doi.csv"] == officer.files["bang-can-doi.csv"]


def test_a_statement_with_deposits_typos_payers_and_the_phones_payment_reconciles(programme, user, capsys, tmp_path):
    """The issue's "done when": every point's cash ≥ 0 throughout, every deposit matched once, the mistyped code
    proposed, and the books' bank balance explained to the statement's closing balance."""
    from phocap.cli import main

    officer = user("mttq")
    day = dt.date(2023, 12, 30)  # after the demo's last statement line
    before = books.reconciliation(officer, programme, dt.date(2023, 12, 31))
    points = {k: programmes.collection_point_get(actor=SYSTEM, programme=programme, key=k) for k in ("na-ri", "tinh")}
    for key, number in (("na-ri", "PT-D-1"), ("tinh", "PT-D-2")):
        gifts.donation_record(
            actor=officer,
            programme=programme,
            channel="cash",
            amount=2_500_000,
            received_on=day,
            collection_point=points[key],
            cash_receipt_number=number,
        )
    numbered = cash_deposit(
        actor=officer,
        programme=programme,
        point=points["na-ri"],
        amount=2_500_000,
        deposited_on=day,
        reference="GNT-NR-12",
    )
    plain = cash_deposit(actor=officer, programme=programme, point=points["tinh"], amount=2_000_000, deposited_on=day)
    pledge = gifts.pledge_create(
        actor=officer,
        programme=programme,
        donor=gifts.DonorInput(kind="enterprise", name="Công ty Đối Chiếu", tax_code="0100110006"),
        amount=12_000_000,
    )
    order = purchase_order_create(
        actor=SYSTEM, programme=programme, phone_model="Samsung Galaxy A05", quantity=5, unit_price=2_000_000,
        supplier_name="Viễn thông Bắc Kạn (ví dụ)", ordered_on=day, invoice_number="0004567",
    )  # fmt: skip
    opening = StatementLine.objects.filter(programme=programme).last().balance
    rows = [
        Row(day, "D1", 2_500_000, "NOP TIEN MAT GNT-NR-12"),
        Row(day, "D2", 2_000_000, "NOP TIEN MAT DIEM CAU TINH"),
        Row(day, "D3", 12_000_000, f"CONG TY DOI CHIEU UNG HO {one_wrong(pledge.reference, 2)}"),
        Row(day, "D4", 750_000, "MBVCB.91.TRIEU THI NGA chuyen tien ung ho"),
        Row(day, "D5", -10_000_000, "THANH TOAN HD 0004567 MUA DIEN THOAI"),
        Row(day, "D6", -11_000, "PHI SMS T12"),
    ]
    closing = opening + sum(r.amount for r in rows)
    path = tmp_path / "sao-ke-12.csv"
    path.write_bytes(render("mb", ACCOUNT, rows, fmt="csv", opening=opening))
    where = ["--programme", "bac-kan-2023", "--json"]
    capsys.readouterr()
    assert main(["--as", "mttq", "fundraising", "import-statement", str(path), *where]) == 0
    capsys.readouterr()
    numbered.refresh_from_db()
    assert numbered.statement_line.doc_number == "D1"  # matched by the slip's number
    assert StatementLine.objects.get(programme=programme, doc_number="D5").entry == order.payment  # paid once

    assert main(["--as", "mttq", "fundraising", "review", "list", *where]) == 0
    listed = {r["doc_number"]: r for r in json.loads(capsys.readouterr().out)["lines"]}
    assert (listed["D3"]["proposal"], listed["D3"]["pledge_reference"]) == ("near_code", pledge.reference)
    assert listed["D2"]["deposit_id"] == plain.pk
    assert listed["D4"]["payer_name"] == "Trieu Thi Nga"
    assert main(["--as", "mttq", "fundraising", "review", "match", "--proposed", *where]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["settled"]) == sorted([listed["D2"]["id"], listed["D3"]["id"]])
    assert main(["--as", "mttq", "fundraising", "review", "gift", str(listed["D4"]["id"]), "--payer", *where]) == 0
    capsys.readouterr()

    for deposit in CashDeposit.objects.filter(programme=programme, cancelled_at__isnull=True):
        assert deposit.statement_line_id is not None  # every slip matched, once (one-to-one)
    assert all(p["held"] >= 0 for p in selectors.cash_points(actor=SYSTEM, programme=programme))
    assert Donation.objects.get(statement_line__doc_number="D4").donor.name == "Trieu Thi Nga"

    out = tmp_path / "so-sach.xlsx"
    period = ["--from", "2023-12-01", "--to", "2023-12-31"]
    assert main(["--as", "mttq", "fundraising", "books", *period, "--out", str(out), *where]) == 0
    report = json.loads(capsys.readouterr().out)
    rec = report["reconciliation"]
    assert rec["statement_balance"] == closing
    assert rec["reconciled"] is True
    assert rec["book_balance"] + rec["not_in_books"] - rec["not_on_statement"] == closing
    assert rec["not_in_books"] == before.not_in_books  # only what was waiting before
    assert rec["not_on_statement"] == before.not_on_statement  # the new order's payment is on the statement

    _, secret = api_token_create(actor=SYSTEM, user=officer, name="kế toán")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"{API}/fundraising/reconciliation?on=2023-12-31").json()["statement_balance"] == closing
    download = api.get(f"{API}/fundraising/books.xlsx?from=2023-12-01&to=2023-12-31")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"


def test_the_books_page_shows_the_reconciliation_and_downloads_the_workbook(login):
    page = login("kiemtoan").get("/p/bac-kan-2023/quyen-gop/so-sach/?to=2023-12-31").content.decode()
    assert "Đối chiếu tài khoản ngân hàng đến ngày 31/12/2023" in page
    assert "0 ₫ — khớp" in page
    assert "NGUYEN VAN TAM" not in page  # the auditor sees the line's number, not the payer
    download = login("mttq").get("/p/bac-kan-2023/quyen-gop/so-sach/?from=2023-08-01&to=2023-12-31&download=xlsx")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(download.content))
    assert "so-nhat-ky-chung" in book.sheet_names
    bad = login("mttq").get("/p/bac-kan-2023/quyen-gop/so-sach/?from=2023-12-31&to=2023-08-01").content.decode()
    assert "Ngày cuối kỳ phải sau ngày đầu kỳ" in bad
    assert login("xa-giaohieu").get("/p/bac-kan-2023/quyen-gop/so-sach/").status_code == 404
