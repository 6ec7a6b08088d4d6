"""Privacy by role, crawled: as the auditor, a department officer and an enterprise partner, every page reachable
from the home page (and the files it links to) and every GET operation of the API is opened, and none may show a
resident's name, identity number or phone, a team member's name, a donor who did not agree to be named, or a
bank transfer's text. The audit page still names people by number only; an administrator sees masked names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from phocap.accounts.models import User
from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.fundraising.models import Donor
from phocap.fundraising.sample_statements import Row, render
from phocap.fundraising.services import DonorInput, donation_record
from phocap.fundraising.statements import statement_import
from phocap.onboarding import services as onboarding
from phocap.registry import services as registry_services
from phocap.registry.models import Resident
from tests.allocation.test_rounds import registry  # noqa: F401 - fixtures
from tests.conftest import verify_second_factor
from tests.handover.test_handover import approved, event  # noqa: F401
from tests.onboarding.test_onboarding import handed  # noqa: F401
from tests.security.crawl import Crawl, api_gets, crawl, leaks

pytestmark = pytest.mark.django_db
PRIVATE_DONOR = "Vi Văn Kín Đáo"
TRANSFER = "CHUYEN KHOAN UNG HO TU NGUYEN THI BI MAT 0988777666"
MEMBER = "Sầm Thị Tổ Viên"


@pytest.fixture
def seeded(handed, user, programme):  # noqa: F811
    """People in every corner: residents handed phones (the fixtures), a village team with a member, a person who
    gave without agreeing to be named, and a transfer nobody could match (its text names the payer)."""
    officer, fundraiser = user("xa-giaohieu"), user("mttq")
    commune = programme.communes.get(unit__code="01870")
    team = onboarding.team_create(actor=officer, commune=commune, village="Nà Pài", name="")
    onboarding.team_member_add(actor=officer, team=team, name=MEMBER, is_leader=True)
    donation_record(
        actor=fundraiser,
        programme=programme,
        channel="cash",
        donor=DonorInput(kind="individual", name=PRIVATE_DONOR, publish_name=False),
        amount=700_000,
        received_on=dt.date(2023, 9, 12),
        collection_point=programme.collection_points.get(key="tinh"),
        cash_receipt_number="PT-KIN",
    )
    statement = render("bidv", "113000000001", [Row(dt.date(2023, 9, 13), "K1", 333_000, TRANSFER)])
    statement_import(actor=fundraiser, programme=programme, data=statement, filename="k.xlsx")
    person = Resident.objects.filter(commune=commune).order_by("pk").first()
    assert person is not None
    registry_services.resident_correct(actor=officer, resident=person, values={"village": "Nà Pài", "notes": "sửa"})
    return programme


def _secrets() -> dict[str, str]:
    found: dict[str, str] = {PRIVATE_DONOR: "a donor who did not agree to be named", TRANSFER: "a transfer's text"}
    found[MEMBER] = "a team member"
    for person in Resident.objects.all():
        found[person.full_name] = "a resident's name"
        found.update({person.id_number: "an identity number"} if person.id_number else {})
        found.update({person.phone: "a phone number"} if person.phone else {})
    # names that are rightly public elsewhere (a donor who agreed, a member of staff) are not looked for
    public = " | ".join([*Donor.objects.filter(publish_name=True).values_list("name", flat=True)])
    public += " | ".join(User.objects.values_list("full_name", flat=True))
    return {value: what for value, what in found.items() if value not in public}


def _api_paths(programme) -> list[str]:
    document = Client().get("/api/v1/openapi.json").json()
    values = {
        "code": [programme.code],
        "commune_code": list(programme.communes.values_list("unit__code", flat=True)),
        "reference": list(programme.pledges.values_list("reference", flat=True)[:5]),
        "round_id": [str(pk) for pk in programme.allocation_rounds.values_list("pk", flat=True)],
        "kind": ["tien-do", "quy", "nguoi-nhan"],
        "job_id": ["1"],
        "unit_id": ["1"],
    }
    paths = [p for p in api_gets(document, values) if "/geo/" not in p]
    reports = [p for p in paths if "/reports/" in p]
    return [p for p in paths if p not in reports] + [f"{p}?format={f}" for p in reports for f in ("pdf", "xlsx")]


@pytest.mark.parametrize("username", ["kiemtoan", "so-tttt", "vnpt"])
def test_no_personal_data_on_any_page_or_api_list_for_readers_of_figures(seeded, user, username):
    secrets = _secrets()
    assert len(secrets) > 12  # the crawl looks for something real
    browser = Client()
    browser.force_login(user(username))
    verify_second_factor(browser, user(username))
    pages = crawl(browser, limit=500)
    _, token = api_token_create(actor=SYSTEM, user=user(username), name="crawl")
    api = crawl(Client(), start=_api_paths(seeded), headers={"Authorization": f"Bearer {token}"})
    seen = Crawl({**pages.texts, **api.texts}, {**pages.statuses, **api.statuses})
    assert len([u for u, s in seen.statuses.items() if s == 200]) >= 20, seen.statuses
    assert not [u for u, s in seen.statuses.items() if s >= 500]
    assert leaks(seen, secrets) == []


def test_the_crawl_finds_what_a_manager_may_see(seeded, user):
    """The same crawl as the programme manager does find people: the check above is not blind."""
    browser = Client()
    browser.force_login(user("quanly"))
    verify_second_factor(browser, user("quanly"))
    found = {what for _, what, _ in leaks(crawl(browser, limit=500), _secrets())}
    assert {"a resident's name", "a team member", "a donor who did not agree to be named"} <= found


def test_the_audit_trail_names_people_by_number_and_masks_them_for_the_administrator(seeded, user, login):
    secrets = _secrets()
    stored = [e.object_repr + str(e.changes) for e in AuditEvent.objects.all()]
    assert not [(v, s) for s in stored for v in secrets if v in s][:5]
    auditor_page = login("kiemtoan").get("/audit/?action=resident.correct").content.decode()
    assert "Người dân #" in auditor_page
    assert " · " not in auditor_page.split("Người dân #", 1)[1][:40]  # the number alone
    admin_page = login("admin").get("/audit/?action=resident.correct").content.decode()
    number = admin_page.split("Người dân #", 1)[1].split("<", 1)[0]  # "12 · N*** T** H**"
    person = Resident.objects.get(pk=int(number.split(" ")[0]))
    assert number.split(" · ")[1] == " ".join(w[0] + "*" * (len(w) - 1) for w in person.full_name.split())
