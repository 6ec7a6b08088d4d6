import datetime as dt
import json

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import ValidationFailed
from phocap.fundraising import selectors
from phocap.fundraising.demo import PLEDGES, SAMPLE_FILES, statement_rows
from phocap.fundraising.models import Donation, JournalEntry, StatementLine
from phocap.fundraising.review import statement_line_resolve
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.statement_files import ColumnMap, parse, parse_amount, parse_date_and_doc
from phocap.fundraising.statements import statement_import
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
SAMPLES = ROOT / "docs" / "samples"
ACCOUNT = "113000000001"


@pytest.mark.parametrize("layout", list(SAMPLE_FILES))
def test_each_sample_file_is_read_with_its_banks_profile(layout):
    path = SAMPLES / f"sao-ke-{layout}.{SAMPLE_FILES[layout]}"
    parsed = parse(path.read_bytes(), path.name)
    assert parsed.profile == layout
    assert parsed.account_number == ACCOUNT
    assert parsed.errors == []
    expected = statement_rows()[layout]
    assert [(p.booked_on, p.doc_number, p.amount, p.description) for p in parsed.lines] == [
        (r.day, r.doc, r.amount, r.description) for r in expected
    ]


def test_the_demo_imported_every_reference_and_left_only_the_unknown_line_for_review(programme):
    matched = Donation.objects.filter(programme=programme, channel="bank_transfer", reversed_at__isnull=True)
    pledged = {d.pledge.reference for d in matched if d.pledge}
    assert pledged == {p.reference for p in PLEDGES if p.amount}
    queue = list(selectors.review_queue(actor=SYSTEM, programme=programme))
    assert [line.description for line in queue] == ["UNG HO CHUONG TRINH DIEN THOAI THONG MINH NGUYEN VAN TAM"]
    fees = JournalEntry.objects.filter(programme=programme, kind="fee").count()
    assert fees == 5


@pytest.mark.parametrize("layout", list(SAMPLE_FILES))
def test_importing_a_sample_again_creates_nothing(programme, layout):
    path = SAMPLES / f"sao-ke-{layout}.{SAMPLE_FILES[layout]}"
    before = (Donation.objects.count(), JournalEntry.objects.count(), StatementLine.objects.count())
    result = statement_import(actor=SYSTEM, programme=programme, data=path.read_bytes(), filename=path.name)
    assert result.already_imported == result.lines == len(statement_rows()[layout])
    assert (result.matched, result.unmatched, result.donations_created) == (0, 0, 0)
    assert (Donation.objects.count(), JournalEntry.objects.count(), StatementLine.objects.count()) == before


def test_overlapping_statements_and_identical_lines_are_counted_once(programme):
    walk_in = programme.walk_in_code.reference
    twin = Row(dt.date(2023, 12, 20), "", 200_000, f"UNG HO {walk_in}")  # two identical gifts on one day
    first = render("bidv", ACCOUNT, [twin, twin, Row(dt.date(2023, 12, 21), "X1", 300_000, f"UH {walk_in}")])
    second = render(
        "bidv",
        ACCOUNT,
        [
            twin,
            twin,
            Row(dt.date(2023, 12, 21), "X1", 300_000, f"UH {walk_in}"),
            Row(dt.date(2023, 12, 22), "X2", 400_000, f"UH {walk_in}"),
        ],
    )
    a = statement_import(actor=SYSTEM, programme=programme, data=first, filename="a.xlsx")
    b = statement_import(actor=SYSTEM, programme=programme, data=second, filename="b.xlsx")
    assert (a.donations_created, b.donations_created, b.already_imported) == (3, 1, 3)
    assert Donation.objects.filter(programme=programme, received_on=dt.date(2023, 12, 20)).count() == 2


def test_a_messy_statement_matches_references_posts_fees_and_queues_the_rest(programme, user):
    from phocap.fundraising.services import donor_create, pledge_create

    officer = user("mttq")
    donor = donor_create(
        actor=officer, programme=programme, kind="enterprise", name="Công ty TNHH Sao Mai", tax_code="0100100110"
    )
    pledge = pledge_create(actor=officer, programme=programme, donor=donor, amount=12_000_000)
    ref = pledge.reference
    rows = [
        Row(dt.date(2023, 11, 2), "A1", 6_000_000, f"MBVCB.1234567.{ref[:3]} {ref[3:]}.CT tu 123 SAO MAI toi"),
        Row(dt.date(2023, 11, 3), "A2", 6_000_000, "CONG TY TNHH SAO MAI CHUYEN TIEN"),  # no code: proposed
        Row(dt.date(2023, 11, 3), "A3", -22_000, "PHI DICH VU"),
        Row(dt.date(2023, 11, 4), "A4", 777_000, "GIAO DICH KHONG RO"),
        Row(dt.date(2024, 1, 5), "A5", 1_000_000, f"UNG HO {ref}"),  # after the campaign: never automatic
    ]
    result = statement_import(
        actor=officer, programme=programme, data=render("mb", ACCOUNT, rows, fmt="csv"), filename="nov.csv"
    )
    assert (result.credits, result.matched, result.unmatched, result.donations_created) == (4, 1, 3, 1)
    queue = {line.doc_number: line for line in selectors.review_queue(actor=officer, programme=programme)}
    assert queue["A2"].proposed_pledge == pledge
    assert queue["A2"].score >= 80
    assert queue["A5"].proposed_pledge == pledge
    statement_line_resolve(actor=officer, line=queue["A2"], action="pledge", pledge=pledge)
    with pytest.raises(ValidationFailed, match="lý do"):
        statement_line_resolve(actor=officer, line=queue["A4"], action="ignore")
    statement_line_resolve(actor=officer, line=queue["A4"], action="gift")
    with pytest.raises(ValidationFailed, match="ngoài thời gian vận động"):
        statement_line_resolve(actor=officer, line=queue["A5"], action="pledge", pledge=pledge)
    rows_ = {r.pledge.pk: r for r in selectors.pledge_rows(actor=officer, programme=programme)}
    assert (rows_[pledge.pk].received, rows_[pledge.pk].status) == (12_000_000, "fulfilled")


