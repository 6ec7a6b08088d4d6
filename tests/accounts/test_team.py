"""Users managed by the people who manage the programme (issue #14): accounts with their role, a village team from
a sheet, roles granted and revoked, accounts locked and passwords reset — on the web, by the CLI, within scope."""

import json
import re

import pytest

from phocap.accounts import team
from phocap.accounts.models import Membership
from phocap.core.actors import SYSTEM
from phocap.core.errors import PermissionDenied
from phocap.core.models import AuditEvent
from phocap.registry.demo import _xlsx as book
from phocap.registry.importing import import_residents
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db
P = "/p/bac-kan-2023"
GIAO_HIEU = "01870"


def _two_villages(programme):
    rows = [
        ["STT", "Họ và tên", "Năm sinh", "Thôn/Bản"],
        [1, "Nông Văn Nà", 1950, "Thôn Nà Coóc"],
        [2, "Lý Thị Khuổi", 1951, "Thôn Khuổi Bốc"],
    ]
    import_residents(actor=SYSTEM, programme=programme, data=book(rows), filename="x.xlsx", commune_code=GIAO_HIEU)


def _signs_in(username, password):
    """What typing into the sign-in form does; the client, or None when it is refused."""
    client = BrowserClient()
    client.get("/accounts/login/")
    answer = client.post("/accounts/login/", {"username": username, "password": password})
    return client if answer.status_code == 302 else None


def test_a_manager_creates_a_team_member_who_signs_in_and_sees_only_their_village(login, programme):
    _two_villages(programme)
    manager = login("quanly")
    page = manager.post(
        f"{P}/nguoi-dung/",
        {
            "action": "create",
            "full_name": "Hoàng Thị Vân",
            "role": "digital_team_member",
            "commune": GIAO_HIEU,
            "village": "Thôn Nà Coóc",
            "phone": "0912 345 678",
            "username": "",
        },
    )
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    text = page.content.decode()
    username = re.search(r'<code class="username">([^<]+)</code>', text).group(1)
    password = re.search(r'<code class="password">([^<]+)</code>', text).group(1)
    assert username == "vanht"
    assert password not in json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)), ensure_ascii=False)
    member = _signs_in(username, password)
    assert member is not None
    people = member.get(f"{P}/danh-sach/").content.decode()
    assert "Nông Văn Nà" in people
    assert "Lý Thị Khuổi" not in people
    assert "/nguoi-dung/" not in people  # no tab to the managers' page
    assert member.get(f"{P}/nguoi-dung/").status_code == 404


def test_locking_and_resetting_stay_within_the_programme(login, programme, user):
    manager = login("quanly")
    with pytest.raises(PermissionDenied):
        team.team_password_reset(actor=user("quanly"), programme=programme, user=user("admin"))
    officer = user("xa-songcau")
    manager.post(f"{P}/nguoi-dung/", {"action": "deactivate", "user": officer.pk})
    officer.refresh_from_db()
    assert not officer.is_active
    assert _signs_in("xa-songcau", "phocap-demo-2023") is None
    page = manager.post(f"{P}/nguoi-dung/", {"action": "reset", "user": officer.pk}).content.decode()
    password = re.search(r'<code class="password">([^<]+)</code>', page).group(1)
    manager.post(f"{P}/nguoi-dung/", {"action": "activate", "user": officer.pk})
    assert _signs_in("xa-songcau", password) is not None
    role = Membership.objects.get(user=officer)
    manager.post(f"{P}/nguoi-dung/", {"action": "revoke", "membership": role.pk})
    assert not Membership.objects.filter(user=officer).exists()
    assert set(AuditEvent.objects.filter(actor_label="quanly").values_list("action", flat=True)) >= {
        "user.deactivate",
        "user.password_reset",
        "membership.revoke",
    }


def test_cli_user_import_makes_a_village_team(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    sheet = tmp_path / "to-cns.xlsx"
    sheet.write_bytes(
        book(
            [
                ["TT", "Họ và tên", "Số điện thoại", "Thôn/bản"],
                [1, "Hoàng Thị Vân", "0912345678", "Thôn Nà Coóc"],
                [2, "Hoàng Thị Vân", "0987654321", "Thôn Nà Coóc"],
                [3, "Lý Văn Tổ", None, "Thôn Khuổi Bốc"],
            ]
        )
    )
    result = cli(
        "user",
        "import",
        str(sheet),
        "--programme",
        "bac-kan-2023",
        "--role",
        "digital_team_member",
        "--commune",
        GIAO_HIEU,
        "--json",
        database_url=url,
    )
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)["created"]
    assert [m["username"] for m in made] == ["vanht", "vanht2", "tolv"]
    assert all(len(m["password"]) == 14 for m in made)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(book([["Họ và tên", "Thôn/bản"], ["Ma Văn A", None]]))
    refused = cli(
        "user",
        "import",
        str(bad),
        "--programme",
        "bac-kan-2023",
        "--role",
        "digital_team_member",
        "--commune",
        GIAO_HIEU,
        database_url=url,
    )
    assert refused.returncode != 0
    assert "Dòng 2" in refused.stderr


