"""`phocap onboarding …` (issue #6): the recipients and their checklists, recording steps and follow-up visits,
overdue rounds per village — the same services as the web pages and the API."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from phocap.cliutil import actor_of, add_command, out, with_json


def _date(text: str | None) -> dt.date | None:
    from phocap.core.errors import ValidationFailed

    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"Ngày {text!r} không hợp lệ: viết YYYY-MM-DD.", field="date") from None


def _programme(args: argparse.Namespace) -> tuple[Any, Any]:
    from phocap.programmes import selectors as programmes

    actor = actor_of(args)
    return actor, programmes.programme_get(actor=actor, code=args.programme)


def cmd_recipients(args: argparse.Namespace) -> int:
    from phocap.onboarding import selectors
    from phocap.programmes import selectors as programmes

    actor, programme = _programme(args)
    commune = programmes.commune_get(actor=actor, programme=programme, code=args.commune) if args.commune else None
    found = selectors.recipients(actor=actor, programme=programme, commune=commune, village=args.village)
    rows = [r.as_dict() for r in found]

    def human() -> str:
        lines = [f"{len(rows)} người đã nhận máy"]
        for r in rows:
            due = ", ".join(f"+{d['days']}{' QUÁ HẠN' if d['overdue'] else ''}" for d in r["due"])
            lines.append(
                f"{r['resident_id']:>7}  {r['full_name']:<28} {r['village']:<20} {len(r['steps'])}/8 bước"
                + (f"  theo dõi: {due}" if due else "")
            )
        return "\n".join(lines)

    out(args, rows, human)
    return 0


def cmd_steps(args: argparse.Namespace) -> int:
    from phocap.onboarding import services

    actor, programme = _programme(args)
    written = services.steps_record(
        actor=actor,
        programme=programme,
        resident_ids=args.resident,
        steps=args.step,
        done_on=_date(args.date) or dt.date.today(),
        detail=args.detail or "",
    )
    out(args, {"written": written}, lambda: f"Đã ghi {written} bước.")
    return 0


def cmd_followup(args: argparse.Namespace) -> int:
    from phocap.onboarding import services

    actor, programme = _programme(args)
    visit = services.followup_record(
        actor=actor,
        programme=programme,
        resident_id=args.resident,
        days=args.days,
        visited_on=_date(args.date) or dt.date.today(),
        outcome=args.outcome,
        note=args.note or "",
        steps=args.step or [],
    )
    data = {
        "resident_id": visit.resident_id,
        "days": visit.days,
        "due_on": visit.due_on.isoformat(),
        "visited_on": visit.visited_on.isoformat(),
        "on_time": visit.on_time,
        "outcome": visit.outcome,
    }
    out(args, data, lambda: f"Đã ghi lần theo dõi +{visit.days} ngày ({'đúng hạn' if visit.on_time else 'trễ hạn'}).")
    return 0


def cmd_overdue(args: argparse.Namespace) -> int:
    from phocap.onboarding import selectors

    actor, programme = _programme(args)
    rows = selectors.overdue_by_village(actor=actor, programme=programme, on=_date(args.date))

    def human() -> str:
        if not rows:
            return "Không có lần theo dõi nào quá hạn."
        return "\n".join(f"{r['commune_name']:<24} {r['village']:<24} {r['overdue']:>5}" for r in rows)

    out(args, rows, human)
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("onboarding", help="hướng dẫn sử dụng, theo dõi").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(group, "recipients", cmd_recipients, "người đã nhận máy, các bước và lần theo dõi"))
    p.add_argument("--programme", required=True)
    p.add_argument("--commune")
    p.add_argument("--village")
    p = with_json(add_command(group, "steps", cmd_steps, "ghi các bước đã làm cho một người hoặc cả hộ"))
    p.add_argument("--programme", required=True)
    p.add_argument("--resident", type=int, action="append", required=True, help="mã người nhận (lặp lại được)")
    p.add_argument("--step", action="append", required=True, help="eid_level2, portal_account, … (lặp lại được)")
    p.add_argument("--date", help="ngày làm YYYY-MM-DD (mặc định: hôm nay)")
    p.add_argument("--detail", help="dịch vụ nào, ngân hàng/ví nào")
    p = with_json(add_command(group, "followup", cmd_followup, "ghi một lần theo dõi"))
    p.add_argument("--programme", required=True)
    p.add_argument("--resident", type=int, required=True)
    p.add_argument("--days", type=int, required=True, help="lần theo dõi sau … ngày (7, 30, 90)")
    p.add_argument("--outcome", required=True, choices=["using", "sold", "broken", "lost"])
    p.add_argument("--date", help="ngày thăm YYYY-MM-DD (mặc định: hôm nay)")
    p.add_argument("--note")
    p.add_argument("--step", action="append", help="bước thấy đã làm (lặp lại được)")
    p = with_json(add_command(group, "overdue", cmd_overdue, "lần theo dõi quá hạn theo thôn (không có tên)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--date", help="tại ngày YYYY-MM-DD")
