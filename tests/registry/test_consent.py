"""Consent at real size (issue #14): from the list's own column, in bulk afterwards (service, CLI, API, web), for
its purpose only; and the resident list an officer works in (search, filters, Vietnamese order)."""

import datetime as dt
import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.allocation import selectors as allocation
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.registry import search
from phocap.registry.consents import consent_bulk, consent_withdraw_bulk, id_ranges
from phocap.registry.importing import import_residents
from phocap.registry.models import Consent, Resident
from phocap.registry.names import name_keys
from phocap.registry.services import consent_record
from tests.registry.test_dedup import _book

pytestmark = pytest.mark.django_db
GIAO_HIEU, SONG_CAU = "01870", "01837"
P = "/p/bac-kan-2023/danh-sach"

# A commune's list in a layout the other tests do not use: two title rows, a header with a consent column, the
# "(1) (2) …" numbering row, village section rows, and a footer with the signers' names under their headings.
REAL_LIST = [
    ["ỦY BAN NHÂN DÂN XÃ GIÁO HIỆU", None, None, None, None, None, None],
    ["DANH SÁCH NGƯỜI DÂN CHƯA CÓ ĐIỆN THOẠI THÔNG MINH (đợt 1)", None, None, None, None, None, None],
    [None] * 7,
    [
        "TT",
        "Họ, chữ đệm và tên",
        "Ngày, tháng, năm sinh",
        "Giới tính",
        "Số định danh cá nhân",
        "Hộ nghèo",
        "Xác nhận đồng ý (ký/điểm chỉ)",
    ],
    ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
    ["Thôn Nà Pài", None, None, None, None, None, None],
    [1, "Nông Văn Tám", "12/05/1950", "Nam", "006050012345", "x", "x"],
    [2, "Hoàng Thị Chín", "1948", "Nữ", None, "x", "✓"],
    [3, "Lý Văn Mười", "1962", "Nam", None, None, "không"],
    [4, "Triệu Thị Một", "1970", "Nữ", None, None, None],
    ["Thôn Khuổi Ỏ", None, None, None, None, None, None],
    [5, "Ma Văn Hai", "1955", "Nam", None, "x", "20/09/2023"],
    [6, "Đinh Thị Ba", "1958", "Nữ", None, None, "đã ký"],
    [7, "Dương Văn Bốn", "1966", "Nam", None, None, "??"],
    ["Tổng cộng: 7 người", None, None, None, None, None, None],
    [None, "Giáo Hiệu, ngày 15 tháng 9 năm 2023", None, None, None, None, None],
    [None, "Người lập biểu", None, None, "TM. Ủy ban nhân dân", None, None],
    [None, None, None, None, "Chủ tịch", None, None],
    [None, "Hà Thị Lập", None, None, "Hoàng Văn Chủ", None, None],
]
CONSENTED = {"Nông Văn Tám", "Hoàng Thị Chín", "Ma Văn Hai", "Đinh Thị Ba"}


