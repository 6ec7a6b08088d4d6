"""Official reports (báo cáo) in the Vietnamese administrative layout, as PDF and XLSX from one description.

A `Document` says what a report holds — the issuing body, number and date, title, tables, signature block — and
`to_pdf` / `to_xlsx` lay it out. The three reports take their figures from `indicators.compute` (progress, funds)
or from the same standing-handover rule (recipients), so a report never disagrees with the dashboard, the API or
`phocap kpi` (tested in tests/reports).

The report number is the one the issuing office's register gives (sổ văn bản): left blank ("Số:      /BC-…")
for the clerk to fill unless the user gives it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import unicodedata
from collections import defaultdict
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext_noop

from phocap.accounts import scope
from phocap.devices.models import PurchaseOrder
from phocap.fundraising.models import Donation
from phocap.onboarding.models import FollowUpVisit, StepRecord
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry.normalize import mask_id
from phocap.reports import indicators

# cell kinds: how a value is written (PDF text, XLSX number format)
TEXT, INT, MONEY, PCT, DATE, DAY, YEAR = "text", "int", "money", "pct", "date", "day", "year"


@dataclasses.dataclass
class Column:
    title: str
    width: float  # millimetres on the PDF page; XLSX column width follows
    kind: str = TEXT


@dataclasses.dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None  # the bold "Tổng cộng" row


@dataclasses.dataclass
class Document:
    slug: str
    parent_body: str  # cơ quan chủ quản, e.g. ỦY BAN NHÂN DÂN TỈNH BẮC KẠN
    body: str  # the issuing body, bold
    number: str  # "Số: 12/BC-UBND" or blank for the clerk
    place: str
    date: dt.date
    title: str
    subtitle: str
    intro: list[str]
    tables: list[Table]
    prepared_by: str
    landscape: bool = True
    personal_data: bool = False
    notes: list[str] = dataclasses.field(default_factory=list)
    copies_to: list[str] = dataclasses.field(default_factory=list)  # nơi nhận

    @property
    def filename_stem(self) -> str:
        return f"bao-cao-{self.slug}-{self.date.isoformat()}"


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text))


def _money(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _cell_text(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—" if kind == PCT else ""
    if kind in (INT, MONEY):
        return _money(int(value))
    if kind == PCT:
        return f"{value:.1f}".replace(".", ",")
    if kind == DATE and isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if kind == DAY and isinstance(value, dt.date):
        return value.strftime("%d/%m/%y")
    return _nfc(value)


# --- the three reports --------------------------------------------------------------------------------------


def _frame(programme: Programme, slug: str, on: dt.date, number: str, actor: scope.Actor, **kw: Any) -> Document:
    province = programme.province.name
    place = province.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    user_name = getattr(actor, "full_name", "") or getattr(actor, "username", "") or ""
    return Document(
        slug=slug,
        parent_body=f"ỦY BAN NHÂN DÂN {province.upper()}",
        body="BAN CHỈ ĐẠO CHƯƠNG TRÌNH",
        number=f"Số: {number or '        '}/BC-BCĐ",
        place=place,
        date=on,
        prepared_by=user_name,
        copies_to=[
            f"UBND {province[:1].lower()}{province[1:]};",
            "Các sở, ngành, UBND các xã, phường thực hiện;",
            "Lưu: VT.",
        ],
        **kw,
    )


def progress(*, actor: scope.Actor, programme: Programme, on: dt.date | None = None, number: str = "") -> Document:
    """Tiến độ theo xã: coverage toward the target, phones handed over, onboarding and follow-up, per commune;
    every indicator for the programme; per responsible department and enterprise."""
    from phocap.reports.selectors import kpi

    report = kpi(actor=actor, programme=programme, on=on)

    def row(unit: indicators.Unit) -> list[Any]:
        i = unit.indicators
        return [
            unit.name,
            i["smartphone_coverage"].denominator,
            i["handover_progress"].denominator,
            i["handover_progress"].numerator,
            i["smartphone_coverage"].percent,
            i["smartphone_coverage"].target,
            i["eid_level2"].percent,
            i["online_service_used"].percent,
            i["cashless_payment"].percent,
            i["followup_on_time"].percent,
            unit.overdue_followups,
        ]

    columns = [
        Column("TT", 9, INT),
        Column("Xã, phường", 42),
        Column("Người trưởng thành", 24, INT),
        Column("Chưa có ĐTTM (ban đầu)", 24, INT),
        Column("Đã trao máy", 20, INT),
        Column("Tỷ lệ có ĐTTM (%)", 21, PCT),
        Column("Mục tiêu (%)", 18, PCT),
        Column("Định danh mức 2 (%)", 21, PCT),
        Column("Dùng DVC trực tuyến (%)", 23, PCT),
        Column("Thanh toán không tiền mặt (%)", 25, PCT),
        Column("Theo dõi đúng hạn (%)", 21, PCT),
        Column("Lần theo dõi quá hạn", 20, INT),
    ]
    by_commune = Table(
        "1. Tiến độ theo xã, phường",
        columns,
        [[n, *row(c)] for n, c in enumerate(report.communes, 1)],
        ["", "Toàn chương trình", *row(report.totals)[1:]],
    )
    every = Table(
        "2. Các chỉ số của chương trình (tử số / mẫu số × 100)",
        [
            Column("TT", 9, INT),
            Column("Chỉ số", 120),
            Column("Tử số", 34, INT),
            Column("Mẫu số", 34, INT),
            Column("Tỷ lệ (%)", 25, PCT),
            Column("Mục tiêu (%)", 25, PCT),
        ],
        [
            [n, indicators.LABELS[k], v.numerator, v.denominator, v.percent, v.target]
            for n, (k, v) in enumerate(report.totals.indicators.items(), 1)
        ],
    )
    roles = {"department": "Sở, ngành phụ trách", "enterprise": "Doanh nghiệp hỗ trợ"}
    organisations = Table(
        "3. Theo sở, ngành phụ trách và doanh nghiệp hỗ trợ (các xã được phân công cộng lại)",
        [
            Column("TT", 9, INT),
            Column("Đơn vị", 80),
            Column("Vai trò", 40),
            Column("Số xã", 16, INT),
            Column("Đã trao máy", 24, INT),
            Column("Tỷ lệ có ĐTTM (%)", 24, PCT),
            Column("Định danh mức 2 (%)", 24, PCT),
            Column("Lần theo dõi quá hạn", 24, INT),
        ],
        [
            [
                n,
                o["name"],
                roles.get(o["role"], o["role"]),
                len(o["communes"]),
                o["indicators"]["handover_progress"]["numerator"],
                o["indicators"]["smartphone_coverage"]["percent"],
                o["indicators"]["eid_level2"]["percent"],
                o["overdue_followups"],
            ]
            for n, o in enumerate(report.organisations, 1)
        ],
    )
    return _frame(
        programme,
        "tien-do",
        report.date,
        number,
        actor,
        title="BÁO CÁO",
        subtitle=f"Tiến độ {programme.name} đến ngày {report.date:%d/%m/%Y}",
        intro=[
            f"Tính đến ngày {report.date:%d/%m/%Y}, {len(report.communes)} xã, phường của chương trình có "
            f"{_money(report.totals.indicators['handover_progress'].denominator)} người trưởng thành chưa có điện "
            f"thoại thông minh; đã trao {_money(report.totals.holders)} máy "
            f"({_cell_text(report.totals.indicators['handover_progress'].percent, PCT)}%). Tỷ lệ người trưởng thành "
            f"có điện thoại thông minh đạt {_cell_text(report.totals.indicators['smartphone_coverage'].percent, PCT)}%"
            f" (mục tiêu {_cell_text(report.totals.indicators['smartphone_coverage'].target, PCT)}%).",
        ],
        tables=[by_commune, every, organisations],
        notes=["ĐTTM: điện thoại thông minh; DVC: dịch vụ công. Số liệu tính theo hướng dẫn tại docs/ARCHITECTURE.md."],
    )


def funds(*, actor: scope.Actor, programme: Programme, on: dt.date | None = None, number: str = "") -> Document:
    """Thu, chi: funds needed, received and spent on phones per commune (earmarked) and in all; gifts by channel;
    the purchase orders paid."""
    from phocap.reports.selectors import kpi

    report = kpi(actor=actor, programme=programme, on=on)
    on = report.date
    t = report.totals.indicators

    def money_row(name: str, i: dict[str, indicators.Indicator]) -> list[Any]:
        r, s = i["funds_received"], i["funds_spent"]
        return [name, r.denominator, r.numerator, r.percent, s.numerator, s.percent]

    per_commune = [[n, *money_row(c.name, c.indicators)] for n, c in enumerate(report.communes, 1)]

    def general(key: str) -> int:  # gifts and orders not earmarked for a commune
        return t[key].numerator - sum(c.indicators[key].numerator for c in report.communes)

    general_received, general_spent = general("funds_received"), general("funds_spent")
    per_commune.append(["", "Chưa chỉ định xã (quỹ chung)", None, general_received, None, general_spent, None])
    summary = Table(
        "1. Kinh phí cần, đã nhận và đã chi mua máy, theo xã (số tiền ủng hộ chỉ định cho xã)",
        [
            Column("TT", 9, INT),
            Column("Xã, phường", 60),
            Column("Kinh phí cần (₫)", 40, MONEY),
            Column("Đã nhận (₫)", 40, MONEY),
            Column("Đã nhận / cần (%)", 28, PCT),
            Column("Đã chi mua máy (₫)", 40, MONEY),
            Column("Đã chi / đã nhận (%)", 28, PCT),
        ],
        per_commune,
        ["", *money_row("Toàn chương trình", t)],
    )
    live = indicators.live_gifts(programme, on)
    channel_rows = list(live.values_list("channel").annotate(n=Count("id"), amount=Sum("amount")).order_by("channel"))
    received = Table(
        "2. Tiền và hiện vật đã nhận, theo hình thức (hiện vật tính theo giá trị)",
        [Column("TT", 9, INT), Column("Hình thức", 120), Column("Số lượt", 40, INT), Column("Số tiền (₫)", 60, MONEY)],
        [[n, str(Donation.Channel(ch).label), cnt, amount] for n, (ch, cnt, amount) in enumerate(channel_rows, 1)],
        ["", "Tổng cộng", sum(r[1] for r in channel_rows), sum(int(r[2] or 0) for r in channel_rows)],
    )
    orders = list(
        PurchaseOrder.objects.filter(programme=programme, ordered_on__lte=on)
        .select_related("phone_model", "earmark__unit")
        .order_by("ordered_on", "pk")
    )
    spent = Table(
        "3. Chi mua điện thoại (đơn mua đã thanh toán)",
        [
            Column("TT", 9, INT),
            Column("Ngày", 24, DATE),
            Column("Nhà cung cấp", 62),
            Column("Loại máy", 50),
            Column("Số máy", 20, INT),
            Column("Đơn giá (₫)", 30, MONEY),
            Column("Thành tiền (₫)", 36, MONEY),
            Column("Cho xã", 40),
        ],
        [
            [
                n,
                o.ordered_on,
                o.supplier_name,
                str(o.phone_model),
                o.quantity,
                o.unit_price,
                o.total,
                o.earmark.unit.name if o.earmark else "Quỹ chung",
            ]
            for n, o in enumerate(orders, 1)
        ],
        ["", "", "Tổng cộng", "", sum(o.quantity for o in orders), None, sum(o.total for o in orders), ""],
    )
    return _frame(
        programme,
        "thu-chi",
        on,
        number,
        actor,
        title="BÁO CÁO",
        subtitle=f"Tình hình tiếp nhận và sử dụng kinh phí {programme.name} đến ngày {on:%d/%m/%Y}",
        intro=[
            f"Tổng kinh phí cần: {_money(t['funds_received'].denominator)} ₫ "
            f"({_money(programme.phone_package_price)} ₫ cho một gói điện thoại). Đã nhận "
            f"{_money(t['funds_received'].numerator)} ₫ ({_cell_text(t['funds_received'].percent, PCT)}%); "
            f"đã chi mua máy {_money(t['funds_spent'].numerator)} ₫ ({_cell_text(t['funds_spent'].percent, PCT)}% "
            "số đã nhận).",
        ],
        tables=[summary, received, spent],
        notes=["Danh sách từng nhà tài trợ được công khai tại trang công khai của chương trình."],
    )


STEP_COLUMNS = [
    ("eid_level2", "Định danh mức 2"),
    ("portal_account", "Tài khoản DVC"),
    ("online_service", "Đã dùng DVC"),
    ("payment_account", "Tài khoản thanh toán"),
    ("cashless_payment", "Thanh toán không tiền mặt"),
]


def recipients(
    *,
    actor: scope.Actor,
    programme: Programme,
    on: dt.date | None = None,
    number: str = "",
    commune: ProgrammeCommune | None = None,
) -> Document:
    """Người nhận theo xã: everyone holding a phone on the date, in the communes the actor may see, with the
    date of handover, the onboarding steps done by then and the last follow-up. Names, birth years and masked
    identity numbers only for those allowed to see the residents (scope.residents_q); others get the rows
    without them. The caller audits an export that holds personal data."""
    from phocap.onboarding.selectors import first_handover_dates, holding
    from phocap.reports.selectors import kpi

    on = kpi(actor=actor, programme=programme, on=on, commune=commune).date
    communes = programme.communes.filter(scope.communes_q(actor)).select_related("unit").order_by("unit__code")
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    standing = (
        holding(programme, on)
        .filter(event__commune__in=communes)
        .select_related("resident", "event__commune")
        .order_by("event__commune__unit__code", "resident__village", "resident__household_id", "resident__full_name")
    )
    seen_ids = set(
        programme.residents.filter(scope.residents_q(actor), pk__in=standing.values("resident_id")).values_list(
            "pk", flat=True
        )
    )
    people = list(standing)
    ids = [h.resident_id for h in people]
    started = first_handover_dates(programme, ids)
    steps: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for rid, step, done_on in StepRecord.objects.filter(resident_id__in=ids, done_on__lte=on).values_list(
        "resident_id", "step", "done_on"
    ):
        steps[rid][step] = done_on
    last: dict[int, tuple[int, dt.date, str]] = {}
    for rid, days, visited_on, outcome in (
        FollowUpVisit.objects.filter(resident_id__in=ids, visited_on__lte=on)
        .order_by("days")
        .values_list("resident_id", "days", "visited_on", "outcome")
    ):
        last[rid] = (days, visited_on, outcome)
    outcomes = dict(FollowUpVisit.Outcome.choices)
    personal = bool(seen_ids)
    tables = []
    by_commune: dict[int, list[Any]] = defaultdict(list)
    for h in people:
        by_commune[h.event.commune_id].append(h)
    for c in communes:
        rows = []
        for n, h in enumerate(by_commune.get(c.pk, []), 1):
            r = h.resident
            shown = r.pk in seen_ids
            visit = last.get(r.pk)
            row: list[Any] = [n]
            if personal:
                row += [
                    r.full_name if shown else "(không hiển thị)",
                    r.birth_year if shown else None,
                    mask_id(r.id_number) if shown and r.id_number else "",
                ]
            row += [r.village, started.get(r.pk)]
            row += [steps[r.pk].get(key) for key, _label in STEP_COLUMNS]
            row.append(f"+{visit[0]} ngày ({visit[1]:%d/%m/%y}): {outcomes[visit[2]]}" if visit else "Chưa theo dõi")
            rows.append(row)
        columns = [Column("TT", 9, INT)]
        if personal:
            columns += [Column("Họ và tên", 36), Column("Năm sinh", 12, YEAR), Column("Số định danh (che)", 26)]
        columns += [Column("Thôn, bản", 24), Column("Ngày nhận máy", 19, DATE)]
        columns += [Column(label, 17 if personal else 24, DAY) for _key, label in STEP_COLUMNS]
        columns.append(Column("Theo dõi gần nhất", 56 if personal else 95))
        counts = [str(sum(1 for row in rows if row[len(columns) - 6 + i] is not None)) for i in range(5)]
        total = ["", "Cộng", *([""] * (3 if personal else 0)), f"{len(rows)} người", *counts, ""]
        tables.append(Table(f"{c.unit.name} — {len(rows)} người đang giữ máy", columns, rows, total))
    notes = ["Các cột bước hướng dẫn ghi ngày hoàn thành; để trống là chưa hoàn thành."]
    if not personal:
        notes.append("Không có họ tên, năm sinh, số định danh: vai trò của người lập không được xem thông tin cá nhân.")
    else:
        notes.append("Tài liệu có thông tin cá nhân: chỉ dùng cho công việc của chương trình, không công bố.")
    return _frame(
        programme,
        "nguoi-nhan",
        on,
        number,
        actor,
        title="DANH SÁCH",
        subtitle=f"Người nhận điện thoại và tình hình hướng dẫn sử dụng, đến ngày {on:%d/%m/%Y}",
        intro=[f"{programme.name}: {sum(len(t.rows) for t in tables)} người đang giữ máy tại {len(tables)} xã, phường"],
        tables=tables,
        personal_data=personal,
        notes=notes,
    )


BUILDERS = {"tien-do": progress, "thu-chi": funds, "nguoi-nhan": recipients}
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
    before it is handed out."""
    from django.db import transaction

    from phocap.core import audit
    from phocap.core.errors import NotFound, ValidationFailed

    if kind not in BUILDERS:
        raise NotFound(f"Không có báo cáo {kind!r}: chọn một trong {', '.join(BUILDERS)}.")
    if fmt not in ("pdf", "xlsx"):
        raise ValidationFailed("Định dạng phải là pdf hoặc xlsx.", field="format")
    number = number.strip()
    if len(number) > 12 or not all(ch.isalnum() or ch in ".-" for ch in number):
        raise ValidationFailed(
            "Số văn bản chỉ gồm chữ, số, dấu chấm hoặc gạch ngang (tối đa 12 ký tự).", field="number"
        )
    if kind == "nguoi-nhan":
        doc = recipients(actor=actor, programme=programme, on=on, number=number, commune=commune)
    else:
        doc = BUILDERS[kind](actor=actor, programme=programme, on=on, number=number)
    data = to_pdf(doc) if fmt == "pdf" else to_xlsx(doc)
    if doc.personal_data:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="reports.export",
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


