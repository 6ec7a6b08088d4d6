"""The review queue everywhere (issue #16): near-miss codes proposed, the payer's name read from the transfer text
and recorded as a named gift, deposit slips matched by their number, a mistaken slip undone — the same rows and
the same service on the web, the API (a real bearer token) and `phocap fundraising review`."""

import datetime as dt
import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict
from phocap.fundraising import references, review, selectors
from phocap.fundraising import services as gifts
from phocap.fundraising.models import Donation, StatementLine
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.services.cash import cash_deposit, cash_deposit_cancel
from phocap.fundraising.statements import statement_import
from phocap.programmes import selectors as programmes

pytestmark = pytest.mark.django_db
DAY = dt.date(2023, 9, 25)
API = "/api/v1/programmes/bac-kan-2023"
ACCOUNT = "113000000001"


def one_wrong(code: str, position: int) -> str:
    """The code with one symbol changed (the check symbol then no longer fits)."""
    alphabet = references.ALPHABET
    other = alphabet[(alphabet.index(code[position]) + 1) % len(alphabet)]
    return code[:position] + other + code[position + 1 :]


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("NGUYEN VAN AN chuyen tien ung ho dien thoai", "Nguyen Van An", "individual"),
        ("MBVCB.4567890123.012345.TRAN THI BINH chuyen tien.CT tu 0011001234567 TRAN THI BINH toi 86", "Tran Thi Binh",
         "individual"),
        ("CT tu 0011001234567 LE VAN CUONG toi 8600123456 UY BAN MTTQ", "Le Van Cuong", "individual"),
        ("Nguyễn Thị Hoà ủng hộ chương trình", "Nguyễn Thị Hoà", "individual"),
        ("IBFT CONG TY TNHH SAO VANG ung ho", "Cong Ty Tnhh Sao Vang", "enterprise"),
        ("UNG HO CHUONG TRINH DIEN THOAI", "", ""),
        ("MBVCB.123.AN chuyen tien", "", ""),  # one word is not a name
    ],
)  # fmt: skip
def test_the_payer_is_read_from_the_transfer_text(text, name, kind):
    assert review.payer_name(text) == (name, kind)


def test_a_code_one_symbol_wrong_or_two_swapped_is_found_once():
    code = references.new_reference()
    other = references.new_reference()
    index = references.NearCodes([code, other])
    typo = one_wrong(code, 3)
    assert not references.is_valid(typo)  # the check symbol sees it …
    assert index.only(f"UNG HO {typo} CT") == (code, typo)  # … and the index says which code was meant
    swapped = code[:2] + code[3] + code[2] + code[4:]
    if swapped != code and not references.is_valid(swapped):
        assert index.only(f"ung ho {swapped.lower()}") == (code, swapped)
    assert index.only(f"ung ho {code}") is None  # the code itself is not a near miss
    assert index.only("UNG HO CHUONG TRINH") is None
    assert index.only(f"{one_wrong(code, 1)} {one_wrong(other, 2)}") is None  # two candidates: none proposed


@pytest.fixture
def pledge(programme):
    return gifts.pledge_create(
        actor=SYSTEM,
        programme=programme,
        donor=gifts.DonorInput(kind="enterprise", name="Công ty Gần Đúng", tax_code="0100109106"),
        amount=7_000_000,
    )


@pytest.fixture
def point(programme):
    return programmes.collection_point_get(actor=SYSTEM, programme=programme, key="na-ri")


def import_rows(programme, rows):
    return statement_import(
        actor=SYSTEM, programme=programme, data=render("mb", ACCOUNT, rows, fmt="csv"), filename="review.csv"
    )


def waiting(programme, actor=SYSTEM):
    return {r.line.doc_number: r for r in review.review_rows(actor=actor, programme=programme)}