def _import_real(programme, actor=SYSTEM):
    return import_residents(
        actor=actor,
        programme=programme,
        data=_book(REAL_LIST),
        filename="giao-hieu-dot-1.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )


def test_a_real_list_records_consent_for_exactly_the_marked_people(programme):
    report = _import_real(programme)
    assert (report.rows, report.created, report.rejected) == (7, 7, 0), report.errors
    assert (report.consents, report.refusals) == (4, 1)
    assert [(n.row, n.code) for n in report.notes if n.column == "consent"] == [(14, "consent_unknown")]
    given = Consent.objects.filter(refused=False, kind="allocation")
    assert {c.resident.full_name for c in given} == CONSENTED
    assert {c.resident.full_name for c in Consent.objects.filter(refused=True)} == {"Lý Văn Mười"}
    on = {c.resident.full_name: c.given_on for c in given}
    assert on["Ma Văn Hai"] == dt.date(2023, 9, 20)  # the date in the cell
    assert on["Nông Văn Tám"] == dt.date(2023, 9, 15)  # else the list's date (its footer)
    assert {c.method for c in given} == {"paper"}
    assert all(c.import_batch_id == report.batch for c in Consent.objects.all())
    villages = dict(Resident.objects.values_list("full_name", "village"))
    assert (villages["Nông Văn Tám"], villages["Ma Văn Hai"]) == ("Thôn Nà Pài", "Thôn Khuổi Ỏ")
    assert not Resident.objects.filter(full_name__in=["Hà Thị Lập", "Hoàng Văn Chủ"]).exists()

    again = _import_real(programme)  # re-importing records nothing twice
    assert (again.created, again.consents, again.refusals) == (0, 0, 0)
    assert Consent.objects.count() == 5


def test_a_round_after_the_list_selects_exactly_those_who_consented_in_priority_order(programme):
    from phocap.allocation import services as rounds
    from tests.allocation.test_rounds import stock

    _import_real(programme)
    eligible = set(allocation.eligible_residents(programme).values_list("full_name", flat=True))
    assert eligible == CONSENTED
    stock(programme, 10)
    made = rounds.round_propose(actor=SYSTEM, programme=programme, seed="s")
    chosen = list(made.placements.filter(selected=True).order_by("rank").values_list("resident__full_name", flat=True))
    assert set(chosen) == CONSENTED
    # poor households first (group 1), older first within a group
    assert chosen == ["Hoàng Thị Chín", "Nông Văn Tám", "Ma Văn Hai", "Đinh Thị Ba"]


def test_only_consent_to_the_allocation_makes_a_person_eligible(programme):
    _import_real(programme)
    mot = Resident.objects.get(full_name="Triệu Thị Một")
    consent_record(actor=SYSTEM, resident=mot, kind="contact", given_on=dt.date(2023, 9, 1), method="verbal")
    assert not allocation.eligible_residents(programme).filter(pk=mot.pk).exists()
    consent_record(actor=SYSTEM, resident=mot, given_on=dt.date(2023, 9, 2), method="paper")
    assert allocation.eligible_residents(programme).filter(pk=mot.pk).exists()
    muoi = Resident.objects.get(full_name="Lý Văn Mười")  # refused on the list; later agreed on his own page
    consent_record(actor=SYSTEM, resident=muoi, given_on=dt.date(2023, 10, 1), method="paper")
    assert allocation.eligible_residents(programme).filter(pk=muoi.pk).exists()
    assert muoi.consents.filter(refused=True, withdrawn_on=dt.date(2023, 10, 1)).exists()


def test_bulk_consent_counts_already_refused_and_not_found_in_one_audit_row(programme, user):
    _import_real(programme)
    import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([["STT", "Họ và tên", "Năm sinh"], [1, "Ma Thị Cầu", 1960]]),
        filename="sc.xlsx",
        commune_code=SONG_CAU,
    )
    other = Resident.objects.get(full_name="Ma Thị Cầu").pk
    ids = list(Resident.objects.filter(commune__unit__code=GIAO_HIEU).values_list("pk", flat=True))
    before = AuditEvent.objects.count()
    result = consent_bulk(
        actor=user("xa-giaohieu"),
        programme=programme,
        given_on=dt.date(2023, 9, 30),
        method="paper",
        ids=[*ids, other, 999_999],
    )
    assert result == {"recorded": 2, "already": 4, "refused": 1, "not_found": [other, 999_999]}
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "consent.bulk"
    assert event.changes["_"]["count"] == 2
    assert len(event.changes["_"]["ids"].replace("-", ",").split(",")) <= 2
    again = consent_bulk(
        actor=user("xa-giaohieu"), programme=programme, given_on=dt.date(2023, 9, 30), method="paper", ids=ids
    )
    assert again["recorded"] == 0  # a retried request records nothing twice
    assert not allocation.eligible_residents(programme).filter(pk=other).exists()

    village = search.ResidentFilter(commune=GIAO_HIEU, village="Thôn Khuổi Ỏ")
    withdrawn = consent_withdraw_bulk(
        actor=user("xa-giaohieu"), programme=programme, on=dt.date(2023, 10, 5), filters=village
    )
    assert withdrawn == {"withdrawn": 3, "none": 0, "not_found": []}
    assert not allocation.eligible_residents(programme).filter(village="Thôn Khuổi Ỏ").exists()


def test_id_ranges_are_short():
    assert id_ranges([9, 3, 4, 5, 5, 11]) == "3-5,9,11"


