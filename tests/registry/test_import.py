import json

import pytest

from phocap.core.actors import SYSTEM
from phocap.core.errors import NotFound
from phocap.registry.demo import _xlsx
from phocap.registry.importing import import_residents
from phocap.registry.models import Resident
from phocap.registry.samples import messy_list_xlsx

pytestmark = pytest.mark.django_db


def run(programme, actor=SYSTEM, **kw):
    kw.setdefault("commune_code", "01870")
    kw.setdefault("smartphone_status", "lacks")
    return import_residents(actor=actor, programme=programme, data=messy_list_xlsx(), filename="giao-hieu.xlsx", **kw)


def test_a_messy_commune_list_imports_with_clear_reasons(programme):
    report = run(programme)
    assert (report.rows, report.created, report.duplicates, report.rejected) == (9, 4, 1, 4)
    by_row = {(e.row, e.code) for e in report.errors}
    assert by_row == {(10, "name_missing"), (11, "birth_impossible"), (12, "under_18"), (13, "id_malformed")}
    # rows kept with warnings: year only (8, 15, 16, 17) — and zeros restored (8), no diacritics and an unknown
    # phone prefix (15), a 9-digit CMND (17)
    assert report.warnings == 4
    warned = {(w.row, w.code) for w in report.notes}
    assert {
        (8, "id_leading_zeros_restored"),
        (15, "name_without_diacritics"),
        (15, "phone_prefix_unknown"),
        (17, "id_cmnd"),
        (8, "birth_year_only"),
    } <= warned
    an = Resident.objects.get(programme=programme, full_name="Nông Văn An")
    assert (an.birth_year, an.birth_date, an.sex, an.village) == (1970, None, "M", "Thôn Nà Coóc")
    assert an.id_number == "006070012345"
    assert an.phone == "0912345678"
    assert an.smartphone_status == "lacks"
    bich = Resident.objects.get(programme=programme, full_name="Triệu Thị Bích")
    assert (str(bich.birth_date), bich.sex, bich.phone, bich.ethnicity_code) == ("1982-03-15", "F", "0366123456", "09")
    hoa = Resident.objects.get(programme=programme, full_name="Nong Thi Hoa")
    assert (hoa.village, hoa.ethnicity_code) == ("Bản Khuổi Bốc", "08")


def test_importing_the_same_file_again_changes_nothing(programme):
    run(programme)
    count = Resident.objects.count()
    again = run(programme)
    assert (again.created, again.updated) == (0, 0)
    assert Resident.objects.count() == count


def test_a_dry_run_writes_nothing(programme):
    report = run(programme, dry_run=True)
    assert report.created == 4
    assert Resident.objects.count() == 0


def test_a_commune_officer_imports_only_for_their_commune(programme, user):
    with pytest.raises(NotFound):
        import_residents(
            actor=user("xa-songcau"),
            programme=programme,
            data=messy_list_xlsx(),
            filename="x.xlsx",
            commune_code="01870",
        )
    report = run(programme, actor=user("xa-giaohieu"))
    assert report.created == 4


def test_cli_import_prints_the_report(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    assert cli("init", database_url=url).returncode == 0
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(messy_list_xlsx())
    result = cli(
        "registry",
        "import",
        str(path),
        "--programme",
        "bac-kan-2023",
        "--commune",
        "01870",
        "--smartphone-status",
        "lacks",
        "--json",
        database_url=url,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("rows", "created", "updated", "duplicates", "rejected")} == {
        "rows": 9,
        "created": 4,
        "updated": 0,
        "duplicates": 1,
        "rejected": 4,
    }
    assert {"row", "column", "code", "message"} == set(data["errors"][0])
    assert "006070012345" not in result.stdout  # numbers never in output


def test_a_crash_half_way_leaves_the_registry_as_it_was(programme, monkeypatch):
    from phocap.core.models import AuditEvent

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditEvent.objects, "bulk_create", crash)  # after the residents are written
    with pytest.raises(RuntimeError):
        run(programme)
    assert Resident.objects.filter(programme=programme).count() == 0


