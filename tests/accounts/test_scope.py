"""A commune officer of Giáo Hiệu can neither read nor change anything of Sông Cầu — through the web UI,
the API (session and token) and the CLI. Other roles see exactly their scope."""

import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create, api_token_revoke
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.programmes.models import ProgrammeCommune
from tests.conftest import GIAO_HIEU, PILOT_CODES, PROGRAMME, SONG_CAU

pytestmark = pytest.mark.django_db


def song_cau_figures():
    c = ProgrammeCommune.objects.get(programme__code=PROGRAMME, unit__code=SONG_CAU)
    return (c.adult_population, c.baseline_without_smartphone)


# --- web UI ---------------------------------------------------------------------------------------------


def test_web_commune_officer_sees_only_their_commune(login):
    page = login("xa-giaohieu").get(f"/p/{PROGRAMME}/").content.decode()
    assert 'data-code="01870"' in page
    assert 'data-code="01837"' not in page
    assert "Sông Cầu" not in page


def test_web_commune_officer_cannot_open_or_change_another_commune(login):
    client = login("xa-giaohieu")
    before = song_cau_figures()
    assert client.get(f"/p/{PROGRAMME}/communes/{SONG_CAU}/").status_code == 404
    response = client.post(
        f"/p/{PROGRAMME}/communes/{SONG_CAU}/",
        {"adult_population": 1, "baseline_without_smartphone": 1, "target_percent": 50},
    )
    assert response.status_code == 404
    assert song_cau_figures() == before


def test_web_commune_officer_can_change_their_own_commune(login):
    client = login("xa-giaohieu")
    response = client.post(
        f"/p/{PROGRAMME}/communes/{GIAO_HIEU}/",
        {
            "adult_population": 2400,
            "baseline_without_smartphone": 800,
            "target_percent": 100,
            "figures_source": "Rà soát tháng 9/2023",
        },
    )
    assert response.status_code == 302
    c = ProgrammeCommune.objects.get(programme__code=PROGRAMME, unit__code=GIAO_HIEU)
    assert (c.adult_population, c.baseline_without_smartphone) == (2400, 800)


def test_web_commune_officer_cannot_manage_organisations_or_assignments(login):
    client = login("xa-giaohieu")
    assert (
        client.post(f"/p/{PROGRAMME}/organisations/", {"key": "x-y", "name": "X", "kind": "other"}).status_code == 404
    )
    assert (
        client.post(
            f"/p/{PROGRAMME}/assignments/",
            {"commune_code": GIAO_HIEU, "organisation_key": "vnpt-bac-kan", "role": "enterprise"},
        ).status_code
        == 404
    )


