"""One user intent, one transaction: a pledge or a gift typed with a new donor's name, when refused for any
reason, leaves nothing behind — no donor, no audit row — through the page, the API and the command line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.fundraising.models import Donation, Donor, Pledge

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023/quyen-gop"
API = "/api/v1/programmes/bac-kan-2023"
NAME = "Công ty Bị Từ Chối"


@pytest.fixture
def nothing_left() -> Iterator[None]:
    """After the refused attempt: the donor it named does not exist, and no row was audited."""

    def counts() -> tuple[int, ...]:
        audited = AuditEvent.objects.exclude(action__startswith="auth.").count()  # signing in is audited too
        return (Donor.objects.count(), Pledge.objects.count(), Donation.objects.count(), audited)

    before = counts()
    yield
    assert not Donor.objects.filter(name=NAME).exists()
    after = counts()
    assert after == before


def _browser(login) -> Client:
    """A fundraising officer's browser session, with the CSRF check a real browser meets."""
    client = login("mttq")
    page = client.get(f"{P}/cam-ket/")
    assert page.status_code == 200
    return client


@pytest.fixture
def bearer(user) -> dict[str, str]:
    """A partner script's real bearer token (made before `nothing_left` counts the rows)."""
    _, secret = api_token_create(actor=SYSTEM, user=user("mttq"), name="thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_pledge_the_form_refuses_leaves_no_donor_on_the_web(login, nothing_left):
    client = _browser(login)
    token = client.cookies["csrftoken"].value
    page = client.post(
        f"{P}/cam-ket/",
        {
            "csrfmiddlewaretoken": token,
            "donor_kind": "enterprise",
            "donor_name": NAME,
            "amount": 0,  # refused by the form
        },
    )
    assert page.status_code == 200
    page = client.post(
        f"{P}/cam-ket/",
        {"csrfmiddlewaretoken": token, "donor_kind": "enterprise", "donor_name": NAME, "tax_code": "0100109107"},
    )
    assert page.status_code == 200  # neither an amount nor phones: the form says so


def test_a_pledge_refused_by_the_service_leaves_no_donor_on_the_web(login, nothing_left, monkeypatch):
    """The donor is created inside the pledge's transaction: a refusal after it takes the donor back too."""
    from phocap.fundraising.services import pledges

    client = _browser(login)

    def refuse(reference: str | None) -> None:  # a refusal that comes after the donor was found or created
        from phocap.core.errors import ValidationFailed

        if reference is None:
            raise ValidationFailed("Mã tham chiếu không dùng được.", field="reference")

    monkeypatch.setattr(pledges, "_unused_reference", lambda: refuse(None))
    page = client.post(
        f"{P}/cam-ket/",
        {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "donor_kind": "enterprise",
            "donor_name": NAME,
            "amount": 5_000_000,
        },
    )
    assert page.status_code == 200
    assert "Mã tham chiếu không dùng được." in page.content.decode()


def test_a_cash_gift_outside_the_campaign_leaves_no_donor_on_the_web(login, nothing_left):
    client = _browser(login)
    page = client.post(
        f"{P}/ung-ho/",
        {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "collection_point": "tinh",
            "amount": 1_000_000,
            "received_on": "2024-03-01",  # after the drive: refused without the manager's reason
            "cash_receipt_number": "PT-1",
            "donor_name": NAME,
            "donor_kind": "enterprise",
        },
    )
    assert page.status_code == 200
    assert "ngoài thời gian vận động" in page.content.decode()


def test_an_in_kind_gift_without_phones_leaves_no_donor_on_the_web(login, nothing_left, monkeypatch):
    from phocap.fundraising.services import gifts

    client = _browser(login)
    monkeypatch.setattr(gifts, "receipts_for_enterprises", _fail)
    page = client.post(
        f"{P}/ung-ho/hien-vat/",
        {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "donor_name": NAME,
            "donor_kind": "enterprise",
            "phones": 2,
            "phone_model": "Nokia",
            "amount": 3_000_000,
            "received_on": "2023-10-01",
        },
    )
    assert page.status_code == 200
    assert "Máy in giấy chứng nhận hỏng." in page.content.decode()


def _fail(*args: object, **kwargs: object) -> None:
    """Something refused at the very end of a gift's transaction (after the donor, the entry, the donation)."""
    from phocap.core.errors import Conflict

    raise Conflict("Máy in giấy chứng nhận hỏng.")


def test_a_pledge_for_an_unknown_commune_leaves_no_donor_through_the_api(bearer, nothing_left):
    response = Client(enforce_csrf_checks=True).post(
        f"{API}/pledges",
        json.dumps({"donor_kind": "enterprise", "donor_name": NAME, "amount": 5_000_000, "commune_code": "99999"}),
        content_type="application/json",
        **bearer,
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_cash_gift_refused_late_leaves_no_donor_through_the_api(bearer, nothing_left, monkeypatch):
    from phocap.fundraising.services import gifts

    monkeypatch.setattr(gifts, "receipts_for_enterprises", _fail)
    response = Client(enforce_csrf_checks=True).post(
        f"{API}/donations/cash",
        json.dumps(
            {
                "collection_point": "tinh",
                "amount": 2_000_000,
                "received_on": "2023-09-01",
                "cash_receipt_number": "PT-2",
                "donor_kind": "enterprise",
                "donor_name": NAME,
            }
        ),
        content_type="application/json",
        **bearer,
    )
    assert response.status_code == 409
    assert response.json()["title"] == "Máy in giấy chứng nhận hỏng."


def test_a_refused_pledge_and_a_refused_gift_leave_no_donor_from_the_command_line(cli, tmp_path):
    """Through the real console script, on a database of its own."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert cli("init", "--programme", "bac-kan-2023", database_url=url).returncode == 0
    bad_pledge = cli(
        "fundraising", "pledge-add", "--programme", "bac-kan-2023", "--donor-kind", "enterprise",
        "--donor-name", NAME, "--amount", "5000000", "--commune", "99999", database_url=url,
    )  # fmt: skip
    assert bad_pledge.returncode == 2
    late_gift = cli(
        "fundraising", "cash-add", "--programme", "bac-kan-2023", "--point", "tinh", "--amount", "1000000",
        "--date", "2024-03-01", "--receipt-number", "PT-9", "--donor-kind", "enterprise", "--donor-name", NAME,
        database_url=url,
    )  # fmt: skip
    assert late_gift.returncode == 2
    assert "ngoài thời gian vận động" in late_gift.stderr
    small = cli(
        "fundraising", "cash-add", "--programme", "bac-kan-2023", "--point", "tinh", "--amount", "5.000",
        "--date", "2023-09-01", "--receipt-number", "PT-10", "--donor-kind", "enterprise", "--donor-name", NAME,
        database_url=url,
    )  # fmt: skip
    assert small.returncode == 2
    assert "Số tiền nhỏ: 5.000 ₫" in small.stderr
    unreadable = cli(
        "fundraising", "pledge-add", "--programme", "bac-kan-2023", "--donor-kind", "enterprise",
        "--donor-name", NAME, "--amount", "năm triệu", database_url=url,
    )  # fmt: skip
    assert unreadable.returncode == 2
    assert "Số tiền không đọc được" in unreadable.stderr
    shown = cli("manage", "shell", "--no-imports", "-c", _COUNT, database_url=url)
    assert shown.stdout.split()[-2:] == ["0", "0"], shown.stderr
    _cash_from_the_command_line(cli, url)


def _cash_from_the_command_line(cli, url):
    """Issue #16's documented commands: a receipt number once per point and year; a deposit slip never above what
    the point holds, answering {"deposit", "point_balance"}."""
    given = ("fundraising", "cash-add", "--programme", "bac-kan-2023", "--point", "na-ri", "--date", "2023-09-01")
    first = cli(*given, "--amount", "3 triệu", "--receipt-number", "PT-NR-1", "--json", database_url=url)
    assert first.returncode == 0, first.stderr
    again = cli(*given, "--amount", "1.000.000", "--receipt-number", "PT-NR-1", database_url=url)
    assert again.returncode == 2
    assert "đã dùng" in again.stderr
    deposit = ("fundraising", "cash-deposit", "--programme", "bac-kan-2023", "--point", "na-ri", "--date", "2023-09-05")
    paid = cli(*deposit, "--amount", "2.000.000", "--reference", "GNT-7", "--json", database_url=url)
    assert paid.returncode == 0, paid.stderr
    answer = json.loads(paid.stdout)
    assert set(answer) == {"deposit", "point_balance"}
    assert answer["point_balance"] == 1_000_000
    over = cli(*deposit, "--amount", "1.000.001", database_url=url)
    assert over.returncode == 2
    assert "đang giữ 1.000.000 ₫" in over.stderr
    _donor_asked_from_the_command_line(cli, url)


def _donor_asked_from_the_command_line(cli, url):
    add = ("fundraising", "pledge-add", "--programme", "bac-kan-2023", "--donor-kind", "enterprise", "--amount", "5tr")
    first = cli(*add, "--donor-name", "Công ty Sao Mai", "--tax-code", "0100109106", "--json", database_url=url)
    assert first.returncode == 0, first.stderr
    asked = cli(*add, "--donor-name", "Công ty Sao Hôm", "--tax-code", "0100109106", database_url=url)
    assert asked.returncode == 2
    assert "«Công ty Sao Mai»" in asked.stderr
    number = asked.stderr.split("--same-donor ")[1].split(")")[0]
    answered = cli(
        *add, "--donor-name", "Công ty Sao Hôm", "--tax-code", "0100109106", "--same-donor", number, "--json",
        database_url=url,
    )  # fmt: skip
    assert answered.returncode == 0, answered.stderr


_COUNT = (
    "from phocap.fundraising.models import Donor; from phocap.core.models import AuditEvent; "
    f"print(Donor.objects.filter(name={NAME!r}).count(), "
    "AuditEvent.objects.filter(action__in=['donor.create', 'pledge.create', 'donation.record']).count())"
)


def test_a_pledge_with_a_new_donor_creates_both_in_one_go(programme, user):
    """The other side: accepted, the donor and the pledge come together, each audited."""
    from phocap.fundraising import services

    pledge = services.pledge_create(
        actor=user("mttq"),
        programme=programme,
        donor=services.DonorInput(kind="enterprise", name="Công ty Nhận Lời"),
        amount=1_000_000,
        due_date=dt.date(2023, 12, 1),
    )
    assert pledge.donor.name == "Công ty Nhận Lời"
    rows = AuditEvent.objects.filter(object_id__in=[str(pledge.pk), str(pledge.donor.pk)])
    actions = set(rows.values_list("action", flat=True))
    assert {"donor.create", "pledge.create"} <= actions