def test_export_has_the_documented_columns_needs_the_right_and_is_audited(programme, user):
    import csv
    import io

    from phocap.core.errors import PermissionDenied
    from phocap.core.models import AuditEvent
    from phocap.registry.exports import HEADER, export_residents

    run(programme)
    data = export_residents(actor=user("quanly"), programme=programme, commune_code="01870", fmt="csv")
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == HEADER
    assert rows[0][:6] == ["resident_id", "full_name", "birth_date", "birth_year", "sex", "id_number"]
    an = next(r for r in rows[1:] if r[1] == "Nông Văn An")
    assert (an[2], an[3], an[4], an[5], an[7], an[12]) == ("", "1970", "M", "006070012345", "01870", "lacks")
    bich = next(r for r in rows[1:] if r[1] == "Triệu Thị Bích")
    assert bich[2] == "1982-03-15"
    event = AuditEvent.objects.filter(action="registry.export").latest("id")
    assert (event.actor_label, event.changes["_"]["rows"]) == ("quanly", 4)
    officer = export_residents(actor=user("xa-giaohieu"), programme=programme, fmt="csv").decode()
    assert "006070012345" not in officer
    assert "Nông Văn An" in officer
    assert (
        AuditEvent.objects.filter(action="registry.export").latest("id").changes["_"]["full_identity_numbers"] is False
    )
    with pytest.raises(PermissionDenied):
        export_residents(actor=user("kiemtoan"), programme=programme, fmt="csv")


def test_demo_residents_match_each_communes_baseline(programme):
    from django.db.models import Count

    from phocap.registry.demo import demo_residents_create

    assert demo_residents_create(actor=SYSTEM, programme=programme) == 4126
    counts = dict(
        Resident.objects.filter(programme=programme)
        .values_list("commune__unit__code")
        .annotate(n=Count("id"))
        .values_list("commune__unit__code", "n")
    )
    assert counts == {c.unit.code: c.baseline_without_smartphone for c in programme.communes.select_related("unit")}
    tay = Resident.objects.filter(programme=programme, ethnicity_code="02").count()
    assert 0.45 < tay / 4126 < 0.65  # Tày are the largest group in Bắc Kạn
    assert demo_residents_create(actor=SYSTEM, programme=programme) == 0  # idempotent


def test_rows_without_a_number_are_not_created_twice(programme):
    import random

    from phocap.registry.demo import _rows, _xlsx

    rows = _rows(programme, "01870", 60, random.Random(3))
    assert any(r[4] == "" for r in rows[2:])  # some people have no number
    data = _xlsx([*rows, rows[-1]])  # and the last row pasted twice
    first = import_residents(actor=SYSTEM, programme=programme, data=data, filename="a.xlsx", commune_code="01870")
    assert (first.created, first.duplicates) == (60, 1)
    again = import_residents(actor=SYSTEM, programme=programme, data=data, filename="a.xlsx", commune_code="01870")
    assert (again.created, again.updated) == (0, 0)
    assert Resident.objects.filter(programme=programme).count() == 60


_book = _xlsx  # the demo's workbook writer: rows in, XLSX bytes out


HOUSEHOLD_ROWS = [
    ["DANH SÁCH (ví dụ)"],
    ["STT", "Họ tên", "Ngày sinh", "Mã hộ", "Quan hệ với chủ hộ", "Hộ nghèo", "Hộ cận nghèo", "Đối tượng ưu tiên"],
    [1, "Hoàng Văn Lâm", "01/02/1950", "H01", "Chủ hộ", "x", None, "Người có công, khuyết tật"],
    [2, "Ma Thị Hoa", "03/04/1955", "H01", "Vợ", None, None, None],
    [3, "Nông Văn Sơn", "1961", "H02", "Chủ hộ", None, "x", "NCT sống một mình"],
    [4, "Lý Thị Mai", "1970", None, None, None, None, "Người có uy tín"],
]


def test_households_poverty_and_priority_groups_come_from_the_list(programme):
    from phocap.registry.models import Household, PriorityFlag

    data = _book(HOUSEHOLD_ROWS)
    report = import_residents(actor=SYSTEM, programme=programme, data=data, filename="ho.xlsx", commune_code="01870")
    assert (report.created, report.rejected, report.warnings) == (4, 0, 2)
    lam = Resident.objects.get(full_name="Hoàng Văn Lâm")
    hoa = Resident.objects.get(full_name="Ma Thị Hoa")
    assert lam.household == hoa.household
    household = lam.household
    assert (household.code, household.head_name, household.poverty_status) == ("H01", "Hoàng Văn Lâm", "poor")
    assert lam.household.poverty_source == "ho.xlsx"
    son = Resident.objects.get(full_name="Nông Văn Sơn")
    assert son.household.poverty_status == "near_poor"
    assert set(PriorityFlag.objects.filter(resident=lam).values_list("kind", flat=True)) == {"merit", "disability"}
    assert set(PriorityFlag.objects.filter(resident=son).values_list("kind", flat=True)) == {"elderly_alone"}
    mai = Resident.objects.get(full_name="Lý Thị Mai")
    assert mai.household is None
    assert list(mai.priority_flags.values_list("kind", flat=True)) == ["prestigious"]
    assert Household.objects.filter(programme=programme).count() == 2
    again = import_residents(actor=SYSTEM, programme=programme, data=data, filename="ho.xlsx", commune_code="01870")
    assert (again.created, again.updated, again.duplicates) == (0, 0, 4)
    assert PriorityFlag.objects.count() == 4


