"""Issue #17's done-when: after a round is approved on a fresh database, the lists are posted per village; each
selected person with a phone and consent to be contacted gets exactly one invitation, sent once however often the
sender runs; the self-check shows a selected person their event without their name; a public complaint reaches only
its commune's officer and the manager, and is overdue after its deadline. The SMS and Zalo backends are checked
against a local server speaking the providers' documented requests (no real provider is reached)."""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from phocap.accounts.models import Membership, Role, User
from phocap.allocation import postings
from phocap.allocation import selectors as allocation_selectors
from phocap.complaints import selectors as complaints
from phocap.core.actors import SYSTEM
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict
from phocap.handover import services as handover
from phocap.notifications import services as notify
from phocap.notifications.models import Message
from phocap.notifications.texts import segments, sms_text
from phocap.registry.consents import consent_bulk
from phocap.registry.models import Resident
from phocap.registry.search import ResidentFilter
from tests.allocation.test_rounds import GIAO_HIEU, registry, stock  # noqa: F401 - fixture
from tests.complaints.provider import Provider
from tests.handover.test_handover import approved, post_lists  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
P = "/api/v1/public/bac-kan-2023"
NUMBER = "006190012345"


def _reachable(programme):
    """Giáo Hiệu's people have a phone and said yes to being contacted."""
    people = Resident.objects.filter(programme=programme, commune__unit__code=GIAO_HIEU).order_by("pk")
    for i, person in enumerate(people):
        Resident.objects.filter(pk=person.pk).update(phone=f"09120000{i:02d}")
    consent_bulk(
        actor=SYSTEM,
        programme=programme,
        given_on=dt.date(2023, 9, 15),
        method="paper",
        kind="contact",
        filters=ResidentFilter(commune=GIAO_HIEU),
    )


def _event(round_, user, days=3):
    commune = round_.programme.communes.get(unit__code=GIAO_HIEU)
    return handover.event_create(
        actor=user("xa-giaohieu"),
        programme=round_.programme,
        commune=commune,
        held_on=timezone.localdate() + dt.timedelta(days=days),
        place="Nhà văn hóa thôn Nà Coóc",
        starts_at=dt.time(8, 30),
    )


def test_the_lists_are_posted_per_village_without_numbers_or_phones(approved, user):  # noqa: F811
    mine = approved.postings.get(commune__unit__code=GIAO_HIEU)
    assert (mine.posted_on, mine.ends_on) == (dt.date(2023, 10, 23), dt.date(2023, 10, 27))
    villages = postings.posting_villages(mine)
    assert villages
    pdf = postings.posting_pdf(actor=user("xa-giaohieu"), posting=mine)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= len(villages)
    text = " ".join(p.extract_text() for p in reader.pages)
    person = allocation_selectors.expected(mine.commune).first().resident
    assert person.full_name in text
    assert "DANH SÁCH NIÊM YẾT CÔNG KHAI" in text
    assert "27/10/2023" in text
    if person.phone:
        assert person.phone not in text


def test_a_hall_waits_for_the_posting_unless_the_manager_says_why(registry, user):  # noqa: F811
    stock(registry, 5)
    checker = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=registry)
    from phocap.allocation import services as allocation

    round_ = allocation.round_approve(
        actor=checker, round_=allocation.round_propose(actor=user("quanly"), programme=registry, seed="s")
    )
    with pytest.raises(Conflict) as refused:
        _event(round_, user)
    assert refused.value.code == "posting_period"
    mine = round_.postings.get(commune__unit__code=GIAO_HIEU)
    postings.posting_record(actor=user("xa-giaohieu"), posting=mine, posted_on=timezone.localdate())
    with pytest.raises(Conflict):
        _event(round_, user, days=1)  # still posted tomorrow
    with pytest.raises(Exception, match="quản lý"):
        postings.posting_early_start(actor=user("xa-giaohieu"), posting=mine, reason="Bão sắp đến")
    postings.posting_early_start(actor=user("quanly"), posting=mine, reason="Bão sắp đến, trao sớm")
    assert _event(round_, user, days=1).pk


