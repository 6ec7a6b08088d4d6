"""The official reports (PDF, XLSX): Vietnamese administrative layout, the same numbers as `indicators.compute`,
personal data only for roles that may see residents, and every such export audited."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from phocap.core.audit import AuditEvent
from phocap.core.errors import ValidationFailed
from phocap.reports import documents, indicators

pytestmark = pytest.mark.django_db
ON = dt.date(2023, 12, 5)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _rows(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _row(rows: list[list[object]], label: str) -> list[object]:
    return next(r for r in rows if label in r)


def test_the_progress_report_has_the_national_heading_and_the_dashboard_numbers(progress, user, programme):
    manager = user("quanly")
    report = indicators.compute(programme, ON)
    pdf = documents.export(actor=manager, programme=programme, kind="tien-do", fmt="pdf", on=ON, number="7")
    text = _pdf_text(pdf.data)
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 7/BC-BCĐ"):
        assert line in text
    assert "ỦY BAN NHÂN DÂN TỈNH BẮC KẠN" in text
    assert "Bắc Kạn, ngày 05 tháng 12 năm 2023" in text
    assert "NGƯỜI LẬP BIỂU" in text
    assert pdf.filename == "bao-cao-tien-do-2023-12-05.pdf"
    assert not pdf.personal_data

    rows = _rows(documents.export(actor=manager, programme=programme, kind="tien-do", fmt="xlsx", on=ON).data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in rows[0]
    total = _row(rows, "Toàn chương trình")
    t = report.totals.indicators
    assert total[2:7] == [
        t["smartphone_coverage"].denominator,
        t["handover_progress"].denominator,
        report.totals.holders,
        t["smartphone_coverage"].percent,
        t["smartphone_coverage"].target,
    ]
    assert total[7] == t["eid_level2"].percent
    giao_hieu = next(c for c in report.communes if c.code == "01870")
    assert _row(rows, giao_hieu.name)[4] == giao_hieu.holders > 0
    eid = _row(rows, indicators.LABELS["eid_level2"])
    assert eid[2:4] == [t["eid_level2"].numerator, t["eid_level2"].denominator]
    assert not AuditEvent.objects.filter(action="reports.export").exists()  # figures only: nothing to audit


def test_the_funds_report_adds_up_to_the_funds_indicators(progress, user, programme):
    from phocap.devices import services as devices

    devices.purchase_order_create(
        actor=user("quanly"),
        programme=programme,
        phone_model=devices.phone_model_create(actor=user("quanly"), programme=programme, name="Nokia C32"),
        quantity=3,
        unit_price=1_900_000,
        supplier_name="Công ty TNHH Điện thoại Bắc Kạn",
        earmark=programme.communes.get(unit__code="01870"),
        ordered_on=dt.date(2023, 11, 1),
    )
    report = indicators.compute(programme, ON)
    rows = _rows(documents.export(actor=user("mttq"), programme=programme, kind="thu-chi", fmt="xlsx", on=ON).data)
    total = _row(rows, "Toàn chương trình")
    t = report.totals.indicators
    assert total[2:4] == [t["funds_received"].denominator, t["funds_received"].numerator]
    assert total[5] == t["funds_spent"].numerator == 5_700_000  # orders after 05/12/2023 not yet counted
    giao_hieu = next(c for c in report.communes if c.code == "01870")
    assert _row(rows, giao_hieu.name)[5] == 5_700_000
    orders = [r for r in rows[rows.index(total) + 1 :] if "Tổng cộng" in r]
    assert orders[0][3] == t["funds_received"].numerator  # gifts by channel add up to what was received
    assert orders[1][6] == t["funds_spent"].numerator  # and the orders to what was spent


def test_the_recipients_list_has_names_for_the_commune_and_is_audited(progress, user, programme):
    officer = user("xa-giaohieu")
    made = documents.export(actor=officer, programme=programme, kind="nguoi-nhan", fmt="xlsx", on=ON)
    assert made.personal_data
    rows = _rows(made.data)
    from phocap.registry.models import Resident

    names = set(Resident.objects.filter(pk__in=progress).values_list("full_name", flat=True))
    listed = {r[1] for r in rows if isinstance(r[0], int) and r[1] in names}
    assert listed == names
    assert _row(rows, "Cộng")[5] == f"{len(progress)} người"
    trail = AuditEvent.objects.get(action="reports.export")
    assert trail.changes["_"]["rows"] == len(progress)
    assert trail.changes["_"]["report"] == "nguoi-nhan"
    assert trail.actor_label == officer.username

    # the auditor sees the same rows without names, birth years or identity numbers, and nothing is audited
    blind = documents.export(actor=user("kiemtoan"), programme=programme, kind="nguoi-nhan", fmt="pdf", on=ON)
    assert not blind.personal_data
    text = _pdf_text(blind.data)
    assert not any(name in text for name in names)
    assert "Họ và tên" not in text
    assert f"{len(progress)} người" in text
    assert AuditEvent.objects.filter(action="reports.export").count() == 1


def test_the_number_of_recipients_per_commune_is_the_handover_indicator(progress, user, programme):
    report = indicators.compute(programme, ON)
    doc = documents.recipients(actor=user("quanly"), programme=programme, on=ON)
    assert {t.title.split(" — ")[0]: len(t.rows) for t in doc.tables} == {c.name: c.holders for c in report.communes}


def test_bad_input_is_refused_in_vietnamese(progress, user, programme):
    with pytest.raises(ValidationFailed, match="Số văn bản"):
        documents.export(actor=user("quanly"), programme=programme, kind="tien-do", fmt="pdf", number="12/../x")
    with pytest.raises(ValidationFailed, match="pdf hoặc xlsx"):
        documents.export(actor=user("quanly"), programme=programme, kind="tien-do", fmt="docx")


def test_reports_download_from_the_dashboard_the_api_and_the_cli(progress, login, programme, tmp_path, capsys):
    import json

    from phocap.cli import main

    client = login("quanly")
    page = client.get(f"/p/{programme.code}/chi-so/").content.decode()
    assert 'name="dinh-dang" value="xlsx"' in page
    got = client.get(f"/p/{programme.code}/chi-so/bao-cao/?loai=tien-do&dinh-dang=pdf&ngay=2023-12-05&so=3")
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert "Số: 3/BC-BCĐ" in _pdf_text(got.content)
    refused = client.get(f"/p/{programme.code}/chi-so/bao-cao/?loai=tien-do&dinh-dang=pdf&so=%3Cb%3E", follow=True)
    assert "Số văn bản chỉ gồm" in refused.content.decode()
    assert client.get(f"/p/{programme.code}/chi-so/bao-cao/?loai=khac").status_code == 404

    api = client.get(f"/api/v1/programmes/{programme.code}/reports/thu-chi?format=xlsx&date=2023-12-05")
    assert api.status_code == 200
    assert api["Content-Type"] == documents.XLSX_TYPE
    assert client.get(f"/api/v1/programmes/{programme.code}/reports/thu-chi?format=doc").status_code == 422

    target = tmp_path / "list.pdf"
    args = ["--as", "xa-giaohieu", "report", "nguoi-nhan", "--programme", programme.code, "-o", str(target), "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == {
        "file": str(target),
        "bytes": target.stat().st_size,
        "personal_data": True,
    }
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in _pdf_text(target.read_bytes())