def test_the_queue_proposes_near_codes_payers_and_slips_and_matches_slips_by_number(programme, pledge, point, user):
    gifts.donation_record(
        actor=SYSTEM,
        programme=programme,
        channel="cash",
        amount=3_000_000,
        received_on=DAY,
        collection_point=point,
        cash_receipt_number="PT-RV-1",
    )
    by_number = cash_deposit(
        actor=SYSTEM, programme=programme, point=point, amount=1_000_000, deposited_on=DAY, reference="GNT-NR-07"
    )
    unnumbered = cash_deposit(actor=SYSTEM, programme=programme, point=point, amount=1_500_000, deposited_on=DAY)
    done = import_rows(
        programme,
        [
            Row(DAY, "R1", 7_000_000, f"CONG TY GAN DUNG UNG HO {one_wrong(pledge.reference, 5)}"),
            Row(DAY, "R2", 300_000, "MBVCB.88.PHAM THI MAI chuyen tien ung ho"),
            Row(DAY, "R3", 1_000_000, "NOP TIEN MAT GNT NR 07 DIEM CAU NA RI"),
            Row(DAY, "R4", 1_500_000, "NOP TIEN TU NA RI"),
        ],
    )
    assert done.deposits_matched == 1  # the slip's number on the transfer: matched at once
    by_number.refresh_from_db()
    assert by_number.statement_line.doc_number == "R3"
    rows = waiting(programme)
    assert {"R1", "R2", "R4"} <= set(rows)  # beside the demo's own line
    near = rows["R1"]
    assert (near.proposal, near.pledge_reference) == ("near_code", pledge.reference)
    assert near.typed_code == one_wrong(pledge.reference, 5)
    assert (rows["R2"].payer_name, rows["R2"].payer_kind) == ("Pham Thi Mai", "individual")
    assert rows["R4"].deposit == unnumbered  # the only open slip of that amount

    auditor = waiting(programme, actor=user("kiemtoan"))
    assert auditor["R2"].payer_name == ""
    assert "PHAM" not in auditor["R2"].description


def test_a_mistaken_slip_is_undone_once_and_never_after_the_bank_showed_it(programme, point):
    gifts.donation_record(
        actor=SYSTEM,
        programme=programme,
        channel="cash",
        amount=2_000_000,
        received_on=DAY,
        collection_point=point,
        cash_receipt_number="PT-RV-2",
    )
    before = selectors.cash_held(programme, point)
    slip = cash_deposit(actor=SYSTEM, programme=programme, point=point, amount=2_000_000, deposited_on=DAY)
    assert selectors.cash_held(programme, point) == before - 2_000_000
    cash_deposit_cancel(actor=SYSTEM, deposit=slip, reason="ghi nhầm điểm cầu")
    cash_deposit_cancel(actor=SYSTEM, deposit=slip, reason="bấm hai lần")  # a double tap cancels once
    slip.refresh_from_db()
    assert slip.cancelled_at is not None
    assert slip.cancel_reason == "ghi nhầm điểm cầu"
    assert selectors.cash_held(programme, point) == before
    import_rows(programme, [Row(DAY, "R9", 2_000_000, "NOP TIEN TU NA RI")])
    assert waiting(programme)["R9"].deposit is None  # a cancelled slip is matched with nothing

    again = cash_deposit(actor=SYSTEM, programme=programme, point=point, amount=2_000_000, deposited_on=DAY)
    line = StatementLine.objects.get(programme=programme, doc_number="R9")
    review.statement_line_resolve(actor=SYSTEM, line=line, action="deposit", deposit=again)
    with pytest.raises(Conflict) as matched:
        cash_deposit_cancel(actor=SYSTEM, deposit=again, reason="muộn")
    assert matched.value.code == "deposit_matched"


