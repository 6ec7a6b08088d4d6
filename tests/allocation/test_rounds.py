import datetime as dt
import json

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from phocap.allocation import selectors, services
from phocap.allocation.models import Placement, Reservation, Round, RoundCommune
from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, PermissionDenied
from phocap.devices import services as devices
from phocap.devices.models import Device
from phocap.registry.consents import consent_bulk
from phocap.registry.importing import import_residents
from phocap.registry.models import Consent, Resident
from phocap.registry.search import ResidentFilter
from tests.devices.test_devices import imeis
from tests.registry.test_dedup import _book

pytestmark = pytest.mark.django_db
GIAO_HIEU, SONG_CAU = "01870", "01837"
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Lâm", "Minh", "Nam", "Phúc", "Quang", "Sơn"]
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Mã hộ", "Diện hộ", "Đối tượng ưu tiên"]


def people(prefix, n, start=1):
    rows = []
    for i in range(start, start + n):
        poverty = "Hộ nghèo" if i % 3 == 0 else ("Hộ cận nghèo" if i % 3 == 1 else "")
        given = GIVEN[i % len(GIVEN)] + ("" if i < len(GIVEN) else " " + GIVEN[i // len(GIVEN)])
        rows.append([i, f"{prefix} Văn {given}", 1940 + i, "Nam", f"H{i}", poverty, ""])
    return rows


@pytest.fixture
def registry(programme):
    import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([HEADER, *people("Hoàng", 12)]),
        filename="gh.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )
    import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([HEADER, *people("Ma", 4, start=50)]),
        filename="sc.xlsx",
        commune_code=SONG_CAU,
        smartphone_status="lacks",
    )
    consent_bulk(
        actor=SYSTEM,
        programme=programme,
        given_on=dt.date(2023, 9, 15),
        method="paper",
        filters=ResidentFilter(commune=GIAO_HIEU),
    )
    consent_bulk(
        actor=SYSTEM,
        programme=programme,
        given_on=dt.date(2023, 9, 15),
        method="paper",
        filters=ResidentFilter(commune=SONG_CAU),
    )
    return programme


def stock(programme, n, earmark=None, start=41_000_000_000_000):
    model = devices.phone_model_create(actor=SYSTEM, programme=programme, name="Samsung Galaxy A05")
    order = devices.purchase_order_create(
        actor=SYSTEM,
        programme=programme,
        phone_model=model,
        quantity=n,
        unit_price=1_000_000,
        supplier_name="x",
        earmark=earmark,
    )
    devices.device_receive(
        actor=SYSTEM, programme=programme, phone_model=model, imeis=imeis(n, start), purchase_order=order, ready=True
    )


def test_a_round_places_every_eligible_person_with_a_reason_and_splits_fairly(registry, user):
    stock(registry, 8)
    round_ = services.round_propose(actor=user("quanly"), programme=registry, seed="công bố 20/10/2023")
    summary = selectors.round_summary(round_)
    assert summary["devices"] == 8
    assert summary["selected"] == 8
    coverage = {c["code"]: c for c in summary["communes"]}
    assert (coverage[GIAO_HIEU]["eligible"], coverage[SONG_CAU]["eligible"]) == (12, 4)
    # 8 devices for 16 people: both communes at 50 %
    assert (coverage[GIAO_HIEU]["selected"], coverage[SONG_CAU]["selected"]) == (6, 2)
    placements = list(Placement.objects.filter(round=round_, commune__unit__code=GIAO_HIEU).order_by("rank"))
    assert [p.group for p in placements] == sorted(p.group for p in placements)  # priority order respected
    first = placements[0]
    assert "Hộ nghèo" in first.reason
    assert "tuổi — xếp thứ 1/12 tại" in first.reason
    assert "chưa được chọn: hết máy" in placements[-1].reason
    again = selectors.round_summary(round_)["selected_residents"]
    assert again == summary["selected_residents"]


def test_eligibility_needs_consent_lack_of_a_phone_and_no_exclusion(registry, user):
    stock(registry, 2)
    someone, other, third = Resident.objects.filter(commune__unit__code=GIAO_HIEU).order_by("pk")[:3]
    Consent.objects.filter(resident=someone).update(withdrawn_on="2023-10-01")
    Resident.objects.filter(pk=other.pk).update(smartphone_status="has")
    round_ = services.round_propose(actor=user("quanly"), programme=registry, seed="s")
    placed = set(Placement.objects.filter(round=round_).values_list("resident_id", flat=True))
    assert someone.pk not in placed
    assert other.pk not in placed
    assert third.pk in placed
    services.exclude_resident(actor=user("xa-giaohieu"), round_=round_, resident_id=third.pk, reason="Đã chuyển đi")
    assert not Placement.objects.filter(round=round_, resident=third).exists()  # re-ranked without them
    with pytest.raises(Exception, match="Không tìm thấy"):
        services.exclude_resident(actor=user("xa-songcau"), round_=round_, resident_id=third.pk, reason="x")


def test_approval_by_another_manager_reserves_a_ready_device_in_each_persons_commune(registry, user):
    from phocap.accounts.models import Membership, Role, User

    stock(registry, 5)
    second = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=second, role=Role.PROGRAMME_MANAGER, programme=registry)
    round_ = services.round_propose(actor=user("quanly"), programme=registry, seed="s")
    with pytest.raises(PermissionDenied):
        services.round_approve(actor=user("quanly"), round_=round_)  # maker-checker
    services.round_approve(actor=second, round_=round_)
    reservations = list(Reservation.objects.filter(round=round_).select_related("device", "resident"))
    assert len(reservations) == 5
    for r in reservations:
        assert r.device.state == "reserved"
        assert r.device.location_id == r.resident.commune_id == r.commune_id
    with pytest.raises(Conflict):
        services.round_approve(actor=second, round_=round_)
    nxt = services.round_propose(actor=user("quanly"), programme=registry, seed="t")
    reserved = {r.resident_id for r in reservations}
    assert not Placement.objects.filter(round=nxt, resident_id__in=reserved).exists()  # not given twice