def test_every_tab_a_role_sees_opens(login):
    for username in ("quanly", "mttq", "so-tttt", "xa-giaohieu", "vnpt", "to-cns", "kiemtoan"):
        client = login(username)
        html = client.get(f"{P}/").content.decode()
        nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S).group(1)
        for link in re.findall(r'href="([^"]+)"', nav):
            assert client.get(link).status_code == 200, (username, link)


def test_a_commune_officer_is_not_linked_to_other_communes(login):
    html = login("xa-giaohieu").get(f"{P}/").content.decode()
    assert f"{P}/communes/{GIAO_HIEU}/" in html
    assert f"{P}/communes/01837/" not in html


def test_the_api_manages_the_team_with_a_managers_bearer_token(programme, user):
    from django.test import Client

    from phocap.accounts.services import api_token_create

    _two_villages(programme)
    second = team.team_user_create(
        actor=SYSTEM,
        programme=programme,
        full_name="Quản lý Hai",
        role="programme_manager",
        place=team.Place(),
        username="quanly2",
    )
    assert second[0].username == "quanly2"
    _, secret = api_token_create(actor=SYSTEM, user=user("quanly"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/programmes/{programme.code}/team"
    body = {"full_name": "Hoàng Thị Vân", "role": "digital_team_member", "commune": GIAO_HIEU, "village": "Nà Coóc"}
    made = api.post(url, body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made["Cache-Control"] == "private, no-store"
    username, password = made.json()["username"], made.json()["password"]
    assert username == "vanht"
    assert _signs_in(username, password) is not None

    listed = {m["username"]: m for m in api.get(url).json()}
    assert listed["vanht"]["roles"][0]["village"] == "Nà Coóc"
    granted = api.post(
        f"{url}/vanht/roles", {"role": "commune_officer", "commune": GIAO_HIEU}, content_type="application/json"
    )
    assert granted.status_code == 201
    assert granted.json()["commune"] == GIAO_HIEU
    wrong = api.post(
        f"{url}/vanht/roles", {"role": "commune_officer", "commune": "99999"}, content_type="application/json"
    )
    assert wrong.status_code == 404
    assert api.delete(f"{url}/roles/{granted.json()['id']}").status_code == 204

    reset = api.post(f"{url}/vanht/password")
    assert reset.status_code == 200
    assert reset["Cache-Control"] == "private, no-store"
    assert _signs_in("vanht", password) is None
    new = reset.json()["password"]
    locked = api.post(f"{url}/vanht/active", {"active": False}, content_type="application/json")
    assert locked.json()["active"] is False
    assert _signs_in("vanht", new) is None
    api.post(f"{url}/vanht/active", {"active": True}, content_type="application/json")
    assert _signs_in("vanht", new) is not None

    sheet = book([["Họ và tên", "Số điện thoại", "Thôn/bản"], ["Lý Văn Tổ", "0912345678", "Thôn Khuổi Bốc"]])
    imported = api.post(
        f"{url}/import?role=digital_team_member&commune={GIAO_HIEU}",
        {"file": _upload("to.xlsx", sheet)},
    )
    assert imported.status_code == 201, imported.content
    assert [m["username"] for m in imported.json()["created"]] == ["tolv"]

    assert api.post(f"{url}/quanly2/password").status_code == 403  # another manager: the administrator's to reset
    assert api.post(f"{url}/quanly2/active", {"active": False}, content_type="application/json").status_code == 403
    again = {**body, "full_name": "Ma Văn Duyệt", "role": "programme_manager"}
    assert api.post(url, again, content_type="application/json").status_code == 403  # four eyes: no second self
    assert api.post(f"{url}/admin/password").status_code == 404  # not a member of the programme
    _, officer = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="thử")
    other = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {officer}")
    assert other.get(url).status_code == 403
    assert other.post(url, body, content_type="application/json").status_code == 403


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_cli_locks_an_account_and_resets_its_password(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    sheet = tmp_path / "to.xlsx"
    sheet.write_bytes(book([["Họ và tên", "Thôn/bản"], ["Lý Văn Tổ", "Thôn Khuổi Bốc"]]))
    args = ("--programme", "bac-kan-2023")
    made = cli(
        "user", "import", str(sheet), *args, "--role", "digital_team_member", "--commune", GIAO_HIEU, database_url=url
    )
    assert made.returncode == 0, made.stderr
    locked = cli("user", "deactivate", "tolv", *args, "--json", database_url=url)
    assert json.loads(locked.stdout) == {"username": "tolv", "active": False}
    opened = cli("user", "deactivate", "tolv", *args, "--activate", database_url=url)
    assert "mở lại" in opened.stdout
    reset = cli("user", "reset-password", "tolv", *args, "--json", database_url=url)
    assert len(json.loads(reset.stdout)["password"]) == 14
    missing = cli("user", "reset-password", "khong-co", *args, database_url=url)
    assert missing.returncode != 0
    assert "Không có người dùng" in missing.stderr
