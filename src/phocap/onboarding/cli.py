"""`phocap onboarding …` (issue #6): the recipients and their checklists, recording steps and follow-up visits,
overdue rounds per village — the same services as the web pages and the API."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from typing import Any

from phocap.accounts.selectors import user_by_username
from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.core.text import read_date
from phocap.onboarding import selectors, services
from phocap.programmes import selectors as programmes


def _programme(args: argparse.Namespace) -> tuple[Any, Any]:
    actor = actor_of(args)
    return actor, programmes.programme_get(actor=actor, code=args.programme)


def cmd_recipients(args: argparse.Namespace) -> int:
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
    actor, programme = _programme(args)
    written = services.steps_record(
        actor=actor,
        programme=programme,
        resident_ids=args.resident,
        steps=args.step,
        done_on=read_date(args.date) or dt.date.today(),
        detail=args.detail or "",
    )
    out(args, {"written": written}, lambda: f"Đã ghi {written} bước.")
    return 0


def cmd_followup(args: argparse.Namespace) -> int:
    actor, programme = _programme(args)
    visit = services.followup_record(
        actor=actor,
        programme=programme,
        resident_id=args.resident,
        days=args.days,
        visited_on=read_date(args.date) or dt.date.today(),
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
    actor, programme = _programme(args)
    rows = selectors.overdue_by_village(actor=actor, programme=programme, on=read_date(args.date))

    def human() -> str:
        if not rows:
            return "Không có lần theo dõi nào quá hạn."
        return "\n".join(f"{r['commune_name']:<24} {r['village']:<24} {r['overdue']:>5}" for r in rows)

    out(args, rows, human)
    return 0


def cmd_team_add(args: argparse.Namespace) -> int:
    actor, programme = _programme(args)
    commune = programmes.commune_get(actor=actor, programme=programme, code=args.commune)
    team = services.team_create(actor=actor, commune=commune, village=args.village, name=args.name or "")
    out(args, selectors.team_dict(team, actor=actor_of(args)), lambda: f"Đã lập tổ #{team.pk}: {team.name}.")
    return 0


def cmd_member_add(args: argparse.Namespace) -> int:
    actor, programme = _programme(args)
    team = selectors.team_get(actor=actor, programme=programme, team_id=args.team)
    user = user_by_username(args.user) if args.user else None
    member = services.team_member_add(actor=actor, team=team, name=args.name or "", user=user, is_leader=args.leader)
    out(args, selectors.team_dict(team, actor=actor_of(args)), lambda: f"Đã thêm {member.name} vào {team.name}.")
    return 0


def cmd_session_add(args: argparse.Namespace) -> int:
    actor, programme = _programme(args)
    commune = programmes.commune_get(actor=actor, programme=programme, code=args.commune)
    session = services.session_create(
        actor=actor,
        commune=commune,
        held_on=read_date(args.date) or dt.date.today(),
        topic=args.topic,
        organiser_kind=args.organiser,
        village=args.village or "",
        head_count=args.head_count,
        attendee_ids=args.attendee or [],
    )
    data = {"id": session.pk, "held_on": session.held_on.isoformat(), "attendees": session.attendees.count()}
    out(args, data, lambda: f"Đã ghi buổi hướng dẫn #{session.pk} ngày {session.held_on:%d/%m/%Y}.")
    return 0


def cmd_sample_draw(args: argparse.Namespace) -> int:

    actor, programme = _programme(args)
    sample = services.sample_draw(
        actor=actor,
        programme=programme,
        confidence=Decimal(args.confidence),
        margin=Decimal(args.margin),
        seed=args.seed or "",
    )
    data = selectors.sample_dict(sample, selectors.sample_items(actor=actor, sample=sample))
    out(
        args,
        data,
        lambda: f"Mẫu #{sample.pk}: {sample.size} trong {sample.population} lần trao (chuỗi ngẫu nhiên {sample.seed}).",
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    actor, programme = _programme(args)
    item = selectors.sample_item_get(actor=actor, programme=programme, item_id=args.item)
    services.verification_record(
        actor=actor, item=item, method=args.method, result=args.result, note=args.note or "", on=read_date(args.date)
    )
    data = {"id": item.pk, "result": args.result, "flagged": args.result != "received"}
    out(args, data, lambda: "Đã ghi kết quả kiểm chứng" + (" — báo quản lý xử lý." if data["flagged"] else "."))
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
    p = with_json(add_command(group, "team-add", cmd_team_add, "lập tổ công nghệ số của một thôn"))
    p.add_argument("--programme", required=True)
    p.add_argument("--commune", required=True)
    p.add_argument("--village", required=True)
    p.add_argument("--name")
    p = with_json(add_command(group, "member-add", cmd_member_add, "thêm thành viên tổ (theo tên hoặc tài khoản)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--team", type=int, required=True)
    p.add_argument("--name")
    p.add_argument("--user", help="tài khoản đã có vai trò thành viên tổ công nghệ số của thôn")
    p.add_argument("--leader", action="store_true")
    p = with_json(add_command(group, "session-add", cmd_session_add, "ghi một buổi hướng dẫn, tuyên truyền"))
    p.add_argument("--programme", required=True)
    p.add_argument("--commune", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--organiser", required=True, choices=["team", "department", "enterprise"])
    p.add_argument("--village")
    p.add_argument("--date", help="YYYY-MM-DD (mặc định: hôm nay)")
    p.add_argument("--head-count", type=int, default=0)
    p.add_argument("--attendee", type=int, action="append", help="mã người dự (lặp lại được)")
    p = with_json(add_command(group, "sample-draw", cmd_sample_draw, "rút mẫu kiểm chứng các lần trao"))
    p.add_argument("--programme", required=True)
    p.add_argument("--confidence", default="95", choices=["90", "95", "99"])
    p.add_argument("--margin", default="5", help="sai số (%%)")
    p.add_argument("--seed", help="chuỗi ngẫu nhiên công bố trước (mặc định: tự sinh)")
    p = with_json(add_command(group, "verify", cmd_verify, "ghi kết quả kiểm chứng một lần trao trong mẫu"))
    p.add_argument("--programme", required=True)
    p.add_argument("--item", type=int, required=True)
    p.add_argument("--method", required=True, choices=["call", "visit"])
    p.add_argument("--result", required=True, choices=["received", "not_received", "issues"])
    p.add_argument("--note")
    p.add_argument("--date", help="ngày kiểm chứng YYYY-MM-DD")
