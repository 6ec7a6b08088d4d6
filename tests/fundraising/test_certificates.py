"""Issue #16: certificates of donation issued on purpose — one at a time or every gift of a period without one —
numbered per programme and year without the software's slug, printed as one PDF, e-mailed through a real SMTP
conversation (a local aiosmtpd server) to the donors who gave an address; on the web, the API and the console."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import itertools
import json
import logging
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings
from pypdf import PdfReader

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.models import AuditEvent
from phocap.fundraising import services
from phocap.fundraising.models import Donation, Receipt, ReceiptEmail
from phocap.fundraising.services import receipts as certificates
from phocap.programmes import definition

pytestmark = pytest.mark.django_db
NUMBERS = itertools.count(1)
DAY = dt.date(2023, 10, 20)


def gift(programme, officer, day=DAY, donor=None, amount=1_000_000) -> Donation:
    return services.donation_record(
        actor=officer,
        programme=programme,
        channel="cash",
        amount=amount,
        received_on=day,
        collection_point=programme.collection_points.get(key="tinh"),
        cash_receipt_number=f"PT-GCN-{next(NUMBERS)}",
        donor=donor,
    )


def person(programme, officer, name, address=""):
    return services.donor_create(
        actor=officer, programme=programme, kind="individual", name=name, contact_email=address
    )


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


class Inbox:
    """The aiosmtpd handler: keeps each message as received; refuses the addresses it is told to."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