def test_earmarked_devices_stay_with_their_commune(registry, user):
    song_cau = registry.communes.get(unit__code=SONG_CAU)
    stock(registry, 3, earmark=song_cau)
    round_ = services.round_propose(actor=user("quanly"), programme=registry, seed="s")
    shares = {c.commune.unit.code: c.allocated for c in RoundCommune.objects.filter(round=round_)}
    assert shares == {GIAO_HIEU: 0, SONG_CAU: 3}


def test_the_database_refuses_a_reservation_for_a_device_not_ready_or_elsewhere(registry, user):
    stock(registry, 2)
    round_ = services.round_propose(actor=user("quanly"), programme=registry, seed="s")
    resident = Resident.objects.filter(commune__unit__code=GIAO_HIEU).first()
    device = Device.objects.filter(programme=registry).first()  # in the provincial store, not in the commune
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Reservation.objects.create(
            programme=registry, round=round_, resident=resident, commune=resident.commune, device=device
        )
    Device.objects.filter(pk=device.pk).update(location=resident.commune)
    Reservation.objects.create(
        programme=registry, round=round_, resident=resident, commune=resident.commune, device=device
    )
    other = Resident.objects.filter(commune__unit__code=GIAO_HIEU).exclude(pk=resident.pk).first()
    with pytest.raises(IntegrityError), transaction.atomic():  # the same device for a second person
        Reservation.objects.create(
            programme=registry, round=round_, resident=other, commune=other.commune, device=device
        )


