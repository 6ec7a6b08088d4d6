import json

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, NotFound, PermissionDenied
from phocap.core.models import AuditEvent
from phocap.registry.dedup import dedup_run, pair_decide, pair_queue, pair_reopen
from phocap.registry.demo import _xlsx
from phocap.registry.importing import import_residents
from phocap.registry.matching import MatchRecord, score_pairs
from phocap.registry.models import DuplicatePair, ListedElsewhere, Resident

pytestmark = pytest.mark.django_db


_book = _xlsx  # the demo's workbook writer: rows in, XLSX bytes out


HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Thôn/Bản", "SĐT"]
PEOPLE = [
    [1, "Nông Thị Hoa", "02/03/1975", "Nữ", "006175012357", "Thôn Nà Coóc", None],
    [2, "Hoàng Văn Lâm", "1950", "Nam", None, "Thôn Khuổi Bốc", None],
    [3, "Triệu Thị Mai", "1960", "Nữ", None, "Thôn Nà Coóc", None],
    [4, "Lý Văn Cường", "1980", "Nam", None, "Thôn Bản Chang", "0912345678"],
    [5, "Ma Thị Lan", "1990", "Nữ", None, "Thôn Nà Coóc", None],
]
AGAIN = [  # the same people typed again by someone else, plus two different people
    [1, "NONG THI HOA", "1975", "nữ", None, "Na Cooc", None],
    [2, "Hoàng Văn Lam", "1951", "Nam", None, "Thôn Khuổi Bốc", None],
    [3, "Triệu Thị Mai", "1991", "Nữ", None, "Thôn Pác Nặm", None],
    [4, "Lý Văn Cương", "1980", "Nam", None, None, "0912345678"],
]


def _import(programme, rows, name, commune="01870", actor=SYSTEM):
    return import_residents(
        actor=actor, programme=programme, data=_book([HEADER, *rows]), filename=name, commune_code=commune
    )


def _pairs(result):
    by_name = {r.pk: r.full_name for r in Resident.objects.all()}
    return {(by_name[p.a_id], by_name[p.b_id]): p.status for p in result.pairs}


def test_matching_finds_the_same_people_typed_differently_and_not_others(programme):
    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    result = dedup_run(actor=SYSTEM, programme=programme)
    found = _pairs(result)
    assert result.residents == 9
    assert ("Nông Thị Hoa", "Nong Thi Hoa") in found
    assert ("Hoàng Văn Lâm", "Hoàng Văn Lam") in found
    assert ("Lý Văn Cường", "Lý Văn Cương") in found
    assert not any("Mai" in a for a, _ in found)  # same name, 31 years apart, other village: different people
    assert not any("Lan" in a or "Lan" in b for a, b in found)
    assert found[("Nông Thị Hoa", "Nong Thi Hoa")] in ("duplicate", "possible")
    assert DuplicatePair.objects.filter(programme=programme).count() == len(found)
    again = dedup_run(actor=SYSTEM, programme=programme)  # running again adds nothing
    assert DuplicatePair.objects.count() == len(found)
    assert {(p.a_id, p.b_id) for p in again.pairs} == {(p.a_id, p.b_id) for p in result.pairs}


def test_two_different_identity_numbers_weigh_against_a_match():
    alike = dict(full_name="Nông Văn An", birth_year=1970, sex="M", commune="01870", village="Thôn 1")
    same_number = score_pairs(
        [MatchRecord(1, **alike, id_hash="x"), MatchRecord(2, **alike)], threshold=0.01, train=False
    )
    other_number = score_pairs(
        [MatchRecord(1, **alike, id_hash="x"), MatchRecord(2, **alike, id_hash="y")], threshold=0.01, train=False
    )
    assert same_number[0].score > other_number[0].score
    assert other_number[0].evidence["id_hash"] < 0


def test_same_person_merges_keeping_both_rows_and_can_be_undone(programme, user):
    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    dedup_run(actor=SYSTEM, programme=programme)
    officer = user("xa-giaohieu")
    queue = list(pair_queue(actor=officer, programme=programme))
    assert queue
    hoa = next(p for p in queue if "Hoa" in p.a.full_name)
    with pytest.raises(NotFound):
        pair_decide(actor=user("xa-songcau"), programme=programme, pair_id=hoa.pk, decision="same")
    pair_decide(actor=officer, programme=programme, pair_id=hoa.pk, decision="same")
    survivor = Resident.objects.get(full_name="Nông Thị Hoa")
    merged = Resident.objects.get(full_name="Nong Thi Hoa")
    assert merged.merged_into == survivor
    assert survivor.id_hash
    assert Resident.objects.filter(programme=programme).count() == 9  # both originals kept
    assert hoa.pk not in {p.pk for p in pair_queue(actor=officer, programme=programme)}
    assert AuditEvent.objects.filter(action="duplicate.same").count() == 1
    with pytest.raises(Conflict):
        pair_decide(actor=officer, programme=programme, pair_id=hoa.pk, decision="different")
    pair_reopen(actor=officer, programme=programme, pair_id=hoa.pk)
    merged.refresh_from_db()
    assert merged.merged_into is None
    assert hoa.pk in {p.pk for p in pair_queue(actor=officer, programme=programme)}


