"""The pages of issue #17 through a browser's requests (CSRF enforced): the postings page (record the day, print a
village), the manager's outbox (send what is due, retry a failure), the dashboard's overdue count and the public
page's counts."""

import datetime as dt

import pytest
from django.utils import timezone

from phocap.complaints import services as complaints
from phocap.notifications.models import Message
from tests.allocation.test_rounds import GIAO_HIEU, registry, stock  # noqa: F401 - fixtures
from tests.complaints.provider import Provider
from tests.complaints.test_people_served import _event, _reachable
from tests.handover.test_handover import approved  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
BASE = "/p/bac-kan-2023"


def test_the_commune_records_the_posting_and_prints_a_village(approved, login):  # noqa: F811
    officer = login("xa-giaohieu")
    page = officer.get(f"{BASE}/phan-bo/niem-yet/").content.decode()
    mine = approved.postings.get(commune__unit__code=GIAO_HIEU)
    assert "Xã Giáo Hiệu" in page
    assert "Phường Sông Cầu" not in page  # another commune's posting
    done = officer.post(f"{BASE}/phan-bo/niem-yet/", {"posting": mine.pk, "posted_on": "2023-10-30"}, follow=True)
    assert "Đã ghi." in done.content.decode()
    mine.refresh_from_db()
    assert (mine.posted_on, mine.ends_on) == (dt.date(2023, 10, 30), dt.date(2023, 11, 3))
    village = mine.round.placements.filter(commune=mine.commune).first().resident.village
    pdf = officer.get(f"{BASE}/phan-bo/niem-yet/{mine.pk}.pdf", {"thon": village})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    early = officer.post(
        f"{BASE}/phan-bo/niem-yet/", {"posting": mine.pk, "action": "early", "reason": "Bão"}, follow=True
    )
    assert "Chỉ quản lý chương trình" in early.content.decode()
    assert login("mttq").get(f"{BASE}/phan-bo/niem-yet/").status_code == 404


def test_the_manager_sends_what_is_due_and_retries_a_failure(approved, login, user, settings):  # noqa: F811
    _reachable(approved.programme)
    _event(approved, user)
    refused = Provider("sms", answers=[{"CodeResult": "146", "ErrorMessage": "Sai template"}])
    settings.PHOCAP_NOTIFY_BACKEND = "live"
    settings.PHOCAP_SMS = {**settings.PHOCAP_SMS, "url": refused.url}
    manager = login("quanly")
    try:
        sent = manager.post(f"{BASE}/tin-nhan/", {"action": "send_due"}, follow=True).content.decode()
        failed = Message.objects.get(status="failed")
        assert "lỗi 1" in sent
        page = manager.get(f"{BASE}/tin-nhan/").content.decode()
        assert page.index(f"#{failed.pk}") < page.index("Đã gửi</span>")  # failures first
        manager.post(f"{BASE}/tin-nhan/", {"action": "retry", "message": failed.pk})
        failed.refresh_from_db()
        assert failed.status == "queued"
        manager.post(f"{BASE}/tin-nhan/", {"action": "send_due"})
        failed.refresh_from_db()
        assert failed.status == "sent"
    finally:
        refused.close()
    assert login("xa-giaohieu").get(f"{BASE}/tin-nhan/").status_code == 404


def test_overdue_complaints_are_counted_on_the_dashboard_and_the_public_page(approved, login, user):  # noqa: F811
    commune = approved.programme.communes.get(unit__code=GIAO_HIEU)
    complaints.complaint_record(
        actor=user("xa-giaohieu"),
        programme=approved.programme,
        commune=commune,
        category="broken",
        text="Máy không sạc được",
        via="in_person",
        received_on=timezone.localdate() - dt.timedelta(days=40),
    )
    dashboard = login("quanly").get(f"{BASE}/chi-so/").content.decode()
    assert "1 phản ánh quá hạn" in dashboard
    public = login("kiemtoan").get("/cong-khai/bac-kan-2023/").content.decode()
    assert "Máy không sạc được" not in public
    assert "Phản ánh, kiến nghị" in public


def test_a_complaint_about_a_posted_list_is_shown_to_the_rounds_approver(registry, login, user):  # noqa: F811
    from phocap.accounts.models import Membership, Role, User
    from phocap.allocation import postings
    from phocap.allocation import services as allocation

    stock(registry, 5)
    checker = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=registry)
    round_ = allocation.round_approve(
        actor=checker, round_=allocation.round_propose(actor=user("quanly"), programme=registry, seed="s")
    )
    mine = round_.postings.get(commune__unit__code=GIAO_HIEU)
    postings.posting_record(actor=user("xa-giaohieu"), posting=mine, posted_on=timezone.localdate())
    filed = complaints.complaint_file(
        programme=registry, commune=mine.commune, category="wrongly_listed", text="Người này đã có điện thoại"
    )
    assert filed.round_id == round_.pk
    approver = login("quanly2")  # the round's approver sees it beside the round's lists
    page = approver.get(f"{BASE}/phan-anh/", {"dot": round_.pk}).content.decode()
    assert f"PA-{filed.pk}" in page
    assert f"?dot={round_.pk}" in approver.get(f"{BASE}/phan-bo/niem-yet/").content.decode()


def test_a_persons_messages_are_on_their_page(approved, login, user, settings, tmp_path):  # noqa: F811
    from phocap.notifications import services as notify

    _reachable(approved.programme)
    event = _event(approved, user)
    settings.PHOCAP_NOTIFY_BACKEND = f"file:{tmp_path}"
    notify.notify_send_due(actor=user("quanly"), programme=approved.programme)
    person = Message.objects.filter(template="invitation").first().resident
    officer = login("xa-giaohieu")
    assert f"/tin-nhan/nguoi/{person.pk}/" in officer.get(f"{BASE}/danh-sach/{person.pk}/").content.decode()
    page = officer.get(f"{BASE}/tin-nhan/nguoi/{person.pk}/").content.decode()
    assert "Mời nhận máy" in page
    assert event.held_on.strftime("%d/%m/%Y") in page
    assert login("xa-songcau").get(f"{BASE}/tin-nhan/nguoi/{person.pk}/").status_code == 404


def test_the_officer_links_a_complaint_to_the_person_it_is_about(approved, login, user):  # noqa: F811
    from phocap.registry.models import Resident

    commune = approved.programme.communes.get(unit__code=GIAO_HIEU)
    filed = complaints.complaint_file(
        programme=approved.programme, commune=commune, category="wrong_data", text="Sai năm sinh"
    )
    person = Resident.objects.filter(commune=commune).first()
    officer = login("xa-giaohieu")
    url = f"{BASE}/phan-anh/{filed.pk}/"
    officer.post(url, {"status": "in_progress", "note": "Đang xác minh", "resident": f"#{person.pk}"})
    filed.refresh_from_db()
    assert (filed.status, filed.resident_id) == ("in_progress", person.pk)
    assert f"/danh-sach/{person.pk}/" in officer.get(url).content.decode()
    wrong = officer.post(url, {"status": "resolved", "note": "Đã sửa", "round": "999999"}, follow=True).content.decode()
    assert "Không tìm thấy đợt phân bổ số 999999 trong chương trình." in wrong