# --- layout -------------------------------------------------------------------------------------------------


def to_pdf(doc: Document) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from phocap.fundraising.receipts import FONT_DIR

    class Paged(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("BVP", "I", 8)
            self.cell(0, 5, _nfc(f"{doc.subtitle} — trang {self.page_no()}/{{nb}}"), align="C")

    pdf = Paged(orientation="L" if doc.landscape else "P", format="A4", unit="mm")
    pdf.set_title(_nfc(f"{doc.title} — {doc.subtitle}"))
    for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic")):
        pdf.add_font("BVP", style, str(FONT_DIR / f"BeVietnamPro-{name}.ttf"))
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, 16)
    pdf.add_page()
    width = pdf.epw
    left_w, right_w = width * 0.42, width * 0.58
    top = pdf.get_y()
    pdf.set_font("BVP", "", 10)
    pdf.multi_cell(left_w, 5, _nfc(doc.parent_body), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "B", 10)
    pdf.multi_cell(left_w, 5, _nfc(doc.body), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "", 10)
    pdf.multi_cell(left_w, 6, _nfc(doc.number), align="C")
    pdf.set_xy(pdf.l_margin + left_w, top)
    pdf.set_font("BVP", "B", 10)
    pdf.multi_cell(right_w, 5, _nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(right_w, 5, _nfc("Độc lập - Tự do - Hạnh phúc"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BVP", "I", 10)
    when = f"{doc.place}, ngày {doc.date.day:02d} tháng {doc.date.month:02d} năm {doc.date.year}"
    pdf.multi_cell(right_w, 6, _nfc(when), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("BVP", "B", 14)
    pdf.multi_cell(0, 7, _nfc(doc.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "B", 11)
    pdf.multi_cell(0, 6, _nfc(doc.subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("BVP", "", 10.5)
    for paragraph in doc.intro:
        pdf.multi_cell(0, 5.5, _nfc(paragraph), new_x="LMARGIN", new_y="NEXT")
    for table in doc.tables:
        pdf.ln(3)
        pdf.set_font("BVP", "B", 10.5)
        pdf.multi_cell(0, 6, _nfc(table.title), new_x="LMARGIN", new_y="NEXT")
        widths = [c.width for c in table.columns]
        scale = min(1.0, width / sum(widths))
        pdf.set_font("BVP", "", 8)
        align = tuple("L" if c.kind == TEXT else ("C" if c.kind in (DATE, DAY, YEAR) else "R") for c in table.columns)
        with pdf.table(
            col_widths=tuple(w * scale for w in widths),
            width=sum(widths) * scale,
            align="LEFT",
            text_align=align,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            line_height=4.6,
            padding=1,
        ) as out:
            head = out.row()
            for c in table.columns:
                head.cell(_nfc(c.title), align="C")
            for values in table.rows:
                line = out.row()
                for c, v in zip(table.columns, values, strict=True):
                    line.cell(_cell_text(v, c.kind))
            if table.total is not None:
                line = out.row(style=FontFace(emphasis="BOLD"))
                for c, v in zip(table.columns, table.total, strict=True):
                    line.cell(_cell_text(v, c.kind))
        if not table.rows:
            pdf.set_font("BVP", "I", 9)
            pdf.multi_cell(0, 5, _nfc("(Không có số liệu)"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("BVP", "I", 9)
    for note in doc.notes:
        pdf.multi_cell(0, 4.6, _nfc(f"Ghi chú: {note}"), new_x="LMARGIN", new_y="NEXT")
    _pdf_signatures(pdf, doc)
    return bytes(pdf.output())


def _pdf_signatures(pdf: Any, doc: Document) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(6)
    half = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_font("BVP", "B", 10)
    pdf.multi_cell(half, 5, _nfc("NGƯỜI LẬP BIỂU"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BVP", "I", 9)
    pdf.multi_cell(half, 5, _nfc("(Ký, ghi rõ họ tên)"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(16)
    pdf.set_font("BVP", "", 10)
    pdf.multi_cell(half, 5, _nfc(doc.prepared_by), align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font("BVP", "B", 10)
    pdf.multi_cell(half, 5, _nfc(f"TM. {doc.body}"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BVP", "I", 9)
    pdf.multi_cell(half, 5, _nfc("(Ký, ghi rõ họ tên, đóng dấu)"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_font("BVP", "B", 9)
    pdf.multi_cell(0, 4.6, _nfc("Nơi nhận:"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BVP", "", 9)
    pdf.multi_cell(
        0,
        4.6,
        _nfc("\n".join(f"- {line}" for line in doc.copies_to)),
        new_x="LMARGIN",
        new_y="NEXT",
    )


def to_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = doc.slug
    ncols = max(len(t.columns) for t in doc.tables) if doc.tables else 6
    half = max(1, ncols // 2 - 1)
    font = "Times New Roman"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def put(
        row: int, first: int, last: int, text: str, *, bold: bool = False, italic: bool = False, size: float = 12
    ) -> None:
        cell = sheet.cell(row=row, column=first, value=_nfc(text))
        cell.font = Font(name=font, bold=bold, italic=italic, size=size)
        cell.alignment = centre
        if last > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    put(1, 1, half, doc.parent_body, size=11)
    put(2, 1, half, doc.body, bold=True, size=11)
    put(3, 1, half, doc.number, size=11)
    put(1, half + 1, ncols, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=11)
    put(2, half + 1, ncols, "Độc lập - Tự do - Hạnh phúc", bold=True, size=11)
    when = f"{doc.place}, ngày {doc.date.day:02d} tháng {doc.date.month:02d} năm {doc.date.year}"
    put(3, half + 1, ncols, when, italic=True, size=11)
    put(5, 1, ncols, doc.title, bold=True, size=14)
    put(6, 1, ncols, doc.subtitle, bold=True)
    row = 8
    for paragraph in doc.intro:
        put(row, 1, ncols, paragraph, size=11)
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 32
        row += 1
    formats = {INT: "#,##0", MONEY: "#,##0", PCT: "0.0", DATE: "dd/mm/yyyy", DAY: "dd/mm/yyyy", YEAR: "0"}
    for table in doc.tables:
        row += 1
        cell = sheet.cell(row=row, column=1, value=_nfc(table.title))
        cell.font = Font(name=font, bold=True, size=11)
        row += 1
        for col, c in enumerate(table.columns, 1):
            cell = sheet.cell(row=row, column=col, value=_nfc(c.title))
            cell.font = Font(name=font, bold=True, size=10)
            cell.alignment = centre
            cell.border = box
            cell.fill = PatternFill("solid", fgColor="EBEBEB")
        sheet.row_dimensions[row].height = 42
        body = [*table.rows, *([table.total] if table.total is not None else [])]
        for n, values in enumerate(body):
            row += 1
            bold = table.total is not None and n == len(body) - 1
            for col, (c, v) in enumerate(zip(table.columns, values, strict=True), 1):
                value = v if v is None or isinstance(v, int | float | dt.date) else _nfc(v)
                cell = sheet.cell(row=row, column=col, value=value)
                cell.font = Font(name=font, bold=bold, size=10)
                cell.border = box
                if c.kind in formats and not isinstance(v, str):
                    cell.number_format = formats[c.kind]
                if c.kind == TEXT:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    for note in doc.notes:
        sheet.cell(row=row, column=1, value=_nfc(f"Ghi chú: {note}")).font = Font(name=font, italic=True, size=10)
        row += 1
    row += 1
    put(row, 1, half, "NGƯỜI LẬP BIỂU", bold=True, size=11)
    put(row, half + 1, ncols, f"TM. {doc.body}", bold=True, size=11)
    put(row + 1, 1, half, "(Ký, ghi rõ họ tên)", italic=True, size=10)
    put(row + 1, half + 1, ncols, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=10)
    put(row + 5, 1, half, doc.prepared_by, size=11)
    widths: dict[int, float] = {}
    for table in doc.tables:
        for col, c in enumerate(table.columns, 1):
            widths[col] = max(widths.get(col, 0), c.width / 2.2)
    for col, w in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = max(6.0, w)
    sheet.page_setup.orientation = "landscape" if doc.landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
