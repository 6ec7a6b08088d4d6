import datetime as dt

import pytest
from django.db import connection

from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.models import AuditEvent
from phocap.registry import normalize as n
from phocap.registry.models import Resident
from phocap.registry.selectors import resident_find_by_id_number
from phocap.registry.services import resident_erase, resident_register
from tests.conftest import GIAO_HIEU, SONG_CAU

pytestmark = pytest.mark.django_db
NUMBER = "006175012357"


def register(programme, actor=SYSTEM, commune=GIAO_HIEU, number=NUMBER, **kw):
    reading = n.read_id_number(number, birth_year=1975, sex="F")
    return resident_register(
        actor=actor,
        commune=programme.communes.get(unit__code=commune),
        full_name="Nông Thị Hoa",
        birth=n.BirthDate(dt.date(1975, 3, 2), 1975),
        sex="F",
        id_number=reading.value,
        village="Bản Khuổi Bốc",
        ethnicity=n.read_ethnicity("Tày").value,
        phone=n.read_phone("0912345678").value,
        smartphone_status="lacks",
        **kw,
    )


def raw(resident, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM registry_resident WHERE id = %s", [resident.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_identity_numbers_are_encrypted_at_rest_and_found_by_their_keyed_hash(programme):
    resident = register(programme)
    stored = raw(resident, "id_number")
    assert NUMBER not in stored
    assert NUMBER not in raw(resident, "id_hash")
    assert Resident.objects.get(pk=resident.pk).id_number == NUMBER
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    assert resident_find_by_id_number(actor=SYSTEM, commune=commune, number=NUMBER) == resident


def test_the_same_identity_number_is_one_person_per_programme(programme):
    register(programme)
    with pytest.raises(Conflict) as caught:
        register(programme, commune=SONG_CAU)  # listed again in another commune
    assert caught.value.code == "duplicate_id"
    assert NUMBER not in caught.value.message


def test_the_audit_trail_never_holds_the_number(programme):
    resident = register(programme)
    event = AuditEvent.objects.get(action="resident.register", object_id=str(resident.pk))
    assert NUMBER not in str(event.changes)
    assert "Nông Thị Hoa" not in str(event.changes)  # names are personal data too: masked
    assert event.changes["_"]["id_number_recorded"] is True


def test_a_minor_on_the_reference_date_is_refused(programme):
    with pytest.raises(ValidationFailed, match="Chưa đủ 18 tuổi"):
        resident_register(
            actor=SYSTEM,
            commune=programme.communes.get(unit__code=GIAO_HIEU),
            full_name="Em A",
            birth=n.BirthDate(None, 2005),
        )


def test_a_commune_officer_registers_only_in_their_commune_and_sees_only_it(programme, user):
    officer = user("xa-giaohieu")
    register(programme, actor=officer)
    with pytest.raises(NotFound):
        register(programme, actor=officer, commune=SONG_CAU, number="006175012358")
    from phocap.accounts import scope

    assert Resident.objects.filter(scope.residents_q(user("xa-songcau"))).count() == 0
    assert Resident.objects.filter(scope.residents_q(officer)).count() == 1
    assert Resident.objects.filter(scope.residents_q(user("kiemtoan"))).count() == 0  # no personal data


def test_keys_rotate_without_losing_a_number(programme, settings):
    from phocap.core.crypto import rotate

    settings.PHOCAP_FIELD_KEYS = ["cu-old-key"]
    resident = register(programme)
    before = raw(resident, "id_number")
    settings.PHOCAP_FIELD_KEYS = ["moi-new-key", "cu-old-key"]
    assert rotate(Resident, "id_number") >= 1
    after = raw(resident, "id_number")
    assert after != before
    settings.PHOCAP_FIELD_KEYS = ["moi-new-key"]  # the old key can go
    assert Resident.objects.get(pk=resident.pk).id_number == NUMBER


def test_erasure_on_request_keeps_the_row_and_drops_the_data(programme):
    resident = register(programme)
    erased = resident_erase(actor=SYSTEM, resident=resident, reason="Đơn đề nghị ngày 5/9/2023")
    assert erased.erased_at is not None
    assert raw(resident, "id_number") == ""
    assert Resident.objects.get(pk=resident.pk).full_name == "(đã xóa)"
    assert Resident.objects.filter(programme=programme).count() >= 1
