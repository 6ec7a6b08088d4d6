"""`phocap kpi` (issue #6): the indicators per commune and for the programme, on a date; `phocap report`: the
official reports as PDF or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from phocap.core.cli import actor_of, add_command, note, out, with_json
from phocap.core.text import read_date
from phocap.programmes import selectors as programmes
from phocap.reports import documents, indicators, selectors, services


def _pct(value: float | None) -> str:
    return "   —  " if value is None else f"{value:5.1f}%"


def cmd_kpi(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    report = selectors.kpi(actor=actor, programme=programme, on=read_date(args.date))
    data = report.as_dict()

    def human() -> str:
        lines = [f"{programme.name} — ngày {report.date:%d/%m/%Y}"]
        short = ["smartphone_coverage", "handover_progress", "eid_level2", "cashless_payment", "followup_on_time"]
        lines.append(f"{'':28} " + " ".join(f"{k[:12]:>12}" for k in short))
        for unit in [*report.communes, report.totals]:
            lines.append(f"{unit.name[:28]:<28} " + " ".join(f"{_pct(unit.indicators[k].percent):>12}" for k in short))
        lines.append("")
        lines.extend(
            f"{indicators.LABELS[k]:<44} {v.numerator:>14,} / {v.denominator:<14,} {_pct(v.percent)} "
            f"(mục tiêu {v.target:g}%)".replace(",", ".")
            for k, v in report.totals.indicators.items()
        )
        return "\n".join(lines)

    out(args, data, human)
    return 0


def cmd_report(args: argparse.Namespace) -> int:

    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    commune = programmes.commune_get(actor=actor, programme=programme, code=args.commune) if args.commune else None
    made = documents.export(
        actor=actor,
        programme=programme,
        kind=args.kind,
        fmt=args.format,
        on=read_date(args.date),
        number=args.number or "",
        commune=commune,
    )
    target = Path(args.output or made.filename)
    target.write_bytes(made.data)
    data = {"file": str(target), "bytes": len(made.data), "personal_data": made.personal_data}
    out(args, data, lambda: f"Đã ghi {target} ({len(made.data):,} byte).".replace(",", "."))
    if made.personal_data:
        note(args, "Tệp có thông tin cá nhân: lần xuất này đã được ghi nhật ký.")
    return 0


def cmd_kpi_check(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    result = services.tallies_check(actor=actor, programme=programme, on=read_date(args.date), repair=args.repair)

    def human() -> str:
        t = result.tallies
        lines = [
            f"{programme.name}: {t.checked_totals:,} số đếm, {t.checked_days:,} số theo ngày đếm lại từ dữ liệu gốc."
        ]
        lines += [
            f"  khác: {d['key']} (phạm vi {d['scope']}, ngày {d['day'] or 'tổng'}): "
            f"lưu {d['kept']}, đếm lại {d['facts']}"
            for d in t.differences[:20]
        ]
        if len(t.differences) > 20:
            lines.append(f"  … và {len(t.differences) - 20:,} chỗ khác nữa")
        lines.append(
            f"Chỉ số ngày {result.date:%d/%m/%Y}: "
            + ("khớp với dữ liệu gốc." if result.indicators_agree else "KHÔNG khớp với dữ liệu gốc.")
        )
        if result.repaired:
            lines.append("Đã ghi lại các số đếm từ dữ liệu gốc.")
        elif t.differences:
            lines.append("Chạy lại với --repair (quản trị hệ thống) để ghi lại từ dữ liệu gốc.")
        return "\n".join(lines).replace(",", ".")

    out(args, result.as_dict(), human)
    return 0 if result.agree or result.repaired else 1


def register(sub: Any) -> None:
    p = with_json(add_command(sub, "kpi", cmd_kpi, "các chỉ số của chương trình theo xã/phường"))
    p.add_argument("--programme", required=True)
    p.add_argument("--date", help="tại ngày YYYY-MM-DD (mặc định: hôm nay, hoặc ngày kết thúc chương trình)")
    p = with_json(add_command(sub, "kpi-check", cmd_kpi_check, "đếm lại số liệu của chỉ số từ dữ liệu gốc và so sánh"))
    p.add_argument("--programme", required=True)
    p.add_argument("--date", help="so sánh các chỉ số tại ngày YYYY-MM-DD")
    p.add_argument("--repair", action="store_true", help="ghi lại các số đếm từ dữ liệu gốc nếu khác")
    p = with_json(add_command(sub, "report", cmd_report, "báo cáo theo thể thức hành chính, PDF hoặc XLSX"))
    p.add_argument("kind", choices=["tien-do", "thu-chi", "nguoi-nhan"], help="tiến độ, thu chi, người nhận")
    p.add_argument("--programme", required=True)
    p.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
    p.add_argument("--date", help="tại ngày YYYY-MM-DD")
    p.add_argument("--number", help="số văn bản (để trống cho văn thư điền)")
    p.add_argument("--commune", help="mã xã (danh sách người nhận của một xã)")
    p.add_argument("-o", "--output", help="tệp ra (mặc định: bao-cao-LOẠI-NGÀY.ĐỊNH_DẠNG)")