def test_cli_allocate_prints_the_documented_json(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert cli("init", "--demo", database_url=url).returncode == 0
    args = ("--programme", "bac-kan-2023")
    assert cli("devices", "model-add", "Samsung Galaxy A05", *args, database_url=url).returncode == 0
    made = cli(
        "devices",
        "purchase",
        *args,
        "--model",
        "Samsung Galaxy A05",
        "--quantity",
        "20",
        "--unit-price",
        "2000000",
        "--supplier",
        "x",
        "--json",
        database_url=url,
    )
    path = tmp_path / "imei.txt"
    numbers = imeis(20)
    path.write_text("\n".join(numbers))
    received = cli(
        "devices",
        "receive",
        *args,
        "--model",
        "Samsung Galaxy A05",
        "--imei-file",
        str(path),
        "--purchase-order",
        str(json.loads(made.stdout)["purchase_order"]),
        database_url=url,
    )
    assert received.returncode == 0, received.stderr
    path.write_text("\n".join([*numbers, "35000"]))
    checked = cli("devices", "check", *args, "--imei-file", str(path), "--result", "ready", "--json", database_url=url)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["checked"] == 20
    assert [r["imei"] for r in report["rejected"]] == ["35000"]
    assert set(report["rejected"][0]) == {"imei", "reason"}

    proposed = cli("--as", "quanly", "allocate", *args, "--seed", "S-0", "--json", database_url=url)
    assert proposed.returncode == 0, proposed.stderr
    first = json.loads(proposed.stdout)
    assert first["status"] == "proposed"
    assert first["ready_devices"] >= 20
    assert first["eligible"] == sum(c["eligible"] for c in first["communes"])
    busy = cli("--as", "quanly", "allocate", *args, database_url=url)
    assert busy.returncode != 0
    assert "hủy" in busy.stderr
    cancelled = cli(
        "--as",
        "quanly",
        "allocate",
        *args,
        "--cancel",
        str(first["round"]),
        "--reason",
        "chờ thêm máy",
        "--json",
        database_url=url,
    )
    assert json.loads(cancelled.stdout) == {"round": first["round"], "status": "cancelled"}
    result = cli("--as", "quanly", "allocate", *args, "--seed", "S-2023", "--json", database_url=url)
    assert result.returncode == 0, result.stderr
    again = json.loads(result.stdout)
    self_approved = cli("--as", "quanly", "allocate", *args, "--approve", str(again["round"]), database_url=url)
    assert self_approved.returncode != 0
    assert "khác người đề xuất" in self_approved.stderr
    approved = cli("--as", "admin", "allocate", *args, "--approve", str(again["round"]), "--json", database_url=url)
    assert approved.returncode == 0, approved.stderr
    data = json.loads(approved.stdout)
    assert set(data) >= {"round", "seed", "policy_version", "devices", "selected", "communes", "selected_residents"}
    assert set(data) >= {"ready_devices", "eligible"}
    assert (data["seed"], data["policy_version"], data["status"]) == ("S-2023", 1, "approved")
    assert data["devices"] >= 20  # the 20 bought and checked here, and the demo's phones returned to stock
    assert set(data["communes"][0]) >= {"code", "eligible", "selected", "coverage"}
    assert data["selected"] == sum(c["selected"] for c in data["communes"]) == len(data["selected_residents"])
    assert data["selected"] == data["devices"]
    listed = cli("--as", "admin", "posting", "list", *args, "--json", database_url=url)
    for posting in json.loads(listed.stdout):
        posted = ("--as", "admin", "posting", "posted", str(posting["posting"]), *args, "--on", "2023-10-23")
        assert cli(*posted, "--json", database_url=url).returncode == 0
    _handover_by_cli(cli, url, args, tmp_path)


def _handover_by_cli(cli, url, args, tmp_path):
    """The hall, from the console (issue #15): an event, who it expects, a handover with its SIM, a no-show undone,
    a return — each printing the documented JSON."""
    import csv
    import io

    def run(*words):
        done = cli("handover", *words, *args, "--json", database_url=url)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    event = run("event-add", "--commune", GIAO_HIEU, "--date", "2023-11-10", "--place", "Nhà văn hóa thôn Nà Coóc")
    assert set(event) == {"event", "expected"}
    assert event["expected"] > 1
    waiting = run("expected", "--event", str(event["event"]))["expected"]
    first, second = waiting[0], waiting[1]
    exported = cli("registry", "export", *args, "--commune", GIAO_HIEU, "--format", "csv", database_url=url)
    numbers = {
        int(r["resident_id"]): r["id_number"] for r in csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff")))
    }
    record = (
        "record",
        "--event",
        str(event["event"]),
        "--resident",
        str(first["resident"]),
        "--id-number",
        numbers[first["resident"]],
        "--imei",
        first["imei"],
        "--confirmation",
        "thumbprint",
        "--sim",
        "0912345678",
        "--carrier",
        "Viettel",
    )
    given = run(*record)
    assert set(given) == {"handover"}
    assert run(*record) == given  # the same command again is the same handover
    absent = run("absent", "--event", str(event["event"]), "--resident", str(second["resident"]))
    assert absent["status"] == "released"
    back = run("absent", "--event", str(event["event"]), "--resident", str(second["resident"]), "--undo")
    assert back["status"] == "active"
    returned = run("return", "--handover", str(given["handover"]), "--reason", "Chuyển đi", "--device-ok")
    assert (returned["handover"], returned["status"]) == (given["handover"], "returned")
    labels = run("labels", "--event", str(event["event"]), "--output", str(tmp_path / "nhan.pdf"))
    assert (tmp_path / "nhan.pdf").read_bytes().startswith(b"%PDF")
    assert labels["bytes"] == (tmp_path / "nhan.pdf").stat().st_size
    found = cli("devices", "find", first["imei"][-5:], *args, "--json", database_url=url)
    assert [d["imei"] for d in json.loads(found.stdout)["devices"]] == [first["imei"]]
    assert json.loads(found.stdout)["devices"][0]["events"][-1]["state"] == "ready"  # given back, still good
    closed = run("close", "--event", str(event["event"]), "--minutes", str(tmp_path / "bb.pdf"))
    assert (closed["event"], closed["handed"], closed["absent"]) == (event["event"], 1, 0)
    assert closed["waiting"] == event["expected"] - 1
    assert closed["closed_at"]
    assert (tmp_path / "bb.pdf").read_bytes().startswith(b"%PDF")
    late = cli(
        "handover",
        "absent",
        "--event",
        str(event["event"]),
        "--resident",
        str(second["resident"]),
        *args,
        database_url=url,
    )
    assert late.returncode != 0
    assert "đã kết thúc" in late.stderr


def test_the_manager_makes_a_new_policy_version_and_old_rounds_keep_theirs(registry, login, user):
    stock(registry, 2)
    first = services.round_propose(actor=user("quanly"), programme=registry, seed="s")
    client = login("quanly")
    done = client.post(
        "/p/bac-kan-2023/phan-bo/", {"action": "policy", "order": "3,4,1,2,5,6", "note": "Hộ nghèo trước"}, follow=True
    ).content.decode()
    assert "Đã lưu chính sách phiên bản 2" in done
    first.refresh_from_db()
    assert first.policy.version == 1
    policy = selectors.policy_current(registry)
    assert (policy.version, policy.groups["order"], policy.one_per_household) == (2, [3, 4, 1, 2, 5, 6], False)
    bad = client.post("/p/bac-kan-2023/phan-bo/", {"action": "policy", "order": "1,1,2"}, follow=True)
    assert "Thứ tự phải gồm đủ các nhóm" in bad.content.decode()
    with pytest.raises(PermissionDenied):
        services.policy_update(
            actor=user("xa-giaohieu"), programme=registry, order=[1, 2, 3, 4, 5, 6], one_per_household=True
        )


def test_a_round_is_previewed_cancelled_and_approved_by_another_managers_own_token(registry, user):
    from django.test import Client

    from phocap.accounts.models import Membership, Role, User
    from phocap.accounts.services import api_token_create
    from phocap.core.models import AuditEvent

    stock(registry, 1)
    checker = User.objects.create_user(username="quanly2", password="x")
    Membership.objects.create(user=checker, role=Role.PROGRAMME_MANAGER, programme=registry)

    def api(username):
        _, secret = api_token_create(actor=SYSTEM, user=user(username), name="thử")
        return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")

    maker, other = api("quanly"), api("quanly2")
    base = f"/api/v1/programmes/{registry.code}/allocation"
    preview = maker.get(f"{base}/preview").json()
    assert (preview["ready_devices"], preview["eligible"], preview["communes"]) == (1, 16, 2)
    assert "Chỉ 1 máy cho 16 người" in preview["warning"]
    first = maker.post(f"{base}/rounds", {"seed": "a"}, content_type="application/json").json()
    assert first["ready_devices"] == 1
    assert first["eligible"] == 16
    url = f"{base}/rounds/{first['round']}/cancel"
    assert maker.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    cancelled = maker.post(url, {"reason": "Chờ thêm máy"}, content_type="application/json")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "Chờ thêm máy")
    assert Placement.objects.filter(round_id=first["round"]).count() == 16  # kept as history
    assert AuditEvent.objects.filter(action="round.cancel", object_id=str(first["round"])).exists()
    assert maker.post(url, {"reason": "lại"}, content_type="application/json").status_code == 409

    second = maker.post(f"{base}/rounds", {"seed": "b"}, content_type="application/json").json()
    approve = f"{base}/rounds/{second['round']}/approve"
    assert maker.post(approve).status_code == 403  # the proposer's own token
    done = other.post(approve)
    assert done.status_code == 200
    assert done.json()["status"] == "approved"
    assert Reservation.objects.filter(round_id=second["round"]).count() == 1