def test_cli_records_consent_for_a_batch_and_prints_the_counts(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    rows = [
        ["STT", "Họ và tên", "Năm sinh", "Thôn"],
        *[[i, f"Nông Văn {n}", 1950 + i, "Nà Pài"] for i, n in enumerate(["An", "Bình", "Cường"], 1)],
    ]
    (tmp_path / "l.xlsx").write_bytes(_book(rows))
    imported = cli(
        "registry",
        "import",
        str(tmp_path / "l.xlsx"),
        "--programme",
        "bac-kan-2023",
        "--commune",
        GIAO_HIEU,
        "--json",
        database_url=url,
    )
    batch = json.loads(imported.stdout)["batch"]
    args = ("registry", "consent", "--programme", "bac-kan-2023", "--date", "2023-09-15", "--method", "paper")
    result = cli(*args, "--batch", str(batch), "--json", database_url=url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"recorded": 3, "already": 0, "refused": 0, "not_found": []}
    by_ids = cli(*args, "--resident", "1", "77", "--json", database_url=url)
    assert json.loads(by_ids.stdout) == {"recorded": 0, "already": 1, "refused": 0, "not_found": [77]}
    village = cli(*args, "--commune", GIAO_HIEU, "--village", "Nà Pài", database_url=url)
    assert village.returncode == 0
    assert "3 đã có từ trước" in village.stdout
    nothing = cli(*args, database_url=url)
    assert nothing.returncode != 0


def test_the_api_records_consent_with_a_bearer_token(programme, user):
    report = _import_real(programme)
    _, secret = api_token_create(actor=SYSTEM, user=user("xa-giaohieu"), name="thử")
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = "/api/v1/programmes/bac-kan-2023/residents"
    answer = api.post(
        f"{url}/consent",
        {"batch": report.batch, "given_on": "2023-09-30", "method": "verbal"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"recorded": 2, "already": 4, "refused": 1, "not_found": []}
    listed = api.get(url, {"consent": "refused"}).json()
    assert [r["full_name"] for r in listed["items"]] == ["Lý Văn Mười"]
    assert listed["items"][0]["consent"] == "refused"
    empty = api.post(f"{url}/consent", {"given_on": "2023-09-30"}, content_type="application/json")
    assert empty.status_code == 422
    assert "Chọn người" in json.dumps(empty.json(), ensure_ascii=False)


def test_an_officer_records_consent_for_everyone_a_filter_finds_on_the_web(login, programme):
    _import_real(programme)
    client = login("xa-giaohieu")
    page = client.get(P + "/", {"consent": "none"})
    assert page.status_code == 200
    assert "Chọn tất cả 2 người khớp bộ lọc" in page.content.decode()
    answer = client.post(
        P + "/", {"consent": "none", "all": "1", "action": "consent", "given_on": "2023-09-30", "method": "paper"}
    )
    assert answer.status_code == 302
    assert "consent=none" in answer["Location"]
    assert allocation.eligible_residents(programme).count() == 6
    tam = Resident.objects.get(full_name="Nông Văn Tám")
    client.post(P + "/", {"r": [tam.pk], "action": "withdraw", "given_on": "2023-10-01", "method": "paper"})
    assert not allocation.eligible_residents(programme).filter(pk=tam.pk).exists()


def test_search_without_diacritics_by_number_and_by_phone_in_vietnamese_order(login, programme):
    _import_real(programme)
    client = login("xa-giaohieu")
    found = client.get(P + "/", {"q": "nong van tam"}).content.decode()
    assert "Nông Văn Tám" in found
    assert "Ma Văn Hai" not in found
    assert "Nông Văn Tám" in client.get(P + "/", {"q": "006 050 012 345"}).content.decode()
    assert "Nông Văn Tám" not in client.get(P + "/", {"q": "006050012346"}).content.decode()
    names = list(
        search.residents(actor=SYSTEM, programme=programme, filters=search.ResidentFilter()).values_list(
            "full_name", flat=True
        )
    )
    # by given name: Ba, Bốn, Chín, Hai, Một, Mười, Tám
    assert names == [
        "Đinh Thị Ba",
        "Dương Văn Bốn",
        "Hoàng Thị Chín",
        "Ma Văn Hai",
        "Triệu Thị Một",
        "Lý Văn Mười",
        "Nông Văn Tám",
    ]
    assert client.get(P + "/", {"consent": "nonsense"}).status_code == 200  # a bad filter is a message, not a 500


def test_vietnamese_alphabetical_order():
    def order(names):
        return sorted(names, key=lambda n: name_keys(n)[1])

    assert order(["Lê Văn Đinh", "Lê Văn Dương"]) == ["Lê Văn Dương", "Lê Văn Đinh"]
    assert order(["Nguyễn Văn Hoàng", "Trần Thị Hà"]) == ["Trần Thị Hà", "Nguyễn Văn Hoàng"]
    assert order(["Bàn Thị Ân", "Bàn Thị Ăn", "Bàn Thị An"]) == ["Bàn Thị An", "Bàn Thị Ăn", "Bàn Thị Ân"]
    assert order(["Lý Thị Ánh", "Lý Thị Anh", "Lý Thị Ảnh"]) == ["Lý Thị Anh", "Lý Thị Ảnh", "Lý Thị Ánh"]
    assert order(["Hà Văn An", "Bế Văn An"]) == ["Bế Văn An", "Hà Văn An"]
    assert name_keys("Nông Thị Hoa")[0] == "nong thi hoa"


def test_hostile_selections_are_refused_in_vietnamese(programme, user):
    from phocap.core.errors import ValidationFailed

    officer = user("xa-giaohieu")
    with pytest.raises(ValidationFailed):
        consent_bulk(actor=officer, programme=programme, given_on=dt.date(2023, 9, 30), method="paper", ids=[10**19])
    with pytest.raises(ValidationFailed):
        consent_withdraw_bulk(actor=officer, programme=programme, on=dt.date(181, 1, 9), ids=[1])
    odd = search.ResidentFilter.of({"commune": '"\ud8be\udf3a', "q": "\ud948\udf00\x1c"})
    assert list(search.residents(actor=officer, programme=programme, filters=odd)) == []
