import json

import pytest
from stdnum import luhn

from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, PermissionDenied
from phocap.devices import selectors, services
from phocap.devices.models import Device, DeviceEvent
from phocap.fundraising.models import Donor, JournalLine
from phocap.fundraising.selectors import funds_available

pytestmark = pytest.mark.django_db
GIAO_HIEU = "01870"
DONOR = "Công ty TNHH Thiết bị số Bắc Kạn — ví dụ"


def imeis(n, start=35_000_000_000_000):
    """n valid 15-digit IMEIs (14 digits + Luhn check digit)."""
    return [f"{start + i:014d}" + luhn.calc_check_digit(f"{start + i:014d}") for i in range(n)]


@pytest.fixture
def model(programme):
    return services.phone_model_create(actor=SYSTEM, programme=programme, name="Samsung Galaxy A05", price=2_000_000)


def order_of(programme, model, quantity=10, unit_price=2_000_000, earmark=None):
    return services.purchase_order_create(
        actor=SYSTEM,
        programme=programme,
        phone_model=model,
        quantity=quantity,
        unit_price=unit_price,
        supplier_name="Nhà cung cấp ví dụ",
        earmark=earmark,
    )


def test_imei_is_checked_for_length_digits_and_luhn():
    good = imeis(1)[0]
    assert services.read_imei(good) == (good, "")
    assert services.read_imei(f"{good[:2]}-{good[2:8]}-{good[8:]}")[0] == good
    bad_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert "Luhn" in services.read_imei(bad_digit)[1]
    assert "15 chữ số" in services.read_imei(good[:-1])[1]
    assert "chữ số" in services.read_imei("35A000000000000")[1]


def test_a_purchase_is_paid_from_the_funds_by_one_balanced_entry(programme, model):
    before = funds_available(programme)
    order = order_of(programme, model, quantity=10)
    lines = list(JournalLine.objects.filter(entry=order.payment).select_related("account"))
    assert sum(line.amount for line in lines) == 0
    assert {line.account.code: line.amount for line in lines} == {"bank": -20_000_000, "spent_on_phones": 20_000_000}
    after = funds_available(programme)
    assert before.general - after.general == 20_000_000


