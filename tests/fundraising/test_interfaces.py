"""Fundraising through the web UI, the API and the public pages, scoped by role."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from python_calamine import CalamineWorkbook

from phocap.fundraising.models import Donation, StatementLine
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023/quyen-gop"
API = "/api/v1/programmes/bac-kan-2023"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def test_public_statement_needs_no_login_and_publishes_only_what_may_be_published():
    page = Client().get("/cong-khai/bac-kan-2023/").content.decode()
    assert "870.100.000 ₫" in page
    assert "Viễn thông Bắc Kạn (VNPT) — ví dụ" in page  # enterprises publish by default
    assert "Hoàng Văn Bình (ví dụ)" in page  # an individual who agreed
    assert page.count("Nhà hảo tâm") >= 18  # everyone else
    for secret in ("0011004567890", "MBVCB", "MoMo", "4700123452", "PT-TINH-001"):
        assert secret not in page
    assert "NGUYEN VAN TAM" not in page  # unmatched transfer text is not published
    # the campaign's own account is published, once, to be paid into (issue #16)
    assert page.count("113000000001") == 1
    assert page.index("113000000001") < page.index("<table")


def test_the_public_page_invites_giving_with_the_account_and_the_walk_in_qr(programme):
    from vietnam_qr_pay import QRPay

    from phocap.fundraising import selectors

    page = Client().get("/cong-khai/bac-kan-2023/").content.decode()
    giving = page.split('class="card giving"')[1].split("</section>")[0]
    code = selectors.walk_in_code(programme).reference
    assert "VietinBank (ví dụ)" in giving
    assert "113000000001" in giving
    assert "UY BAN MTTQ VIET NAM TINH BAC KAN" in giving
    assert f"UNG HO {code}" in giving
    assert "<svg" in giving
    read = QRPay(selectors.public_giving(programme)["payload"])  # an independent decoder, CRC checked
    assert read.is_valid
    assert (read.consumer.bank_bin, read.consumer.bank_number, read.amount) == ("970415", "113000000001", None)
    assert read.init_method == "11"  # static: any amount
    assert code in read.additional_data.purpose


def test_public_list_downloads_as_csv_and_xlsx_with_the_same_rows():
    client = Client()
    response = client.get("/cong-khai/bac-kan-2023/danh-sach.csv")
    assert response.streaming  # written row by row, whatever the number of gifts
    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0] == "Ngày,Nhà tài trợ,Số tiền (đồng),Hình thức,Số máy (hiện vật)"
    assert len(lines) == 1 + 32
    assert "0011004567890" not in csv_text
    book = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/cong-khai/bac-kan-2023/danh-sach.xlsx").content))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 32
    assert sum(r[2] for r in rows[1:]) == 870_100_000
    assert client.get("/cong-khai/bac-kan-2023/danh-sach.exe").status_code == 404


def test_public_page_query_count_does_not_grow_with_rows(django_assert_max_num_queries):
    # 14 for the statement and the donations page, 11 grouped queries for the communes' progress (one row per
    # commune each, whatever the number of people or gifts)
    with django_assert_max_num_queries(25):
        assert Client().get("/cong-khai/bac-kan-2023/").status_code == 200
    with django_assert_max_num_queries(6):
        body = Client().get("/api/v1/public/bac-kan-2023/donations").json()
    assert body["count"] == 32
    assert set(body["items"][0]) == {"date", "donor", "amount", "channel", "phones"}


def test_commune_officers_and_partners_do_not_see_fundraising(login):
    for username in ("xa-giaohieu", "vnpt", "so-tttt", "to-cns"):
        client = login(username)
        assert client.get(f"{P}/").status_code == 404, username
        assert client.get(f"{P}/ung-ho/").status_code == 404, username
        assert client.get(f"{API}/pledges").status_code == 404, username


def test_the_auditor_reads_but_cannot_write(login):
    client = login("kiemtoan")
    assert client.get(f"{P}/cam-ket/").status_code == 200
    assert (
        client.post(f"{P}/cam-ket/", {"donor_kind": "individual", "donor_name": "A", "amount": 5_000_000}).status_code
        == 404
    )
    refused = client.post(
        f"{API}/pledges",
        data=json.dumps({"donor_kind": "individual", "donor_name": "Ông A", "amount": 5_000_000}),
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_the_fundraising_officer_works_through_the_web(login):
    client = login("mttq")
    created = client.post(
        f"{P}/cam-ket/",
        {
            "donor_kind": "enterprise",
            "donor_name": "Công ty Hòa Bình",
            "tax_code": "0100100110",
            "publish_name": "on",
            "amount": 25_000_000,
            "earmark": "01912",
        },
    )
    assert created.status_code == 302
    pledge_page = client.get(created["Location"]).content.decode()
    assert "<svg" in pledge_page
    assert "25.000.000 ₫" in pledge_page
    reference = created["Location"].rstrip("/").rsplit("/", 1)[-1]
    png = client.get(f"{P}/qr/{reference}.png")
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    cash = client.post(
        f"{P}/ung-ho/",
        {
            "collection_point": "ba-be",
            "amount": 300_000,
            "received_on": "05/09/2023",
            "cash_receipt_number": "PT-BB-009",
            "donor_kind": "individual",
            "pledge": "",
        },
    )
    assert cash.status_code == 302
    donation = Donation.objects.latest("id")
    assert (donation.amount, donation.collection_point.key) == (300_000, "ba-be")
    issued = client.post(f"{P}/ung-ho/{donation.pk}/giay-chung-nhan.pdf")  # the list's button
    assert issued.status_code == 302
    pdf = client.get(issued["Location"])
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    late = client.post(
        f"{P}/ung-ho/",
        {
            "collection_point": "ba-be",
            "amount": 1,
            "received_on": "05/01/2024",
            "cash_receipt_number": "X",
            "donor_kind": "individual",
        },
    )
    assert "ngoài thời gian vận động" in late.content.decode()
    assert client.post(f"{P}/ung-ho/{donation.pk}/huy/", {"reason": "ghi trùng"}).status_code == 302
    donation.refresh_from_db()
    assert donation.reversed_at is not None


def test_statement_upload_and_review_on_the_web(login):
    client = login("mttq")
    sample = ROOT / "docs" / "samples" / "sao-ke-vietcombank.xlsx"
    with sample.open("rb") as f:
        page = client.post(f"{P}/sao-ke/", {"file": f}).content.decode()
    assert "Đã nhập trước đây" in page
    line = StatementLine.objects.get(status="review")
    assert line.description in client.get(f"{P}/cho-xu-ly/").content.decode()
    resolved = client.post(f"{P}/cho-xu-ly/", {"line": line.pk, "action": "gift"})
    assert resolved.status_code == 302
    line.refresh_from_db()
    assert line.status == "matched"
    assert line.donation.donor is None  # an unpledged, anonymous gift


def test_the_api_covers_pledges_qr_statements_and_review(login):
    client = login("mttq")
    created = client.post(
        f"{API}/pledges",
        data=json.dumps(
            {
                "donor_kind": "organisation",
                "donor_name": "Hội Cựu chiến binh tỉnh",
                "amount": 8_000_000,
                "commune_code": "02017",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    qr = client.get(f"/api/v1/pledges/{reference}/qr").json()
    assert qr["amount"] == 8_000_000
    assert reference in qr["payload"]
    rows = [("06/12/2023", "Z1", "", "8,000,000", "", f"HOI CCB {reference}")]
    csv_body = (
        "MB BANK\nAccount No/Số tài khoản: 113000000001\n\n"
        + (
            "Ngày giao dịch/Trans Date,Số tham chiếu/Reference No,Số tiền ghi nợ/Debit Amount,"
            "Số tiền ghi có/Credit Amount,Số dư/Balance,Nội dung/Description\n"
        )
        + "\n".join(",".join(f'"{c}"' for c in r) for r in rows)
    )
    imported = client.post(
        f"{API}/statements", {"file": io.BytesIO(csv_body.encode()), "name": "x"}, format="multipart"
    )
    assert imported.status_code == 200, imported.content
    assert imported.json()["matched"] == 1
    pledges = {p["reference"]: p for p in client.get(f"{API}/pledges").json()}
    assert pledges[reference]["status"] == "fulfilled"
    queue = client.get(f"{API}/review").json()
    assert len(queue) == 1
    done = client.post(
        f"{API}/review/{queue[0]['id']}",
        data=json.dumps({"action": "ignore", "note": "trả lại"}),
        content_type="application/json",
    )
    assert done.json()["status"] == "ignored"
    summary = client.get(f"{API}/fundraising/summary").json()
    assert summary["received"] == 870_100_000 + 8_000_000


def test_a_pledge_is_cancelled_with_a_reason_and_stops_matching(login):
    client = login("mttq")
    created = client.post(
        f"{API}/pledges",
        data=json.dumps({"donor_kind": "individual", "donor_name": "Ông Lộc", "amount": 1_000_000}),
        content_type="application/json",
    )
    reference = created.json()["reference"]
    no_reason = client.post(
        f"{API}/pledges/{reference}/cancel", data=json.dumps({"reason": ""}), content_type="application/json"
    )
    assert no_reason.status_code == 422
    cancelled = client.post(
        f"{API}/pledges/{reference}/cancel",
        data=json.dumps({"reason": "nhà tài trợ rút lại"}),
        content_type="application/json",
    )
    assert cancelled.json()["status"] == "cancelled"
    web = client.post(f"{P}/cam-ket/{reference}/huy/", {"reason": "lần hai"}, follow=True).content.decode()
    assert "Cam kết đã hủy" in web


def test_a_large_statement_is_imported_as_a_background_job_with_progress(
    login, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    import datetime as dt

    from phocap.core.models import BackgroundJob
    from phocap.fundraising import statements
    from phocap.fundraising.sample_statements import Row, render

    monkeypatch.setattr(statements, "BACKGROUND_BYTES", 100)
    settings.PHOCAP_UPLOAD_DIR = tmp_path
    walk_in = Donation.objects.filter(statement_line__description__contains="MoMo").first().statement_line
    code = walk_in.description.split()[-1]
    rows = [Row(dt.date(2023, 12, 1), f"L{i}", 10_000 + i, f"UH {code}") for i in range(12_000)]
    data = render("mb", "113000000001", rows, fmt="csv")
    client = login("mttq")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{P}/sao-ke/", {"file": SimpleUploadedFile("sao-ke-thang-12.csv", data)})
    assert response.status_code == 302
    assert response["Location"] == "/tasks/"
    job = BackgroundJob.objects.get(kind="fundraising.statement_import")
    assert job.status == "succeeded", job.message
    assert (job.progress_done, job.progress_total) == (12_000, 12_000)
    assert job.result["donations_created"] == 12_000
    assert "Nhập sao kê" in client.get("/tasks/").content.decode()


def test_consent_to_publish_a_name_can_be_withdrawn_and_the_public_list_follows(login):
    from phocap.core.models import AuditEvent
    from phocap.fundraising.models import Donor

    donor = Donor.objects.get(name="Hoàng Văn Bình (ví dụ)")
    assert "Hoàng Văn Bình" in Client().get("/cong-khai/bac-kan-2023/").content.decode()
    client = login("mttq")
    assert client.post(f"{P}/nha-tai-tro/", {"donor": donor.pk, "publish": "0"}).status_code == 302
    cache.clear()
    assert "Hoàng Văn Bình" not in Client().get("/cong-khai/bac-kan-2023/").content.decode()
    assert "Hoàng Văn Bình" not in b"".join(
        Client().get("/cong-khai/bac-kan-2023/danh-sach.csv").streaming_content
    ).decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="donor.consent", object_id=str(donor.pk)).exists()
    assert login("kiemtoan").post(f"{P}/nha-tai-tro/", {"donor": donor.pk, "publish": "1"}).status_code == 404


def test_phones_in_kind_are_recorded_on_the_web(login):
    client = login("mttq")
    response = client.post(
        f"{P}/ung-ho/hien-vat/",
        {
            "donor_name": "Công ty TNHH Điện máy Xanh Bắc Kạn",
            "donor_kind": "enterprise",
            "tax_code": "0100109106",  # a company not yet known (4700555558 is the demo's MobiFone: it would be asked)
            "phones": 10,
            "phone_model": "Xiaomi Redmi A3",
            "amount": 19_000_000,
            "received_on": "2023-11-20",
        },
    )
    assert response.status_code == 302
    gift = Donation.objects.latest("id")
    assert (gift.channel, gift.phones, gift.amount) == ("in_kind", 10, 19_000_000)
    assert hasattr(gift, "receipt")  # an enterprise gift: receipt issued with it


def test_the_walk_in_code_is_made_by_a_fundraiser_not_by_opening_a_page(login, user):
    """A GET writes nothing: a programme without its general code shows a button; the fundraiser's POST makes it."""
    import dataclasses

    from phocap.accounts.services import membership_grant
    from phocap.core.actors import SYSTEM
    from phocap.fundraising.models import WalkInCode
    from phocap.programmes import definition
    from phocap.programmes.services import programme_define

    other = programme_define(
        actor=SYSTEM, definition=dataclasses.replace(definition.load("bac-kan-2023"), code="khong-ma-chung")
    )
    membership_grant(actor=SYSTEM, user=user("mttq"), role="fundraising_officer", programme=other)
    client = login("mttq")
    client.handler.enforce_csrf_checks = True
    page = client.get("/p/khong-ma-chung/quyen-gop/")
    assert page.status_code == 200
    assert "Tạo mã chung" in page.content.decode()
    assert not WalkInCode.objects.filter(programme=other).exists()
    made = client.post(
        "/p/khong-ma-chung/quyen-gop/", {"action": "walk_in", "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )
    assert made.status_code == 302
    code = WalkInCode.objects.get(programme=other)
    assert code.reference in client.get("/p/khong-ma-chung/quyen-gop/").content.decode()
