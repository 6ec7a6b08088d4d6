import pytest
from django.db import DatabaseError, connection, transaction

from phocap.core.errors import Conflict, ValidationFailed
from phocap.core.models import AuditEvent
from phocap.programmes import selectors, services
from phocap.programmes.models import Organisation
from tests.conftest import GIAO_HIEU, PROGRAMME

pytestmark = pytest.mark.django_db


def last_event():
    return AuditEvent.objects.order_by("-id").first()


def test_a_write_records_who_what_and_the_changed_fields(user, programme):
    manager = user("quanly")
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    services.commune_update_figures(actor=manager, commune=commune, adult_population=2400)
    event = last_event()
    assert event.actor == manager
    assert event.action == "commune.update"
    assert event.object_type == "programmes.programmecommune"
    assert event.object_id == str(commune.pk)
    assert event.programme_code == PROGRAMME
    assert event.changes == {"adult_population": [2310, 2400]}


def test_a_rejected_write_leaves_no_audit_row_and_no_change(user, programme):
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match="không được lớn hơn số người trưởng thành"):
        services.commune_update_figures(actor=user("quanly"), commune=commune, baseline_without_smartphone=99999)
    assert AuditEvent.objects.count() == before
    commune.refresh_from_db()
    assert commune.baseline_without_smartphone == 780


def test_personal_data_in_changes_is_masked(user, programme):
    org = services.organisation_create(
        actor=user("quanly"),
        programme=programme,
        key="hoi-phu-nu",
        name="Hội Liên hiệp Phụ nữ tỉnh",
        kind="other",
        contact_name="Nguyễn Thị Mai",
        contact_phone="0912345678",
        contact_email="mai@example.org",
    )
    event = AuditEvent.objects.get(action="organisation.create", object_id=str(org.pk))
    assert event.changes["contact_phone"] == [None, "09******78"]
    assert "Nguyễn Thị Mai" not in str(event.changes)
    assert "mai@example.org" not in str(event.changes)
    assert event.changes["name"] == [None, "Hội Liên hiệp Phụ nữ tỉnh"]  # not personal data


def test_audit_rows_cannot_be_changed_or_deleted_even_with_raw_sql():
    event = AuditEvent.objects.order_by("id").first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent")
    event.refresh_from_db()
    assert event.action != "tampered"


def test_assignment_rules_hold_in_services_and_database(user, programme):
    manager = user("quanly")
    with pytest.raises(Conflict, match="đã có sở, ngành phụ trách"):
        services.assignment_create(
            actor=manager,
            programme=programme,
            commune_code=GIAO_HIEU,
            organisation_key="bk-so-tttt",
            role="department",
        )
    with pytest.raises(ValidationFailed, match="không thể giữ vai trò"):
        services.assignment_create(
            actor=manager,
            programme=programme,
            commune_code=GIAO_HIEU,
            organisation_key="bk-so-tttt",
            role="enterprise",
        )
    # the database keeps "one active department per commune" even if a service forgot
    from django.db import IntegrityError

    from phocap.programmes.models import Assignment

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            commune=programme.communes.get(unit__code=GIAO_HIEU),
            organisation=Organisation.objects.get(key="bk-so-tttt"),
            role="department",
        )


def test_ending_and_reassigning_a_department_is_audited_step_by_step(user, programme):
    manager = user("quanly")
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    old = selectors.department_of(commune)
    services.assignment_end(actor=manager, programme=programme, assignment=old)
    new = services.assignment_create(
        actor=manager,
        programme=programme,
        commune_code=GIAO_HIEU,
        organisation_key="bk-so-tttt",
        role="department",
        decision_number="123/QĐ-UBND",
    )
    actions = list(AuditEvent.objects.filter(actor=manager).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["assignment.end", "assignment.create"]
    assert last_event().changes["decision_number"] == [None, "123/QĐ-UBND"]
    commune = selectors.commune_get(actor=manager, programme=programme, code=GIAO_HIEU)
    assert selectors.department_of(commune).pk == new.pk
    with pytest.raises(Conflict, match="đã kết thúc"):
        services.assignment_end(actor=manager, programme=programme, assignment=old)


def test_audit_page_filters_and_is_for_administrators_and_auditors(login, user, programme):
    services.commune_update_figures(
        actor=user("xa-giaohieu"), commune=programme.communes.get(unit__code=GIAO_HIEU), adult_population=2333
    )
    page = login("admin").get("/audit/", {"actor": "xa-giaohieu", "action": "commune."}).content.decode()
    assert "commune.update" in page
    assert "2333" in page
    assert "assignment.create" not in page
    assert login("kiemtoan").get("/audit/", {"programme": PROGRAMME}).status_code == 200
    for username in ("xa-giaohieu", "quanly", "vnpt"):
        assert login(username).get("/audit/").status_code == 404


def test_web_write_is_audited_with_the_web_channel(login):
    client = login("quanly")
    response = client.post(
        f"/p/{PROGRAMME}/organisations/",
        {"key": "tinh-doan", "name": "Tỉnh Đoàn Bắc Kạn", "kind": "other", "contact_phone": "0987654321"},
    )
    assert response.status_code == 302
    event = last_event()
    assert (event.action, event.channel, event.actor_label) == ("organisation.create", "web", "quanly")
    assert event.changes["contact_phone"] == [None, "09******21"]