def smtp_at(port: int) -> dict:
    backend = "django.core.mail.backends.smtp.EmailBackend"
    return {"default": {"BACKEND": backend, "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it (no TLS: it is local)."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # its thread's notes outlive the test's log capture
    inbox = Inbox(refuse=("refused@example.org",))
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            MAILERS=smtp_at(port), DEFAULT_FROM_EMAIL="Ban vận động <khong-tra-loi@mttq.example.vn>"
        ):
            yield inbox
    finally:
        controller.stop()


def test_a_period_is_certified_in_one_batch_numbered_per_year_without_the_slug(programme, user, monkeypatch):
    officer = user("mttq")
    late, early = gift(programme, officer, DAY), gift(programme, officer, DAY - dt.timedelta(days=3))
    undone = gift(programme, officer, DAY)
    services.donation_reverse(actor=officer, donation=undone, reason="ghi nhầm")
    before = Receipt.objects.filter(programme=programme, year=certificates.this_year()).count()
    since = DAY - dt.timedelta(days=5)
    waiting = set(Donation.objects.filter(received_on__gte=since, reversed_at__isnull=True, receipt__isnull=True))
    issued = services.receipts_issue_period(actor=officer, programme=programme, start=since)
    assert {r.donation for r in issued} == waiting
    assert undone not in {r.donation for r in issued}
    assert [r.number for r in issued] == list(range(before + 1, before + len(issued) + 1))  # consecutive
    order = [r.donation for r in issued]
    assert order.index(early) < order.index(late)  # in the order the gifts were received
    assert issued[0].label == f"{before + 1:05d}/GCN-MTTQ"
    assert programme.code not in issued[0].label
    assert services.receipts_issue_period(actor=officer, programme=programme, start=since) == []
    assert AuditEvent.objects.filter(action="receipt.issue", object_id=str(issued[0].pk)).count() == 1

    # a new year starts again from 1; last year's numbers stay theirs
    monkeypatch.setattr(certificates, "this_year", lambda: 2099)
    next_year = services.receipt_issue(actor=officer, donation=gift(programme, officer))
    assert (next_year.year, next_year.number, next_year.label) == (2099, 1, "00001/GCN-MTTQ")
    with pytest.raises(ValidationFailed, match="sau ngày đầu kỳ"):
        services.receipts_issue_period(actor=officer, programme=programme, start=DAY, end=DAY - dt.timedelta(days=1))
    with pytest.raises(Conflict):
        services.receipt_issue(actor=officer, donation=Donation.objects.get(pk=undone.pk))


def test_the_symbol_comes_from_the_programme_definition():
    base = definition.load("bac-kan-2023")
    assert base.receipt_symbol == "GCN-MTTQ"
    import tomllib

    data = tomllib.loads(definition.resolve_path("bac-kan-2023").read_text(encoding="utf-8"))
    data["receipts"] = {"symbol": "GCN-BVĐ"}
    assert definition.parse(data).receipt_symbol == "GCN-BVĐ"
    data["receipts"] = {"symbol": "gcn/bac-kan"}
    with pytest.raises(ValidationFailed, match="symbol"):
        definition.parse(data)


def test_one_pdf_of_many_pages_and_opening_links_numbers_nothing(programme, user, login):
    officer = user("mttq")
    gifts = [gift(programme, officer, dt.date(2023, 11, 2)) for _ in range(3)]
    client = login("mttq")
    page = "/p/bac-kan-2023/quyen-gop/giay-chung-nhan/"
    for url in (
        f"{page}?from=2023-11-02&to=2023-11-02",
        f"/p/bac-kan-2023/quyen-gop/ung-ho/{gifts[0].pk}/giay-chung-nhan.pdf",
    ):
        client.get(url)  # a crawler, a preview, a double tap on a link
    assert not Receipt.objects.filter(donation__in=gifts).exists()
    shown = client.get(f"{page}?from=2023-11-02&to=2023-11-02").content.decode()
    assert "còn 3 khoản chưa có giấy chứng nhận" in shown
    done = client.post(page, {"from": "2023-11-02", "to": "2023-11-02", "action": "issue"}, follow=True)
    assert "Đã cấp 3 giấy chứng nhận" in done.content.decode()
    issued = list(Receipt.objects.filter(donation__in=gifts).order_by("number"))
    assert len(issued) == 3
    pdf = client.get(f"{page}?from=2023-11-02&to=2023-11-02&download=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "no-store" in pdf["Cache-Control"]
    pages = pdf_text(pdf.content)
    assert [f"Số: {r.label}" in text for r, text in zip(issued, pages, strict=False)] == [True] * 3
    assert len(pages) >= 3  # the period may hold earlier gifts' certificates too
    assert AuditEvent.objects.filter(action="receipt.print", programme_code="bac-kan-2023").exists()
    again = client.post(page, {"from": "2023-11-02", "to": "2023-11-02", "action": "issue"}, follow=True)
    assert "Mọi khoản trong kỳ đã có giấy chứng nhận" in again.content.decode()
    assert login("xa-giaohieu").get(page).status_code == 404


def test_certificates_are_emailed_once_over_smtp_to_donors_with_an_address(programme, user, smtp):
    officer = user("mttq")
    day = dt.date(2023, 11, 15)
    lan = gift(programme, officer, day, person(programme, officer, "Hoàng Thị Lan", "lan@example.org"))
    gift(programme, officer, day, person(programme, officer, "Nông Văn Bảo"))  # gave no address
    gift(programme, officer, day, person(programme, officer, "Lý Văn Tú", "refused@example.org"))
    issued = services.receipts_issue_period(actor=officer, programme=programme, start=day, end=day)
    sent = services.receipts_email(actor=officer, programme=programme, receipts=issued)
    assert (len(sent.sent), sent.without_address, sent.failed) == (1, 1, 1)
    [(to, message)] = smtp.messages
    assert to == ["lan@example.org"]
    receipt = lan.receipt
    assert receipt.label in message["Subject"]
    [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == receipt.file_name
    assert f"Số: {receipt.label}" in pdf_text(attachment.get_payload(decode=True))[0]
    assert "Hoàng Thị Lan" in message.get_body(("plain",)).get_content()
    event = AuditEvent.objects.get(action="receipt.email", object_id=str(receipt.pk))
    assert "lan@example.org" not in json.dumps([event.object_repr, event.changes], ensure_ascii=False)
    again = services.receipts_email(actor=officer, programme=programme, receipts=issued)
    assert again.sent == []
    assert len(smtp.messages) == 1  # once
    assert ReceiptEmail.objects.filter(receipt=receipt).count() == 1


def test_an_unreachable_mail_server_sends_nothing_and_says_so(programme, user):
    officer = user("mttq")
    donation = gift(programme, officer, donor=person(programme, officer, "Đàm Thị Hoa", "hoa@example.org"))
    receipt = services.receipt_issue(actor=officer, donation=donation)
    with override_settings(MAILERS=smtp_at(free_port())), pytest.raises(Conflict, match="máy chủ gửi thư") as refused:
        services.receipts_email(actor=officer, programme=programme, receipts=[receipt])
    assert refused.value.code == "email_unreachable"
    assert not ReceiptEmail.objects.filter(receipt=receipt).exists()


def test_the_api_issues_a_period_and_a_single_gift_with_a_bearer_token(programme, user, smtp):
    officer = user("mttq")
    _, secret = api_token_create(actor=SYSTEM, user=officer, name="kế toán")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    day = dt.date(2023, 11, 20)
    one = gift(programme, officer, day, person(programme, officer, "Ma Văn Khánh", "khanh@example.org"))
    gift(programme, officer, day)
    base = "/api/v1/programmes/bac-kan-2023/fundraising"
    single = api.post(f"{base}/donations/{one.pk}/receipt")
    assert single.status_code == 200, single.content
    assert single.json()["label"] == one.receipt.label
    assert api.post(f"{base}/donations/{one.pk}/receipt").json()["number"] == single.json()["number"]  # a retry
    batch = api.post(f"{base}/receipts", {"from": "2023-11-20", "to": "2023-11-20", "email": True}, "application/json")
    assert batch.status_code == 200, batch.content
    body = batch.json()
    assert (len(body["issued"]), body["emailed"], body["without_address"]) == (1, 1, 1)
    assert [to for to, _ in smtp.messages] == [["khanh@example.org"]]
    pdf = api.get(f"{base}/receipts.pdf?from=2023-11-20&to=2023-11-20")
    assert pdf.status_code == 200
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 2
    bad = api.post(f"{base}/receipts", {"from": "2023-11-21", "to": "2023-11-20"}, "application/json")
    assert bad.status_code == 422
    assert "sau ngày đầu kỳ" in bad.json()["title"]
    _, commune = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="xã")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {commune}").post(
        f"{base}/receipts", {}, "application/json"
    ).status_code in (403, 404)


def test_the_console_issues_a_period_into_one_pdf(programme, user, tmp_path, capsys):
    from phocap.cli import main

    officer = user("mttq")
    day = dt.date(2023, 11, 25)
    for _ in range(2):
        gift(programme, officer, day)
    target = tmp_path / "gcn.pdf"
    args = ["--as", "mttq", "fundraising", "receipt", "--programme", "bac-kan-2023", "--all"]
    assert main([*args, "--from", "2023-11-25", "--to", "2023-11-25", "--out", str(target), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["issued"], result["file"]) == (2, str(target))
    assert all(n.endswith("/GCN-MTTQ") for n in result["numbers"])
    assert [f"Số: {n}" in text for n, text in zip(result["numbers"], pdf_text(target.read_bytes()), strict=True)] == [
        True,
        True,
    ]
    assert main([*args, "--from", "2023-11-25", "--to", "2023-11-25", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["issued"] == 0


def test_the_database_refuses_a_certificate_without_its_symbol(programme, user):
    from django.db import IntegrityError, transaction

    donation = gift(programme, user("mttq"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(programme=programme, year=2030, number=1, symbol="", donation=donation, issued_by="x")