def test_a_later_list_adds_a_poverty_status_but_never_overwrites_one(programme):
    from phocap.registry.models import Household

    rows = [r[:5] for r in HOUSEHOLD_ROWS]  # no poverty, no groups
    import_residents(actor=SYSTEM, programme=programme, data=_book(rows), filename="a.xlsx", commune_code="01870")
    assert Household.objects.get(code="H01").poverty_source == ""
    import_residents(
        actor=SYSTEM, programme=programme, data=_book(HOUSEHOLD_ROWS), filename="b.xlsx", commune_code="01870"
    )
    assert Household.objects.get(code="H01").poverty_status == "poor"
    changed = [[*r[:5], None, "x" if r[0] == 1 else None, None] for r in HOUSEHOLD_ROWS[2:]]
    import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book([*HOUSEHOLD_ROWS[:2], *changed]),
        filename="c.xlsx",
        commune_code="01870",
    )
    assert Household.objects.get(code="H01").poverty_status == "poor"  # kept: b.xlsx recorded it


def test_the_sample_lists_poverty_on_a_household_of_ones_own(programme):
    run(programme)
    an = Resident.objects.get(full_name="Nông Văn An")
    assert an.household.poverty_status == "poor"
    assert an.household.code.startswith("R-")
    assert Resident.objects.get(full_name="Nong Thi Hoa").household.poverty_status == "near_poor"


def _as_csv(rows):
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([["" if c is None else c for c in r] for r in rows])
    return out.getvalue().encode("utf-8-sig")


def _as_xls(rows):
    import io

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Danh sach")
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell is not None:
                sheet.write(i, j, cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_ods(rows):
    import io

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Danh sach")
    for row in rows:
        tr = TableRow()
        for cell in row:
            if isinstance(cell, (int, float)):
                tc = TableCell(valuetype="float", value=cell)
                tc.addElement(P(text=str(cell)))
            else:
                tc = TableCell(valuetype="string")
                if cell is not None:
                    tc.addElement(P(text=str(cell)))
            tr.addElement(tc)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("suffix", "writer"), [("csv", _as_csv), ("xls", _as_xls), ("ods", _as_ods)])
def test_the_same_list_as_csv_xls_or_ods_imports_the_same(programme, suffix, writer):
    from phocap.registry.samples import ROWS

    report = import_residents(
        actor=SYSTEM,
        programme=programme,
        data=writer(ROWS),
        filename=f"giao-hieu.{suffix}",
        commune_code="01870",
        smartphone_status="lacks",
    )
    assert (report.rows, report.created, report.duplicates, report.rejected) == (9, 4, 1, 4)
    assert {(e.row, e.code) for e in report.errors} == {
        (10, "name_missing"),
        (11, "birth_impossible"),
        (12, "under_18"),
        (13, "id_malformed"),
    }
    assert Resident.objects.get(full_name="Nông Văn An").id_number == "006070012345"


def test_a_column_meaning_can_be_given_for_one_import(programme):

    rows = [["TT", "Tên người dân", "Năm sinh"], [1, "Hoàng Văn Lâm", 1950]]
    with pytest.raises(Exception, match="tiêu đề"):
        import_residents(actor=SYSTEM, programme=programme, data=_book(rows), filename="x.xlsx", commune_code="01870")
    report = import_residents(
        actor=SYSTEM,
        programme=programme,
        data=_book(rows),
        filename="x.xlsx",
        commune_code="01870",
        mapping={"Tên người dân": "name"},
    )
    assert report.created == 1


def test_an_import_is_one_audited_batch_each_resident_traceable_to_its_row(programme, user):
    from phocap.core.models import AuditEvent
    from phocap.registry.models import ImportBatch

    run(programme, actor=user("xa-giaohieu"))
    batch = ImportBatch.objects.get()
    assert (batch.filename, batch.imported_by, batch.counts["created"]) == ("giao-hieu.xlsx", "xa-giaohieu", 4)
    assert len(batch.sha256) == 64
    an = Resident.objects.get(full_name="Nông Văn An")
    assert (an.import_batch, an.source_row) == (batch, 8)
    event = AuditEvent.objects.get(action="registry.import")
    assert event.actor_label == "xa-giaohieu"
    assert event.changes["_"]["created"] == 4
    assert "006070012345" not in str(event.changes)
    assert not AuditEvent.objects.filter(action="resident.register").exists()