def test_a_merge_fills_the_survivors_blanks_and_the_undo_takes_them_back(programme):
    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    dedup_run(actor=SYSTEM, programme=programme)
    pair = next(p for p in DuplicatePair.objects.all() if "Cư" in p.a.full_name)
    a, b = pair.a, pair.b
    Resident.objects.filter(pk=a.pk).update(village="")
    Resident.objects.filter(pk=b.pk).update(village="Thôn Bản Chang")
    pair_decide(actor=SYSTEM, programme=programme, pair_id=pair.pk, decision="same")
    a.refresh_from_db()
    assert a.village == "Thôn Bản Chang"
    pair_reopen(actor=SYSTEM, programme=programme, pair_id=pair.pk)
    a.refresh_from_db()
    assert a.village == ""


def test_different_people_is_remembered_and_not_asked_again(programme):
    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    dedup_run(actor=SYSTEM, programme=programme)
    pair = DuplicatePair.objects.order_by("pk").first()
    pair_decide(actor=SYSTEM, programme=programme, pair_id=pair.pk, decision="different")
    dedup_run(actor=SYSTEM, programme=programme)
    pair.refresh_from_db()
    assert pair.decision == "different"
    assert pair.pk not in {p.pk for p in pair_queue(actor=SYSTEM, programme=programme)}


def test_only_the_programme_manager_runs_the_matching(programme, user):
    with pytest.raises(PermissionDenied):
        dedup_run(actor=user("xa-giaohieu"), programme=programme)
    assert dedup_run(actor=user("quanly"), programme=programme).residents == 0


def test_one_number_in_two_communes_is_one_person_reported_to_both(programme, user):
    _import(programme, PEOPLE[:1], "giao-hieu.xlsx", commune="01870")
    other = programme.communes.exclude(unit__code="01870").first().unit.code
    report = _import(programme, PEOPLE[:1], "song-cau.xlsx", commune=other)
    assert (report.created, report.duplicates) == (0, 1)
    assert [n.code for n in report.notes] == ["id_in_other_commune"]
    assert Resident.objects.count() == 1
    listing = ListedElsewhere.objects.get()
    assert listing.resident.commune.unit.code == "01870"


def test_cli_dedup_prints_pairs(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    for name, rows in (("a.xlsx", PEOPLE), ("b.xlsx", AGAIN)):
        (tmp_path / name).write_bytes(_book([HEADER, *rows]))
        args = ("registry", "import", str(tmp_path / name), "--programme", "bac-kan-2023", "--commune", "01870")
        assert cli(*args, database_url=url).returncode == 0
    result = cli("registry", "dedup", "--programme", "bac-kan-2023", "--json", database_url=url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["residents"] == 9
    assert len(data["pairs"]) >= 3
    assert set(data["pairs"][0]) == {"a", "b", "score", "status"}
    assert all(p["a"] < p["b"] and 0 <= p["score"] <= 1 for p in data["pairs"])


def test_the_quality_view_measures_precision_from_decisions_and_the_models_recall(programme, user, login, capsys):
    """Per score band: pairs found and what the commune decided — the share found to be one person is the precision
    the review measured; the last run's expectations give the model's estimate of its recall. The same figures on
    the duplicates page, through the API with a partner's token and from `phocap registry dedup-quality`."""
    from phocap.cli import main
    from phocap.registry.dedup import quality
    from phocap.registry.models import DedupRun
    from tests.handover.test_phone_life_api import bearer

    assert quality(actor=SYSTEM, programme=programme).as_dict()["estimated_recall"] is None  # never run
    _import(programme, PEOPLE, "a.xlsx")
    _import(programme, AGAIN, "b.xlsx")
    result = dedup_run(actor=SYSTEM, programme=programme)
    run = DedupRun.objects.get(programme=programme)
    assert run.residents == 9
    assert run.pairs == len(result.pairs)
    assert run.expected >= run.expected_found > 0
    first, second = sorted(result.pairs, key=lambda p: -p.score)[:2]
    pair_decide(actor=SYSTEM, programme=programme, pair_id=first.pk, decision="same")
    pair_decide(actor=SYSTEM, programme=programme, pair_id=second.pk, decision="different")

    q = quality(actor=SYSTEM, programme=programme).as_dict()
    assert sum(b["found"] for b in q["bands"]) == len(result.pairs)
    assert sum(b["same"] for b in q["bands"]) == 1
    assert sum(b["different"] for b in q["bands"]) == 1
    assert q["precision_possible"] == 0.5
    assert q["estimated_recall"] == round(run.expected_found / run.expected, 4)
    assert [b["low"] for b in q["bands"]] == [0.8, 0.9, 0.99]
    band = next(b for b in q["bands"] if b["low"] <= first.score and (first.score < b["high"] or b["high"] == 1))
    assert band["same"] >= 1
    assert band["model_precision"] is not None

    api = bearer(user("quanly")).get("/api/v1/programmes/bac-kan-2023/duplicates/quality")
    assert api.status_code == 200
    assert api.json() == q
    assert main(["registry", "dedup-quality", "--programme", "bac-kan-2023", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == q
    page = login("quanly").get("/p/bac-kan-2023/danh-sach/trung/").content.decode()
    assert "Chất lượng đối soát" in page
    assert "50%" in page