def test_an_unknown_layout_is_refused_clearly_and_can_be_mapped_by_hand(programme):
    data = "\n".join(
        [
            "Bao cao giao dich",
            "Ngay;Dien giai;Rut ra;Gui vao",
            f"02/11/2023;UNG HO {programme.walk_in_code.reference};;250.000",
            "03/11/2023;PHI;5.500;",
        ]
    ).encode()
    with pytest.raises(ValidationFailed) as caught:
        statement_import(actor=SYSTEM, programme=programme, data=data, filename="la.csv")
    assert caught.value.code == "unknown_statement_layout"
    mapping = ColumnMap(header_row=1, date=0, description=1, debit=2, credit=3)
    result = statement_import(actor=SYSTEM, programme=programme, data=data, filename="la.csv", mapping=mapping)
    assert (result.lines, result.matched) == (2, 1)


def test_a_statement_of_another_account_is_refused(programme):
    data = render("mb", "999999999999", [Row(dt.date(2023, 9, 1), "Z", 1000, "x")], fmt="csv")
    with pytest.raises(ValidationFailed, match="không phải tài khoản của chương trình"):
        statement_import(actor=SYSTEM, programme=programme, data=data, filename="x.csv")


def test_a_commune_officer_cannot_import(programme, user):
    from phocap.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        statement_import(actor=user("xa-giaohieu"), programme=programme, data=b"", filename="x.csv")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.000.000", 1_000_000),
        ("1,000,000", 1_000_000),
        ("1 000 000 VND", 1_000_000),
        ("1.000.000,00", 1_000_000),
        ("1,000,000.00", 1_000_000),
        (1000000.0, 1_000_000),
        ("", 0),
        (None, 0),
        ("-11.000", -11_000),
    ],
)
def test_amounts_in_every_format_banks_use(text, amount):
    assert parse_amount(text) == amount


def test_date_and_document_number_in_one_cell():
    assert parse_date_and_doc("12/08/2023\n5078 - 97256") == (dt.date(2023, 8, 12), "5078 - 97256")
    assert parse_date_and_doc("06/09/2023 09:15:00") == (dt.date(2023, 9, 6), "")
    assert parse_date_and_doc(dt.datetime(2023, 9, 6, 9, 15)) == (dt.date(2023, 9, 6), "")


def test_cli_import_statement_prints_the_counts(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    added = cli(
        "fundraising",
        "pledge-add",
        "--programme",
        "bac-kan-2023",
        "--donor-kind",
        "enterprise",
        "--donor-name",
        "Công ty Sao Mai",
        "--tax-code",
        "0100100110",
        "--amount",
        "5.000.000",  # as a Vietnamese types it: five million, not five đồng
        "--json",
        database_url=url,
    )
    pledge = json.loads(added.stdout)
    assert set(pledge) >= {"pledge_id", "reference", "amount"}
    assert pledge["amount"] == 5_000_000
    rows = [
        Row(dt.date(2023, 9, 1), "B1", 5_000_000, f"MBVCB.99.{pledge['reference']}.CT tu"),
        Row(dt.date(2023, 9, 2), "B2", 9_000, "GIAO DICH LA"),
        Row(dt.date(2023, 9, 3), "B3", -11_000, "PHI SMS"),
    ]
    path = tmp_path / "sao-ke.xlsx"
    path.write_bytes(render("vietcombank", ACCOUNT, rows))
    first = json.loads(
        cli(
            "fundraising", "import-statement", str(path), "--programme", "bac-kan-2023", "--json", database_url=url
        ).stdout
    )
    assert first == {
        "lines": 3,
        "credits": 2,
        "matched": 1,
        "unmatched": 1,
        "already_imported": 0,
        "donations_created": 1,
    }
    again = json.loads(
        cli(
            "fundraising", "import-statement", str(path), "--programme", "bac-kan-2023", "--json", database_url=url
        ).stdout
    )
    assert again == {
        "lines": 3,
        "credits": 2,
        "matched": 0,
        "unmatched": 0,
        "already_imported": 3,
        "donations_created": 0,
    }
    listed = json.loads(cli("fundraising", "pledges", "--programme", "bac-kan-2023", "--json", database_url=url).stdout)
    assert listed == [
        {
            "pledge_id": pledge["pledge_id"],
            "reference": pledge["reference"],
            "donor_name": "Công ty Sao Mai",
            "amount": 5_000_000,
            "phones": None,
            "received": 5_000_000,
            "status": "fulfilled",
        }
    ]
    qr = json.loads(cli("fundraising", "qr", pledge["reference"], "--json", database_url=url).stdout)
    assert set(qr) >= {"reference", "payload", "amount"}
    assert qr["reference"] == pledge["reference"]
    assert pledge["reference"] in qr["payload"]