def test_web_anonymous_is_sent_to_sign_in():
    response = Client().get(f"/p/{PROGRAMME}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- API ------------------------------------------------------------------------------------------------


def test_api_commune_officer_lists_only_their_commune(login):
    data = login("xa-giaohieu").get(f"/api/v1/programmes/{PROGRAMME}/communes").json()
    assert [c["code"] for c in data] == [GIAO_HIEU]


def test_api_commune_officer_cannot_read_or_patch_another_commune(login):
    client = login("xa-giaohieu")
    before = song_cau_figures()
    got = client.get(f"/api/v1/programmes/{PROGRAMME}/communes/{SONG_CAU}")
    assert got.status_code == 404
    assert got["Content-Type"] == "application/problem+json"
    assert got.json()["code"] == "not_found"
    patched = client.patch(
        f"/api/v1/programmes/{PROGRAMME}/communes/{SONG_CAU}",
        data=json.dumps({"adult_population": 1}),
        content_type="application/json",
    )
    assert patched.status_code == 404
    assert song_cau_figures() == before


def test_api_assignments_are_limited_to_the_officers_commune(login):
    data = login("xa-giaohieu").get(f"/api/v1/programmes/{PROGRAMME}/assignments").json()
    assert {a["commune_code"] for a in data["items"]} == {GIAO_HIEU}


def test_api_token_acts_with_its_users_scope_and_stops_when_revoked(user):
    token, secret = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="script xã")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert [c["code"] for c in client.get(f"/api/v1/programmes/{PROGRAMME}/communes").json()] == [GIAO_HIEU]
    assert client.get(f"/api/v1/programmes/{PROGRAMME}/communes/{SONG_CAU}").status_code == 404
    before = song_cau_figures()
    assert (
        client.patch(
            f"/api/v1/programmes/{PROGRAMME}/communes/{SONG_CAU}",
            data=json.dumps({"adult_population": 1}),
            content_type="application/json",
        ).status_code
        == 404
    )
    assert song_cau_figures() == before
    ok = client.patch(
        f"/api/v1/programmes/{PROGRAMME}/communes/{GIAO_HIEU}",
        data=json.dumps({"baseline_without_smartphone": 700}),
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["baseline_without_smartphone"] == 700
    assert AuditEvent.objects.filter(action="commune.update", channel="api", actor_label="xa-giaohieu").exists()
    api_token_revoke(actor=SYSTEM, prefix=token.prefix)
    denied = client.get(f"/api/v1/programmes/{PROGRAMME}/communes")
    assert denied.status_code == 401
    assert denied.json()["code"] == "unauthenticated"


def test_api_requires_authentication_but_geography_is_public():
    client = Client()
    assert client.get(f"/api/v1/programmes/{PROGRAMME}/communes").status_code == 401
    units = client.get("/api/v1/geo/units", {"level": "commune", "code": "01912", "on": "2023-08-11"}).json()
    assert [u["name"] for u in units["items"]] == ["Xã Thượng Giáo"]


# --- CLI ------------------------------------------------------------------------------------------------


def test_cli_scope(cli, tmp_path):
    """The real console script on its own database: `--as` gives the user's scope, reads and writes alike."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert cli("init", "--demo", database_url=url).returncode == 0
    shown = cli("--as", "xa-giaohieu", "programme", "show", PROGRAMME, "--json", database_url=url)
    assert shown.returncode == 0, shown.stderr
    assert [c["code"] for c in json.loads(shown.stdout)["communes"]] == [GIAO_HIEU]
    denied = cli(
        "--as",
        "xa-giaohieu",
        "programme",
        "commune-set",
        PROGRAMME,
        SONG_CAU,
        "--adults",
        "1",
        database_url=url,
    )
    assert denied.returncode == 2
    assert "Không tìm thấy xã/phường 01837" in denied.stderr
    everyone = json.loads(cli("programme", "show", PROGRAMME, "--json", database_url=url).stdout)
    song_cau = next(c for c in everyone["communes"] if c["code"] == SONG_CAU)
    assert song_cau["adult_population"] == 6820  # unchanged
    own = cli(
        "--as",
        "xa-giaohieu",
        "programme",
        "commune-set",
        PROGRAMME,
        GIAO_HIEU,
        "--baseline",
        "700",
        "--json",
        database_url=url,
    )
    assert own.returncode == 0, own.stderr
    assert json.loads(own.stdout)["baseline_without_smartphone"] == 700


# --- other roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("admin", PILOT_CODES),
        ("quanly", PILOT_CODES),
        ("mttq", PILOT_CODES),
        ("kiemtoan", PILOT_CODES),
        ("so-tttt", [SONG_CAU]),  # Sở TT&TT is assigned (example) to Sông Cầu
        ("vnpt", ["01837", "01912", "02071"]),  # VNPT supports three communes
        ("xa-songcau", [SONG_CAU]),
        ("to-cns", [GIAO_HIEU]),
    ],
)
def test_each_role_sees_its_scope(login, username, expected):
    data = login(username).get(f"/api/v1/programmes/{PROGRAMME}/communes").json()
    assert [c["code"] for c in data] == expected


def test_an_ended_assignment_ends_the_partners_view(login, user, programme):
    from phocap.programmes import selectors, services

    client = login("vnpt")
    nghia_ta = next(
        a
        for a in selectors.assignment_list(actor=SYSTEM, programme=programme)
        if a.organisation.key == "vnpt-bac-kan" and a.commune.unit.code == "02071"
    )
    services.assignment_end(actor=user("quanly"), programme=programme, assignment=nghia_ta)
    data = client.get(f"/api/v1/programmes/{PROGRAMME}/communes").json()
    assert [c["code"] for c in data] == ["01837", "01912"]


def test_read_only_roles_cannot_write(login):
    for username in ("kiemtoan", "so-tttt", "vnpt", "mttq", "to-cns"):
        response = login(username).patch(
            f"/api/v1/programmes/{PROGRAMME}/communes/{SONG_CAU}",
            data=json.dumps({"adult_population": 1}),
            content_type="application/json",
        )
        assert response.status_code == 404, username


def test_auditor_does_not_see_contact_details(login, programme, user):
    from phocap.programmes.models import Organisation
    from phocap.programmes.services import organisation_update

    organisation_update(
        actor=SYSTEM,
        programme=programme,
        organisation=Organisation.objects.get(key="vnpt-bac-kan"),
        contact_phone="0912345678",
    )
    auditor = login("kiemtoan").get(f"/p/{PROGRAMME}/organisations/").content.decode()
    manager = login("quanly").get(f"/p/{PROGRAMME}/organisations/").content.decode()
    assert "09******78" in manager
    assert "0912345678" not in manager
    assert "09******78" not in auditor


def test_a_missing_actor_has_no_rights_only_the_explicit_system_has_all(programme):
    from phocap.core.errors import PermissionDenied
    from phocap.geo.services import geo_load
    from phocap.programmes import selectors

    assert list(selectors.commune_list(actor=None, programme=programme)) == []
    assert selectors.programme_list(actor=None).count() == 0
    with pytest.raises(PermissionDenied):
        geo_load(actor=None, province="19")
    assert [c.unit.code for c in selectors.commune_list(actor=SYSTEM, programme=programme)] == PILOT_CODES