def test_each_selected_person_is_invited_once_however_often_the_sender_runs(approved, user, settings, tmp_path):  # noqa: F811
    _reachable(approved.programme)
    event = _event(approved, user)
    settings.PHOCAP_NOTIFY_BACKEND = f"file:{tmp_path}"
    expected = allocation_selectors.expected(event.commune)
    reachable = [r.resident for r in expected]
    dry = notify.notify_send_due(actor=user("quanly"), programme=approved.programme, dry_run=True)
    assert dry == {"queued": len(reachable), "sent": 0, "failed": 0}
    assert not Message.objects.exists()
    first = notify.notify_send_due(actor=user("quanly"), programme=approved.programme)
    assert first == {"queued": len(reachable), "sent": len(reachable), "failed": 0}
    again = notify.notify_send_due(actor=user("quanly"), programme=approved.programme)
    assert again == {"queued": 0, "sent": 0, "failed": 0}
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == len(reachable)
    sent = [json.loads(f.read_text()) for f in files]
    assert {m["to"] for m in sent} == {p.phone for p in reachable}
    for m in sent:
        assert m["template"] == "invitation"
        assert "8:30" in m["text"] or "08:30" in m["text"]
        assert "CCCD" in m["text"]
        assert (m["encoding"], m["segments"]) == ("GSM-7", 1)
    assert Message.objects.filter(status="delivered").count() == len(reachable)


def test_nobody_without_consent_or_opted_out_is_messaged(approved, user, settings, tmp_path):  # noqa: F811
    event = _event(approved, user)
    settings.PHOCAP_NOTIFY_BACKEND = f"file:{tmp_path}"
    people = [r.resident for r in allocation_selectors.expected(event.commune)]
    Resident.objects.filter(pk__in=[p.pk for p in people]).update(phone="0912000099")
    assert notify.notify_send_due(actor=user("quanly"), programme=approved.programme)["queued"] == 0  # no consent
    _reachable(approved.programme)
    first = Resident.objects.get(pk=people[0].pk)
    notify.contact_opt_out(actor=user("xa-giaohieu"), programme=approved.programme, recipient=first.phone)
    done = notify.notify_send_due(actor=user("quanly"), programme=approved.programme)
    assert done["queued"] == len(people) - 1
    assert not Message.objects.filter(recipient=first.phone).exists()


def test_the_self_check_shows_the_event_without_a_name(approved, user):  # noqa: F811
    event = _event(approved, user)
    person = allocation_selectors.expected(event.commune).first().resident
    Resident.objects.filter(pk=person.pk).update(id_number=NUMBER, id_hash=blind_index(NUMBER))
    public = Client(enforce_csrf_checks=True)
    answer = public.get(f"{P}/self-check", {"id_number": NUMBER, "birth_year": person.birth_year})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == {"listed", "commune", "village", "eligible", "reason", "selected", "rank", "event"}
    assert (body["listed"], body["eligible"], body["selected"]) == (True, True, True)
    assert body["event"] == {"date": f"{event.held_on.isoformat()} 08:30", "place": event.place}
    assert body["commune"] == event.commune.unit.name
    raw = answer.content.decode()
    assert person.full_name not in raw
    assert NUMBER not in raw
    wrong = public.get(f"{P}/self-check", {"id_number": NUMBER, "birth_year": person.birth_year + 1}).json()
    assert wrong["listed"] is False
    assert wrong["commune"] == ""
    bad = public.get(f"{P}/self-check", {"id_number": "123", "birth_year": 1970})
    assert bad.status_code == 422


def test_the_self_check_says_why_someone_is_not_eligible(approved, user):  # noqa: F811
    from phocap.allocation.models import Reservation

    held = Reservation.objects.filter(round=approved).values_list("resident_id", flat=True)
    other = Resident.objects.filter(programme=approved.programme).exclude(pk__in=held).first()
    Resident.objects.filter(pk=other.pk).update(id_number=NUMBER, id_hash=blind_index(NUMBER))
    other.consents.all().delete()
    body = Client().get(f"{P}/self-check", {"id_number": NUMBER, "birth_year": other.birth_year}).json()
    assert (body["listed"], body["eligible"], body["reason"]) == (True, False, "chưa có phiếu đồng ý")


