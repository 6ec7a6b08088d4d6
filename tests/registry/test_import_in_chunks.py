"""The import at national size (issue #18): rows read as they come and written a chunk at a time inside one
transaction. Whatever the chunk size, the registry and the report come out the same as from one chunk — a person
listed twice across two chunks, a household whose members straddle them, a consent dated by the list's footer;
a dry run reports exactly what the import does and leaves nothing; the streamed readers give the very cells the
whole-sheet readers give."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.core.spreadsheets import csv_bytes, open_rows, read_rows
from phocap.registry import importing
from phocap.registry.importing import import_residents
from phocap.registry.models import Consent, Household, ImportBatch, PriorityFlag, Resident
from tests.registry.test_consent import REAL_LIST
from tests.registry.test_dedup import _book

pytestmark = pytest.mark.django_db
GIAO_HIEU = "01870"

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Mã hộ", "Diện hộ", "Đối tượng", "Đồng ý"]


def _people() -> list[list[object]]:
    """Twelve rows: a household of three spread over the list, a person listed again further down (once with the
    number, once without), the poverty status only on a household's later member, consent marks with and without
    a date, a row rejected, a row with a warning."""
    return [
        ["DANH SÁCH NGƯỜI CHƯA CÓ ĐIỆN THOẠI THÔNG MINH"],
        HEADER,
        [1, "Nông Văn Một", "12/05/1950", "Nam", "006050012345", "H01", "", "", "x"],
        [2, "Hoàng Thị Hai", "1948", "Nữ", "", "H02", "Hộ nghèo", "Người khuyết tật", "20/09/2023"],
        [3, "Nông Thị Ba", "03/04/1952", "Nữ", "006152012346", "H01", "", "", ""],
        [4, "Lý Văn Bốn", "1962", "Nam", "", "", "", "", "không"],
        [5, "Nông Văn Năm", "05/06/1975", "Nam", "006075012347", "H01", "Hộ cận nghèo", "", "x"],
        [6, "Triệu Thị Sáu", "31/02/1970", "Nữ", "", "", "", "", ""],
        [7, "Nông Văn Một", "12/05/1950", "Nam", "006050012345", "H01", "", "", "x"],
        [8, "Hoàng Thị Hai", "1948", "Nữ", "", "H02", "Hộ nghèo", "Người khuyết tật", ""],
        [9, "MA VAN BAY", "1960", "Nam", "", "H03", "Hộ nghèo", "", "đã ký"],
        [10, "Đinh Thị Tám", "1958", "Nữ", "6158012348", "H03", "", "Người có công", "x"],
        [11, "Dương Văn Chín", "1966", "Nam", "006066012349", "", "", "", "x"],
        [12, "Lục Thị Mười", "1971", "Nữ", "006171012350", "H04", "", "", "x"],
        ["Tổng cộng: 12 người"],
        [None, "Giáo Hiệu, ngày 15 tháng 9 năm 2023"],
        [None, "Người lập biểu", None, None, "Chủ tịch"],
        [None, "Hà Thị Lập", None, None, "Hoàng Văn Chủ"],
    ]


def _registry(programme) -> dict[str, object]:
    residents = {
        r.full_name: (r.birth_year, r.birth_date, r.sex, r.household.code if r.household else "", r.source_row)
        for r in Resident.objects.filter(programme=programme).select_related("household")
    }
    return {
        "residents": residents,
        "households": sorted(Household.objects.values_list("code", "poverty_status", "head_name")),
        "flags": sorted(PriorityFlag.objects.values_list("resident__full_name", "kind")),
        "consents": sorted(Consent.objects.values_list("resident__full_name", "refused", "given_on")),
    }


def _report(report) -> dict[str, object]:
    shown = report.as_dict()
    shown.pop("batch")
    return shown


def _import(programme, data=None, filename="giao-hieu.xlsx", **kw):
    return import_residents(
        actor=SYSTEM,
        programme=programme,
        data=data or _book(_people()),
        filename=filename,
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
        **kw,
    )


def test_chunks_of_any_size_give_the_registry_and_report_of_one(programme, monkeypatch):
    whole = _import(programme)
    expected, registry = _report(whole), _registry(programme)
    assert (whole.rows, whole.created, whole.duplicates, whole.rejected) == (12, 9, 2, 1)
    assert registry["consents"][0] == ("Dương Văn Chín", False, dt.date(2023, 9, 15))  # the footer's date
    assert ("Hoàng Thị Hai", False, dt.date(2023, 9, 20)) in registry["consents"]  # the cell's own date
    assert ("H01", "near_poor", "") in registry["households"]  # the status of a later member
    for size in (1, 2, 5):
        for model in (Consent, PriorityFlag, Resident, Household):
            model.objects.all().delete()
        monkeypatch.setattr(importing, "CHUNK", size)
        assert _report(_import(programme)) == expected, size
        assert _registry(programme) == registry, size


def test_a_dry_run_reports_what_the_import_does_and_leaves_nothing(programme):
    audits, batches = AuditEvent.objects.count(), ImportBatch.objects.count()
    dry = _import(programme, dry_run=True)
    assert dry.batch is None
    assert (Resident.objects.count(), Household.objects.count(), Consent.objects.count()) == (0, 0, 0)
    assert (AuditEvent.objects.count(), ImportBatch.objects.count()) == (audits, batches)
    assert _report(dry) == _report(_import(programme))


def test_a_list_read_row_by_row_keeps_the_real_list_consents(programme):
    """The list's date is in its footer, after every person: consents wait for it."""
    report = _import(programme, data=_book(REAL_LIST))
    assert (report.consents, report.refusals) == (4, 1)
    days = dict(Consent.objects.filter(refused=False).values_list("resident__full_name", "given_on"))
    assert days["Nông Văn Tám"] == dt.date(2023, 9, 15)


def test_a_csv_list_imports_as_its_workbook_does(programme):
    from_book = _report(_import(programme))
    for model in (Consent, PriorityFlag, Resident, Household):
        model.objects.all().delete()
    text = csv_bytes([[("" if c is None else c) for c in row] for row in _people()])
    assert _report(_import(programme, data=text, filename="giao-hieu.csv")) == from_book


def test_streamed_rows_are_the_whole_sheet_reader_rows():
    book = Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"], sheet["E4"] = "a", 1.5, dt.date(2023, 1, 2)
    sheet["D6"] = "x&y<z"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    whole = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert list(open_rows(data, "x.xlsx").rows) == whole
    assert read_rows(data, "x.xlsx") == whole
    text = 'Họ và tên;Năm sinh\r\nNông Văn A;1950\r\n"Lý; Thị B";1960\r\n'.encode("utf-16")
    assert list(open_rows(text, "x.csv").rows) == [
        ["Họ và tên", "Năm sinh"],
        ["Nông Văn A", "1950"],
        ["Lý; Thị B", "1960"],
    ]
