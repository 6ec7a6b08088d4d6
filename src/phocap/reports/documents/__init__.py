"""Official reports (báo cáo) in the Vietnamese administrative layout, as PDF and XLSX from one description.

`model.Document` says what a report holds; `pdf.to_pdf` and `xlsx.to_xlsx` lay it out, so the two formats cannot
differ. The three reports (`progress`, `funds`, `recipients`) take their figures from `indicators.compute` or the
handover's standing rule, so a report never disagrees with the dashboard, the API or `phocap kpi`
(tested in tests/reports). `export` is the one entry point: it builds, lays out and — for a report holding
personal data — audits the download.

The report number is the one the issuing office's register gives (sổ văn bản): left blank ("Số:      /BC-…")
for the clerk to fill unless the user gives it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_noop

from phocap.accounts import scope
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.services import service
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.reports.documents.funds import funds
from phocap.reports.documents.model import Document
from phocap.reports.documents.pdf import to_pdf
from phocap.reports.documents.progress import progress
from phocap.reports.documents.recipients import recipients
from phocap.reports.documents.xlsx import to_xlsx

__all__ = ["TITLES", "XLSX_TYPE", "Rendered", "export", "to_pdf", "to_xlsx"]

TITLES = {  # gettext_noop: the interface translates them
    "tien-do": gettext_noop("Tiến độ theo xã"),
    "thu-chi": gettext_noop("Tiếp nhận và sử dụng kinh phí"),
    "nguoi-nhan": gettext_noop("Danh sách người nhận theo xã"),
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclasses.dataclass(frozen=True)
class Rendered:
    data: bytes
    content_type: str
    filename: str
    personal_data: bool


def _build(
    actor: scope.Actor,
    programme: Programme,
    kind: str,
    on: dt.date | None,
    number: str,
    commune: ProgrammeCommune | None,
) -> Document:
    if kind == "tien-do":
        return progress(actor=actor, programme=programme, on=on, number=number)
    if kind == "thu-chi":
        return funds(actor=actor, programme=programme, on=on, number=number)
    if kind == "nguoi-nhan":
        return recipients(actor=actor, programme=programme, on=on, number=number, commune=commune)
    raise NotFound(f"Không có báo cáo {kind!r}: chọn một trong {', '.join(TITLES)}.")


@service(audits=[Action.REPORTS_EXPORT], atomic=False)
def export(
    *,
    actor: scope.Actor,
    programme: Programme,
    kind: str,
    fmt: str,
    on: dt.date | None = None,
    number: str = "",
    commune: ProgrammeCommune | None = None,
) -> Rendered:
    """One report as PDF or XLSX. A report holding personal data is audited (who, which report, how many rows)
    before it is handed out; the report itself is built outside any transaction (a national list takes a while)."""
    if kind not in TITLES:
        raise NotFound(f"Không có báo cáo {kind!r}: chọn một trong {', '.join(TITLES)}.")
    if fmt not in ("pdf", "xlsx"):
        raise ValidationFailed("Định dạng phải là pdf hoặc xlsx.", field="format")
    number = number.strip()
    if len(number) > 12 or not all(ch.isalnum() or ch in ".-" for ch in number):
        raise ValidationFailed(
            "Số văn bản chỉ gồm chữ, số, dấu chấm hoặc gạch ngang (tối đa 12 ký tự).", field="number"
        )
    doc = _build(actor, programme, kind, on, number, commune)
    data = to_pdf(doc) if fmt == "pdf" else to_xlsx(doc)
    if doc.personal_data:
        with transaction.atomic(durable=True):
            audit.record(
                actor=actor,
                action=Action.REPORTS_EXPORT,
                obj=programme,
                programme_code=programme.code,
                extra={
                    "report": kind,
                    "format": fmt,
                    "date": doc.date.isoformat(),
                    "commune": commune.code if commune else "all",
                    "rows": sum(len(t.rows) for t in doc.tables),
                    "personal_data": True,
                },
            )
    content_type = "application/pdf" if fmt == "pdf" else XLSX_TYPE
    return Rendered(data, content_type, f"{doc.filename_stem}.{fmt}", doc.personal_data)
