"""The dashboard: each commune's progress toward its target, money and phones over time, the onboarding funnel
and overdue follow-ups — for the programme, or one commune. Figures only (no personal data)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.complaints import selectors as complaints
from phocap.core.errors import DomainError, NotFound
from phocap.core.text import read_date
from phocap.core.web import file_response, not_found_as_404
from phocap.onboarding import selectors as onboarding
from phocap.programmes import selectors as programmes
from phocap.reports import charts, documents, indicators, selectors


@login_required
@not_found_as_404
def dashboard(request: HttpRequest, code: str, commune_code: str | None = None) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    commune = (
        programmes.commune_get(actor=request.user, programme=programme, code=commune_code) if commune_code else None
    )
    error = None
    try:
        on = read_date(request.GET.get("ngay"))
    except DomainError as exc:
        on, error = None, exc.message
    report = selectors.kpi(actor=request.user, programme=programme, on=on)
    unit = next(c for c in report.communes if c.code == commune.code) if commune else report.totals
    series = selectors.timeline(programme, report.date, commune, report.per_event)
    ind = unit.indicators
    funnel_rows = [
        (_("Đã nhận máy"), unit.holders),
        (_("Định danh mức 2"), ind["eid_level2"].numerator),
        (_("Dịch vụ công trực tuyến"), ind["online_service_used"].numerator),
        (_("Không dùng tiền mặt"), ind["cashless_payment"].numerator),
    ]
    rows = [(k, indicators.LABELS[k], v) for k, v in ind.items()]
    context = {
        "programme": programme,
        "commune": commune,
        "report": report,
        "unit": unit,
        "rows": rows,
        "error": error,
        "coverage_chart": charts.progress_bars(
            _("Tỷ lệ người trưởng thành có điện thoại thông minh, theo xã (vạch đỏ: mục tiêu)"),
            [
                (c.name, c.indicators["smartphone_coverage"].percent, c.indicators["smartphone_coverage"].target)
                for c in report.communes
            ],
        ),
        "handover_chart": charts.progress_bars(
            _("Máy đã trao / người chưa có máy, theo xã"),
            [
                (c.name, c.indicators["handover_progress"].percent, c.indicators["handover_progress"].target)
                for c in report.communes
            ],
        ),
        "funnel_chart": charts.funnel(_("Từ nhận máy đến dùng dịch vụ số"), funnel_rows),
        "funnel_rows": funnel_rows,
        "money_chart": charts.cumulative(_("Tiền ủng hộ đã nhận (cộng dồn)"), series["money"], "money", "₫"),
        "phones_chart": charts.cumulative(_("Máy đã trao (cộng dồn)"), series["phones"], "phones", _("máy")),
        "overdue_chart": charts.count_bars(
            _("Lần theo dõi quá hạn, theo xã"), [(c.name, c.overdue_followups) for c in report.communes]
        ),
        "organisations": report.organisations if commune is None else [],
        "complaints_overdue": complaints.overdue_count(actor=request.user, programme=programme),
        "labels": indicators.LABELS,
        "overdue_villages": (
            onboarding.overdue_by_village(actor=request.user, programme=programme, on=report.date, commune=commune)
            if commune
            else []
        ),
        "documents": {"nguoi-nhan": documents.TITLES["nguoi-nhan"]} if commune else documents.TITLES,
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@not_found_as_404
def document(request: HttpRequest, code: str) -> HttpResponse:
    """A report as PDF or XLSX: `?loai=tien-do|thu-chi|nguoi-nhan&dinh-dang=pdf|xlsx&ngay=&so=&xa=`."""
    programme = programmes.programme_get(actor=request.user, code=code)
    commune_code = request.GET.get("xa") or ""
    commune = (
        programmes.commune_get(actor=request.user, programme=programme, code=commune_code) if commune_code else None
    )
    try:
        made = documents.export(
            actor=request.user,
            programme=programme,
            kind=request.GET.get("loai", ""),
            fmt=request.GET.get("dinh-dang", "pdf"),
            on=read_date(request.GET.get("ngay")),
            number=request.GET.get("so", ""),
            commune=commune,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        if commune is not None:
            return redirect("reports:commune", code=code, commune_code=commune.code)
        return redirect("reports:dashboard", code=code)
    return file_response(made.data, made.content_type, made.filename, private=made.personal_data)