def test_overspending_the_funds_is_refused(programme, model):
    available = funds_available(programme).general
    with pytest.raises(Conflict) as info:
        order_of(programme, model, quantity=available // 2_000_000 + 1)
    assert info.value.code in ("insufficient_funds", "insufficient_bank")
    assert "Không đủ tiền" in info.value.message or "ngân hàng" in info.value.message


def test_an_earmarked_commune_spends_its_own_fund_first(programme, model):
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    funds = funds_available(programme)
    own = funds.earmarked.get(commune.pk, 0)
    assert own > 0, "the demo has a pledge earmarked for Giáo Hiệu"
    quantity = own // 2_000_000 + 1  # a little more than its own fund
    order = order_of(programme, model, quantity=quantity, earmark=commune)
    spent = {
        (line.account.commune_id, line.amount)
        for line in JournalLine.objects.filter(entry=order.payment, account__code="spent_on_phones").select_related(
            "account"
        )
    }
    assert spent == {(commune.pk, own), (None, quantity * 2_000_000 - own)}
    assert funds_available(programme).earmarked.get(commune.pk, 0) == 0


def test_devices_are_received_against_the_order_with_reasons_for_the_rest(programme, model):
    order = order_of(programme, model, quantity=3)
    good = imeis(4)
    bad = good[0][:-1] + str((int(good[0][-1]) + 1) % 10)
    result = services.device_receive(
        actor=SYSTEM,
        programme=programme,
        phone_model=model,
        imeis=[good[0], good[1], good[1], bad, "12345", good[2], good[3], ""],
        purchase_order=order,
    )
    assert len(result.received) == 3
    reasons = {r["imei"]: r["reason"] for r in result.rejected}
    assert "Trùng trong danh sách" in reasons[good[1]]
    assert "Luhn" in reasons[bad]
    assert "15 chữ số" in reasons["12345"]
    assert "Vượt số máy" in reasons[good[3]]
    again = services.device_receive(
        actor=SYSTEM, programme=programme, phone_model=model, imeis=[good[0]], purchase_order=order
    )
    assert again.received == []
    assert "đã có" in again.rejected[0]["reason"]
    trace = selectors.spending(actor=SYSTEM, programme=programme)
    assert trace[0]["entry"] == str(order.payment_id)
    assert trace[0]["devices"] == sorted(good[:3])


def test_donated_phones_fulfil_the_donors_pledge_and_are_checked(programme, model):
    from phocap.fundraising.models import Pledge

    donor = Donor.objects.get(programme=programme, name=DONOR)
    pledge = Pledge.objects.get(donor=donor, phones__isnull=False)
    numbers = imeis(3, start=36_000_000_000_000)
    result = services.device_receive(actor=SYSTEM, programme=programme, phone_model=model, imeis=numbers, donor=donor)
    assert {d.pledge_id for d in result.received} == {pledge.pk}
    locked, repair, old = (Device.objects.get(imei=i) for i in numbers)
    services.device_check(
        actor=SYSTEM, device=locked, factory_reset=True, activation_lock_free=False, battery_ok=True, screen_ok=True
    )
    services.device_check(
        actor=SYSTEM, device=repair, factory_reset=True, activation_lock_free=True, battery_ok=False, screen_ok=True
    )
    services.device_check(
        actor=SYSTEM,
        device=old,
        factory_reset=True,
        activation_lock_free=True,
        battery_ok=True,
        screen_ok=True,
        made_in_year=2015,
    )
    states = {d.imei: d.state for d in Device.objects.filter(imei__in=numbers)}
    assert [states[i] for i in numbers] == ["locked", "needs_repair", "rejected"]
    assert "2015" in DeviceEvent.objects.filter(device=old).last().note


def test_moves_follow_the_state_machine_and_events_are_append_only(programme, model):
    from django.db import DatabaseError, transaction

    order = order_of(programme, model, quantity=1)
    (device,) = services.device_receive(
        actor=SYSTEM, programme=programme, phone_model=model, imeis=imeis(1, 37_000_000_000_000), purchase_order=order
    ).received
    with pytest.raises(Conflict):
        services.device_move(actor=SYSTEM, device=device, to_state="handed_over")
    services.device_move(actor=SYSTEM, device=device, to_state="ready")
    event = DeviceEvent.objects.filter(device=device).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        DeviceEvent.objects.filter(pk=event.pk).update(note="changed")


def test_a_transfer_is_confirmed_by_the_receiving_commune(programme, model, user):
    commune = programme.communes.get(unit__code=GIAO_HIEU)
    order = order_of(programme, model, quantity=1)
    (device,) = services.device_receive(
        actor=SYSTEM,
        programme=programme,
        phone_model=model,
        imeis=imeis(1, 38_000_000_000_000),
        purchase_order=order,
        ready=True,
    ).received
    services.transfer_send(actor=user("quanly"), device=device, to=commune)
    device.refresh_from_db()
    assert (device.state, device.location) == ("in_transit", commune)
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(actor=user("xa-songcau"), device=device)
    services.transfer_confirm(actor=user("xa-giaohieu"), device=device)
    device.refresh_from_db()
    assert (device.state, device.location) == ("ready", commune)


def test_stock_is_counted_from_events_and_matches_the_states(programme, model):
    order = order_of(programme, model, quantity=5)
    services.device_receive(
        actor=SYSTEM, programme=programme, phone_model=model, imeis=imeis(5, 39_000_000_000_000), purchase_order=order
    )
    first = Device.objects.filter(purchase_order=order).first()
    services.device_move(actor=SYSTEM, device=first, to_state="ready")
    data = selectors.stock(actor=SYSTEM, programme=programme)
    assert data["total"] == 5
    assert data["locations"] == [{"location": "", "states": {"ready": 1, "received": 4}}]
    from django.db.models import Count

    by_state = dict(Device.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    assert by_state == data["locations"][0]["states"]


def test_only_the_manager_buys_and_receives_for_the_province(programme, model, user):
    with pytest.raises(PermissionDenied):
        services.purchase_order_create(
            actor=user("xa-giaohieu"),
            programme=programme,
            phone_model=model,
            quantity=1,
            unit_price=1,
            supplier_name="x",
        )
    order = order_of(programme, model, quantity=1)
    with pytest.raises(PermissionDenied):
        services.device_receive(
            actor=user("mttq"), programme=programme, phone_model=model, imeis=imeis(1), purchase_order=order
        )


def test_cli_receive_prints_received_and_rejected(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
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
        "2",
        "--unit-price",
        "2000000",
        "--supplier",
        "Nhà cung cấp ví dụ",
        "--date",
        "2023-10-12",
        "--invoice",
        "HĐ-77",
        "--json",
        database_url=url,
    )
    assert made.returncode == 0, made.stderr
    order = json.loads(made.stdout)["purchase_order"]
    good = imeis(2)
    path = tmp_path / "imei.txt"
    path.write_text("\n".join([good[0], good[0], "123", good[1]]) + "\n")
    result = cli(
        "devices",
        "receive",
        *args,
        "--model",
        "Samsung Galaxy A05",
        "--imei-file",
        str(path),
        "--purchase-order",
        str(order),
        "--ready",
        "--json",
        database_url=url,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["received"] == 2
    assert [r["imei"] for r in data["rejected"]] == [good[0], "123"]
    assert set(data["rejected"][0]) == {"imei", "reason"}
    unknown = cli(
        "devices",
        "receive",
        *args,
        "--model",
        "Nokia 1",
        "--imei-file",
        str(path),
        "--donated-by",
        "X",
        database_url=url,
    )
    assert unknown.returncode == 2
    assert "Không tìm thấy nhà hảo tâm" in unknown.stderr
    _cli_receives_a_gift_in_kind(cli, url, args, tmp_path)
    _cli_moves_phones(cli, url, args, tmp_path, good[1:])


def _cli_moves_phones(cli, url, args, tmp_path, numbers):
    """Orders listed, a model's price typed as people type it, phones sent to a commune and confirmed there by its
    officer, each printing its JSON."""

    def run(*words, who="quanly"):
        done = cli("--as", who, "devices", *words, *args, "--json", database_url=url)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    orders = run("orders")["purchase_orders"]
    assert {"purchase_order", "model", "quantity", "unit_price", "total", "received", "entry"} <= set(orders[0])
    dated = next(o for o in orders if o["invoice"] == "HĐ-77")
    assert (dated["ordered_on"], dated["void"]) == ("2023-10-12", False)
    spare = run(
        "purchase", "--model", "Xiaomi Redmi 9A", "--quantity", "1", "--unit-price", "1,75 triệu", "--supplier", "x"
    )
    voided = run("purchase-void", "--purchase-order", str(spare["purchase_order"]), "--reason", "nhập nhầm")
    assert (voided["purchase_order"], voided["status"]) == (spare["purchase_order"], "void")
    assert run("model-price", "--model", "Xiaomi Redmi 9A", "--price", "1.750.000")["price"] == 1_750_000
    path = tmp_path / "gui.txt"
    path.write_text("\n".join([*numbers, "999"]))
    sent = run("transfer", "--imei-file", str(path), "--to", GIAO_HIEU)
    assert sent["sent"] == len(numbers)
    assert [r["imei"] for r in sent["rejected"]] == ["999"]
    arrived = run("arrived", "--all", who="xa-giaohieu")
    assert arrived == {"confirmed": len(numbers), "rejected": []}
    again = run("arrived", "--imei-file", str(path), who="xa-giaohieu")
    assert again["confirmed"] == 0
    assert len(again["rejected"]) == len(numbers) + 1


def _cli_receives_a_gift_in_kind(cli, url, args, tmp_path):
    """Donated phones from the console (issue #15): their value typed as people type it; the demo donor's pledge
    is already complete, so they are a gift without a pledge."""
    path = tmp_path / "tang.txt"
    path.write_text("\n".join(imeis(2, 59_000_000_000_000)))
    given = ("devices", "receive", *args, "--model", "Xiaomi Redmi 9A", "--imei-file", str(path))
    donor = ("--donated-by", DONOR, "--date", "2023-10-22")
    unpriced = cli(*given, *donor, database_url=url)
    assert unpriced.returncode == 2
    assert "chưa có giá tham khảo" in unpriced.stderr
    wrong = cli(*given, *donor, "--unit-value", "hai triệu", database_url=url)
    assert wrong.returncode == 2
    assert "Số tiền không đọc được" in wrong.stderr
    done = cli(*given, *donor, "--unit-value", "1.800.000 đ", "--json", database_url=url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["received"] == 2
    assert [(g["phones"], g["amount"], g["pledge"]) for g in report["gifts"]] == [(2, 3_600_000, None)]


def test_the_phones_page_receives_pasted_imeis_with_reasons(login, programme, model):
    order = order_of(programme, model, quantity=2)
    client = login("quanly")
    good = imeis(2, 44_000_000_000_000)
    page = client.post(
        "/p/bac-kan-2023/may/",
        {"model": model.pk, "source": f"po-{order.pk}", "imeis": f"{good[0]}\n{good[0]}\n{good[1]}\n", "ready": "1"},
    ).content.decode()
    assert "Đã nhận 2 máy" in page
    assert "Trùng trong danh sách" in page
    assert Device.objects.filter(purchase_order=order, state="ready").count() == 2
    assert "2/2" in client.get("/p/bac-kan-2023/may/").content.decode()
    officer = login("xa-giaohieu").get("/p/bac-kan-2023/may/").content.decode()
    assert "Kho:" not in officer  # a commune officer gets the checks form only (tests/devices/test_checks.py)


def test_imeis_come_from_a_spreadsheets_first_column_too(programme, model):
    import io

    from openpyxl import Workbook

    numbers = imeis(3, 45_000_000_000_000)
    book = Workbook()
    book.active.append(["IMEI", "Ghi chú"])
    book.active.append([int(numbers[0]), "số"])
    book.active.append([numbers[1], "chữ"])
    book.active.append([None, None])
    book.active.append([f"{numbers[2][:8]} {numbers[2][8:]}", "có dấu cách"])
    out = io.BytesIO()
    book.save(out)
    read = services.imeis_from_file(out.getvalue(), "imei.xlsx")
    order = order_of(programme, model, quantity=3)
    result = services.device_receive(
        actor=SYSTEM, programme=programme, phone_model=model, imeis=read, purchase_order=order
    )
    assert sorted(d.imei for d in result.received) == sorted(numbers)
    assert services.imeis_from_file(b"\xef\xbb\xbf1\n2\n", "a.txt") == ["1", "2"]


def test_the_manager_orders_phones_from_the_page_and_overspending_is_refused(login, programme):
    client = login("quanly")
    page = client.get("/p/bac-kan-2023/may/").content.decode()
    assert "Quỹ chung còn" in page
    done = client.post(
        "/p/bac-kan-2023/may/",
        {"action": "purchase", "model_name": "Nokia C32", "quantity": "5", "unit_price": "2.100.000", "supplier": "x"},
        follow=True,
    ).content.decode()
    assert "Đã đặt mua đơn" in done
    order = selectors.spending(actor=SYSTEM, programme=programme)[-1]
    assert (order["model"], order["quantity"], order["total"]) == ("Nokia C32", 5, 10_500_000)
    refused = client.post(
        "/p/bac-kan-2023/may/",
        {
            "action": "purchase",
            "model_name": "Nokia C32",
            "quantity": "100000",
            "unit_price": "2000000",
            "supplier": "x",
        },
        follow=True,
    ).content.decode()
    assert "Không đủ tiền" in refused or "ngân hàng" in refused