def test_the_self_check_is_throttled_per_address(approved):  # noqa: F811
    public = Client()
    answers = [
        public.get(f"{P}/self-check", {"id_number": NUMBER, "birth_year": 1970}, REMOTE_ADDR="10.0.0.9").status_code
        for _ in range(21)
    ]
    assert answers[:20] == [200] * 20
    assert answers[20] == 429
    assert (
        public.get(f"{P}/self-check", {"id_number": NUMBER, "birth_year": 1970}, REMOTE_ADDR="10.0.0.8").status_code
        == 200
    )


def test_a_public_complaint_reaches_its_commune_and_the_manager_and_goes_overdue(approved, user, cli_json):  # noqa: F811
    public = Client(enforce_csrf_checks=True)
    body = {"commune": GIAO_HIEU, "category": "not_listed", "text": "Nhà tôi hộ nghèo mà không có tên", "key": "k1"}
    answer = public.post(f"{P}/complaints", body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    filed = answer.json()
    assert set(filed) == {"complaint", "acknowledge_by", "resolve_by"}
    again = public.post(f"{P}/complaints", body, content_type="application/json").json()
    assert again["complaint"] == filed["complaint"]  # a double tap is one complaint
    officer, manager = user("xa-giaohieu"), user("quanly")
    for who, sees in ((officer, True), (manager, True), (user("xa-songcau"), False), (user("kiemtoan"), False)):
        found = complaints.complaint_list(actor=who, programme=approved.programme)
        assert found.filter(pk=filed["complaint"]).exists() is sees, who
    complaint = complaints.complaint_get(actor=officer, programme=approved.programme, complaint_id=filed["complaint"])
    assert complaint.round_id is None  # the lists' posting period had ended in 2023
    received = complaint.received_on
    assert dt.date.fromisoformat(filed["resolve_by"]) == received + dt.timedelta(days=30)
    late = dt.date.fromisoformat(filed["acknowledge_by"]) + dt.timedelta(days=1)
    assert complaints.complaint_list(actor=officer, programme=approved.programme, overdue=True, on=late).count() == 1
    assert complaints.complaint_list(actor=officer, programme=approved.programme, overdue=True).count() == 0
    counts = complaints.public_counts(approved.programme, on=late)
    assert [(c["commune"], c["received"], c["resolved"], c["overdue"]) for c in counts] == [(GIAO_HIEU, 1, 0, 1)]
    listed = cli_json("--as", "xa-giaohieu", "complaints", "list", "--programme", "bac-kan-2023")
    assert [c["complaint"] for c in listed] == [filed["complaint"]]
    updated = cli_json(
        "--as",
        "xa-giaohieu",
        "complaints",
        "update",
        str(filed["complaint"]),
        "--programme",
        "bac-kan-2023",
        "--status",
        "resolved",
        "--note",
        "Đã bổ sung vào danh sách đợt sau",
    )
    assert updated["status"] == "resolved"
    assert [s["status"] for s in updated["steps"]] == ["resolved"]


def test_an_old_complaint_recorded_by_the_officer_is_listed_overdue_first(approved, cli_json):  # noqa: F811
    old = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    common = ("--programme", "bac-kan-2023", "--commune", GIAO_HIEU, "--json")
    fresh = cli_json("complaints", "add", *common, "--category", "broken", "--text", "Máy không lên nguồn")
    late = cli_json(
        "--as",
        "xa-giaohieu",
        "complaints",
        "add",
        *common,
        "--category",
        "not_received",
        "--text",
        "Chưa nhận",
        "--via",
        "phone",
        "--received-on",
        old,
        "--phone",
        "0912 345 678",
    )
    assert set(late) == {"complaint", "acknowledge_by", "resolve_by"}
    listed = cli_json("--as", "quanly", "complaints", "list", "--programme", "bac-kan-2023")
    assert [c["complaint"] for c in listed] == [late["complaint"], fresh["complaint"]]
    overdue = cli_json("--as", "quanly", "complaints", "list", "--programme", "bac-kan-2023", "--overdue")
    assert [(c["complaint"], c["overdue"], c["phone"]) for c in overdue] == [(late["complaint"], True, "0912345678")]


def test_sms_and_zalo_backends_send_the_documented_requests(approved, user, settings):  # noqa: F811
    _reachable(approved.programme)
    event = _event(approved, user)
    sms, zalo = Provider("sms"), Provider("zns", answers=[{"error": -118, "message": "Zalo account not existed"}])
    settings.PHOCAP_NOTIFY_BACKEND = "live"
    settings.PHOCAP_NOTIFY_CHANNELS = ["zalo", "sms"]
    settings.PHOCAP_SMS = {
        **settings.PHOCAP_SMS,
        "url": sms.url,
        "api_key": "K",
        "secret_key": "S",
        "brandname": "UBND",
    }
    settings.PHOCAP_ZALO = {"url": zalo.url, "access_token": "T", "templates": {"invitation": "301"}}
    people = len(allocation_selectors.expected(event.commune))
    try:
        first = notify.notify_send_due(actor=user("quanly"), programme=approved.programme)
        # Zalo first: the first number has no Zalo account (failed for good → an SMS instead), the others got it
        assert first["queued"] == people
        assert first["failed"] == 1
        assert notify.notify_send_due(actor=user("quanly"), programme=approved.programme)["sent"] == 1  # the SMS
    finally:
        sms.close()
        zalo.close()
    assert sms.problems == [] and zalo.problems == []  # noqa: PT018 - both servers' checks
    assert len(zalo.requests) == people
    assert zalo.requests[0]["template_id"] == "301"
    assert zalo.requests[0]["tracking_id"].startswith("invite:")
    assert zalo.requests[0]["template_data"]["place"] == event.place
    (text,) = sms.requests
    assert (text["Brandname"], text["SmsType"], text["IsUnicode"]) == ("UBND", "2", "0")
    assert text["RequestId"].endswith(":sms")
    assert Message.objects.filter(channel="sms", status="sent").count() == 1


def test_an_sms_the_provider_already_has_is_not_sent_twice(approved, user, settings):  # noqa: F811
    _reachable(approved.programme)
    _event(approved, user)
    sms = Provider("sms")
    settings.PHOCAP_NOTIFY_BACKEND = "live"
    settings.PHOCAP_SMS = {**settings.PHOCAP_SMS, "url": sms.url}
    message = None
    try:
        notify.queue(approved.programme, timezone.localdate())
        message = Message.objects.order_by("pk").first()
        now = timezone.now()
        assert notify._claim(message, now)
        assert notify.deliver(message, now) == "sent"
        # a worker killed after the provider accepted it: the message is tried again with the same key
        Message.objects.filter(pk=message.pk).update(status="queued", sent_at=None)
        message.refresh_from_db()
        assert notify.deliver(message, now) == "sent"
    finally:
        sms.close()
    assert [r["RequestId"] for r in sms.requests] == [message.key, message.key]
    assert len(sms.seen) == 1  # the provider answered the second "124 duplicate": one SMS reached the phone


def test_every_sms_template_fits_one_gsm7_message_even_with_a_long_place():
    long = "Nhà văn hóa thôn Nà Coóc, xã Giáo Hiệu, huyện Pác Nặm, tỉnh Bắc Kạn — gần trường tiểu học " * 2
    params = {
        "invitation": {"commune": "Xã Giáo Hiệu", "time": "08:30", "date": "10/11/2023", "place": long},
        "reminder": {"time": "08:30", "date": "10/11/2023", "place": long},
        "followup_due": {"count": 12, "village": "Thôn Nà Coóc", "date": "17/11/2023"},
        "complaint_ack": {"number": 123456, "commune": "Phường Đức Xuân", "date": "10/12/2023"},
        "complaint_answer": {"number": 12, "status": "Đã giải quyết", "note": long},
        "donor_thanks": {"donor": "Công ty Cổ phần " + long, "amount": "5.000.000", "receipt": "00033/GCN-MTTQ"},
    }
    for template, values in params.items():
        text = sms_text(template, values)
        assert segments(text) == ("GSM-7", 1), (template, text)
    assert segments("Mời ông bà") == ("UCS-2", 1)
    assert segments("x" * 161) == ("GSM-7", 2)
    assert segments("ư" * 71) == ("UCS-2", 2)


def test_the_providers_delivery_report_marks_the_sms_delivered_or_failed(approved, user, settings):  # noqa: F811
    _reachable(approved.programme)
    _event(approved, user)
    sms = Provider("sms")
    settings.PHOCAP_NOTIFY_BACKEND = "live"
    callback = "https://phocap.example/api/v1/public/notify/sms-delivery"
    settings.PHOCAP_SMS = {**settings.PHOCAP_SMS, "url": sms.url, "callback_url": callback}
    try:
        notify.notify_send_due(actor=user("quanly"), programme=approved.programme)
    finally:
        sms.close()
    assert sms.problems == []
    assert {r["CallbackUrl"] for r in sms.requests} == {callback}
    first, second, *_ = Message.objects.filter(status="sent").order_by("pk")
    provider = Client()  # the provider calls back by GET, without an account

    def report(message, phone, status, success, failed):
        query = {
            "SMSID": message.provider_id,
            "SendStatus": status,
            "SendSuccess": success,
            "SendFailed": failed,
            "phonenumber": phone,
            "TypeId": "2",
            "telcoid": "1",
            "RequestId": message.key,
        }
        return provider.get("/api/v1/public/notify/sms-delivery", query).json()

    assert report(first, "0999999999", "5", 1, 0) == {"ok": False}  # a guessed id with another number: ignored
    first.refresh_from_db()
    assert first.status == "sent"
    assert report(first, first.recipient, "7", 0, 0) == {"ok": True}  # waiting for the operator: nothing changes
    assert report(first, first.recipient, "5", 1, 0) == {"ok": True}
    assert report(second, "84" + second.recipient[1:], "4", 0, 1) == {"ok": True}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.delivered_at is not None) == ("delivered", True)
    assert (second.status, second.last_error) == ("failed", "Nhà mạng báo tin không đến được máy người nhận")