def test_the_console_lists_matches_names_and_skips(programme, pledge, capsys):
    from phocap.cli import main

    import_rows(
        programme,
        [
            Row(DAY, "C1", 7_000_000, f"UNG HO {one_wrong(pledge.reference, 0)}"),
            Row(DAY, "C2", 450_000, "MBVCB.77.HOANG VAN NAM chuyen tien ung ho"),
            Row(DAY, "C3", 90_000, "HOAN TIEN THUA"),
        ],
    )
    capsys.readouterr()
    assert main(["fundraising", "review", "list", "--programme", "bac-kan-2023", "--json"]) == 0
    listed = {r["doc_number"]: r for r in json.loads(capsys.readouterr().out)["lines"]}
    assert listed["C1"]["proposal"] == "near_code"
    assert listed["C2"]["payer_name"] == "Hoang Van Nam"
    assert main(["fundraising", "review", "match", "--programme", "bac-kan-2023", "--proposed", "--json"]) == 0
    accepted = json.loads(capsys.readouterr().out)
    assert accepted["settled"] == [listed["C1"]["id"]]
    assert Donation.objects.get(statement_line_id=listed["C1"]["id"]).pledge == pledge
    review_cli = ["fundraising", "review"]
    where = ["--programme", "bac-kan-2023"]
    assert main([*review_cli, "gift", str(listed["C2"]["id"]), *where, "--payer", "--json"]) == 0
    gift = Donation.objects.get(pk=json.loads(capsys.readouterr().out)["donation"])
    assert (gift.donor.name, gift.donor.kind, gift.amount) == ("Hoang Van Nam", "individual", 450_000)
    assert gift.donor.publish_name is False  # a person's name is published only with their consent
    assert main([*review_cli, "skip", str(listed["C3"]["id"]), *where, "--note", "hoàn tiền", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ignored"
    assert main([*review_cli, "skip", str(listed["C3"]["id"]), *where, "--note", "x"]) == 2
    assert "đã được xử lý" in capsys.readouterr().err
    assert waiting(programme).keys().isdisjoint({"C1", "C2", "C3"})


def test_the_api_shows_the_proposals_and_records_a_named_gift(programme, user, login):
    import_rows(programme, [Row(DAY, "A1", 250_000, "CT tu 0011009876543 VU THI LAN toi 113000000001 ung ho")])
    _, secret = api_token_create(actor=SYSTEM, user=user("mttq"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    row = next(r for r in api.get(f"{API}/review").json() if r["doc_number"] == "A1")
    assert (row["payer_name"], row["payer_kind"], row["proposal"]) == ("Vu Thi Lan", "individual", "")
    answer = api.post(
        f"{API}/review/{row['id']}",
        json.dumps({"action": "gift", "donor_name": "Vũ Thị Lan"}),  # the officer puts the diacritics back
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert Donation.objects.get(statement_line_id=row["id"]).donor.name == "Vũ Thị Lan"
    again = api.post(f"{API}/review/{row['id']}", json.dumps({"action": "gift"}), content_type="application/json")
    assert again.status_code == 409
    _, audit_secret = api_token_create(actor=SYSTEM, user=user("kiemtoan"), name="kiểm toán")
    auditor = Client(HTTP_AUTHORIZATION=f"Bearer {audit_secret}")
    assert all(r["payer_name"] == "" for r in auditor.get(f"{API}/review").json())

    import_rows(programme, [Row(DAY, "W1", 120_000, "MBVCB.5.DO VAN HUNG chuyen tien")])
    page = login("mttq")
    shown = page.get("/p/bac-kan-2023/quyen-gop/cho-xu-ly/").content.decode()
    assert 'name="donor_name" value="Do Van Hung"' in shown
    line = StatementLine.objects.get(programme=programme, doc_number="W1")
    page.post(
        "/p/bac-kan-2023/quyen-gop/cho-xu-ly/",
        {"line": line.pk, "action": "gift", "donor_name": "Đỗ Văn Hùng", "donor_kind": "individual"},
    )
    assert Donation.objects.get(statement_line=line).donor.name == "Đỗ Văn Hùng"