def test_the_rounds_page_warns_before_proposing_and_cancels_with_a_reason(registry, login):
    stock(registry, 1)
    page = login("quanly")
    shown = page.get("/p/bac-kan-2023/phan-bo/").content.decode()
    assert "1 máy sẵn sàng cho 16 người đủ điều kiện ở 2 xã/phường" in shown
    assert "Chỉ 1 máy cho 16 người" in shown
    page.post("/p/bac-kan-2023/phan-bo/", {"action": "propose", "seed": "x"})
    shown = page.get("/p/bac-kan-2023/phan-bo/").content.decode()
    assert "Hủy đợt này" in shown
    refused = page.post("/p/bac-kan-2023/phan-bo/", {"action": "cancel", "reason": " "}, follow=True).content.decode()
    assert "Cần ghi lý do hủy đợt" in refused
    done = page.post("/p/bac-kan-2023/phan-bo/", {"action": "cancel", "reason": "Sửa danh sách"}, follow=True)
    assert "Đã hủy đợt" in done.content.decode()
    assert "Lập đợt phân bổ mới" in done.content.decode()


def test_the_database_refuses_a_cancelled_round_without_its_reason(registry, user):
    round_ = services.round_propose(actor=user("quanly"), programme=registry, seed="s")
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=round_.pk).update(status="cancelled")
    services.round_cancel(actor=user("quanly"), round_=round_, reason="Sửa danh sách")
    assert Round.objects.get(pk=round_.pk).status == "cancelled"