def test_planning_reads_a_fixed_number_of_queries_whatever_the_number_of_people(approved, user):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from phocap.notifications import planner

    _reachable(approved.programme)
    _event(approved, user)
    Resident.objects.filter(programme=approved.programme).exclude(commune__unit__code=GIAO_HIEU).update(phone="")
    with CaptureQueriesContext(connection) as few:
        found = planner.due(approved.programme, timezone.localdate())
    assert found
    consent_bulk(  # Sông Cầu's people too now: more invitations, the same queries
        actor=SYSTEM,
        programme=approved.programme,
        given_on=dt.date(2023, 9, 15),
        method="paper",
        kind="contact",
        filters=ResidentFilter(commune="01837"),
    )
    for i, person in enumerate(Resident.objects.filter(commune__unit__code="01837")):
        Resident.objects.filter(pk=person.pk).update(phone=f"09130000{i:02d}")
    commune = approved.programme.communes.get(unit__code="01837")
    handover.event_create(
        actor=user("quanly"),
        programme=approved.programme,
        commune=commune,
        held_on=timezone.localdate() + dt.timedelta(days=4),
        place="Hội trường phường",
    )
    with CaptureQueriesContext(connection) as more:
        grown = planner.due(approved.programme, timezone.localdate())
    assert len(grown) > len(found)
    assert len(more) <= len(few) + 1, [q["sql"][:80] for q in more.captured_queries]
