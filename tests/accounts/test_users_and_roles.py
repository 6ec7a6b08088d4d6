import json

import pytest

from phocap.accounts.models import Membership
from phocap.accounts.services import membership_grant, membership_revoke
from phocap.core.errors import PermissionDenied, ValidationFailed
from phocap.core.models import AuditEvent
from phocap.programmes import selectors
from tests.conftest import GIAO_HIEU, PROGRAMME
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_commune_officer_sees_only_the_commune_they_are_given(programme):
    nhu_co = programme.communes.get(unit__code="02122")
    officer = MembershipFactory(programme=programme, commune=nhu_co).user
    assert [c.unit.code for c in selectors.commune_list(actor=officer, programme=programme)] == ["02122"]


def test_the_manager_grants_and_revokes_roles_in_their_programme_and_it_is_audited(programme, user):
    manager = user("quanly")
    newcomer = UserFactory()
    giao_hieu = programme.communes.get(unit__code=GIAO_HIEU)
    membership = membership_grant(
        actor=manager,
        user=newcomer,
        role="digital_team_member",
        programme=programme,
        commune=giao_hieu,
        village="Bản Khuổi Bốc",
    )
    assert AuditEvent.objects.filter(action="membership.grant", object_id=str(membership.pk), actor=manager).exists()
    assert [c.unit.code for c in selectors.commune_list(actor=newcomer, programme=programme)] == [GIAO_HIEU]
    membership_id = membership.pk
    membership_revoke(actor=manager, membership=membership)
    assert not Membership.objects.filter(user=newcomer).exists()
    revoked = AuditEvent.objects.get(action="membership.revoke", object_id=str(membership_id))
    assert revoked.changes["role"] == ["digital_team_member", None]
    assert list(selectors.commune_list(actor=newcomer, programme=programme)) == []


def test_a_commune_officer_cannot_hand_out_roles(programme, user):
    with pytest.raises(PermissionDenied):
        membership_grant(
            actor=user("xa-giaohieu"),
            user=UserFactory(),
            role="commune_officer",
            programme=programme,
            commune=programme.communes.get(unit__code="01837"),
        )


def test_roles_must_fit_their_organisation(programme):
    enterprise = OrganisationFactory(programme=programme, kind="enterprise")
    with pytest.raises(ValidationFailed, match="không hợp với vai trò"):
        MembershipFactory(programme=programme, role="department_officer", organisation=enterprise)
    with pytest.raises(ValidationFailed, match="cần thôn/bản"):
        MembershipFactory(
            programme=programme,
            role="digital_team_member",
            commune=programme.communes.get(unit__code=GIAO_HIEU),
        )


def test_cli_adds_a_user_grants_a_role_and_revokes_it(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    added = cli(
        "user",
        "add",
        "can-bo-nhu-co",
        "--name",
        "Lường Thị Cố",
        "--password-stdin",
        "--json",
        database_url=url,
        stdin="mat-khau-rat-dai-2023\n",
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["username"] == "can-bo-nhu-co"
    granted = cli(
        "user",
        "grant",
        "can-bo-nhu-co",
        "--role",
        "commune_officer",
        "--programme",
        PROGRAMME,
        "--commune",
        "02122",
        "--json",
        database_url=url,
    )
    assert granted.returncode == 0, granted.stderr
    assert json.loads(granted.stdout) == {
        "role": "commune_officer",
        "programme": PROGRAMME,
        "commune": "02122",
        "organisation": None,
        "village": None,
    }
    shown = json.loads(cli("--as", "can-bo-nhu-co", "programme", "show", PROGRAMME, "--json", database_url=url).stdout)
    assert [c["code"] for c in shown["communes"]] == ["02122"]
    assert (
        cli(
            "user",
            "revoke",
            "can-bo-nhu-co",
            "--role",
            "commune_officer",
            "--programme",
            PROGRAMME,
            database_url=url,
        ).returncode
        == 0
    )
    gone = cli("--as", "can-bo-nhu-co", "programme", "show", PROGRAMME, database_url=url)
    assert gone.returncode == 2
    assert "Không tìm thấy chương trình" in gone.stderr


def test_manager_edits_an_organisation_on_the_web_and_the_key_stays(login):
    client = login("quanly")
    page = client.get(f"/p/{PROGRAMME}/organisations/vnpt-bac-kan/")
    assert page.status_code == 200
    response = client.post(
        f"/p/{PROGRAMME}/organisations/vnpt-bac-kan/",
        {
            "name": "VNPT Bắc Kạn (Viễn thông Bắc Kạn)",
            "short_name": "VNPT",
            "kind": "enterprise",
            "contact_phone": "0209 3870 000",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="organisation.update").latest("id")
    assert event.changes["short_name"] == ["VNPT Bắc Kạn", "VNPT"]
    assert login("xa-giaohieu").get(f"/p/{PROGRAMME}/organisations/vnpt-bac-kan/").status_code == 404


def test_changing_the_kind_of_an_assigned_organisation_is_refused(login):
    response = login("quanly").patch(
        f"/api/v1/programmes/{PROGRAMME}/organisations/vnpt-bac-kan",
        data=json.dumps({"kind": "department"}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "đang có phân công" in response.json()["title"]


def test_a_weak_password_is_refused_in_vietnamese():
    from phocap.accounts.services import user_create
    from phocap.core.actors import SYSTEM

    with pytest.raises(ValidationFailed) as caught:
        user_create(actor=SYSTEM, username="yeu", password="123")
    assert caught.value.field == "password"
    assert "Mật khẩu" in caught.value.message or "mật khẩu" in caught.value.message
