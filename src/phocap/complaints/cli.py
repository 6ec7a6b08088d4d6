"""`phocap complaints list|add|update` (issue #17): the same services and scope as the pages and the API. `add`
without `--via` files it as the public does (no account needed); with `--via`, the officer (`--as`) records one
received in person, by phone or at a meeting."""

from __future__ import annotations

import argparse
from typing import Any

from phocap.complaints import selectors, services
from phocap.complaints.models import Complaint
from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.core.text import read_date
from phocap.programmes import selectors as programmes


def _filed(c: Complaint) -> dict[str, Any]:
    return {"complaint": c.pk, "acknowledge_by": c.acknowledge_by.isoformat(), "resolve_by": c.resolve_by.isoformat()}


def cmd_add(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    if args.via:
        programme = programmes.programme_get(actor=actor, code=args.programme)
        commune = programmes.commune_get(actor=actor, programme=programme, code=args.commune)
        done = services.complaint_record(
            actor=actor,
            programme=programme,
            commune=commune,
            category=args.category,
            text=args.text,
            via=args.via,
            received_on=read_date(args.received_on),
            name=args.name or "",
            phone=args.phone or "",
            links={"resident": args.resident, "device": args.device, "donation": args.donation, "round": args.round},
        )
    else:
        programme = selectors.public_programme(args.programme)
        commune = selectors.public_commune(programme, args.commune)
        done = services.complaint_file(
            programme=programme,
            commune=commune,
            category=args.category,
            text=args.text,
            name=args.name or "",
            phone=args.phone or "",
        )
    data = _filed(done)
    out(
        args,
        data,
        lambda: (
            f"Đã ghi phản ánh PA-{done.pk}: tiếp nhận trước {done.acknowledge_by:%d/%m/%Y}, "
            f"giải quyết trước {done.resolve_by:%d/%m/%Y}."
        ),
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    rows = selectors.complaint_list(
        actor=actor, programme=programme, overdue=args.overdue, commune_code=args.commune or ""
    ).prefetch_related("steps")
    data = [selectors.complaint_dict(c) for c in rows[: args.limit]]
    out(
        args,
        data,
        lambda: (
            "\n".join(
                f"PA-{c['complaint']:<5} {c['commune_name']:<24} {c['status']:<12} hạn {c['resolve_by']}"
                f"{'  QUÁ HẠN' if c['overdue'] else ''}  {c['text'][:50]}"
                for c in data
            )
            or "Không có phản ánh."
        ),
    )
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    found = selectors.complaint_get(actor=actor, programme=programme, complaint_id=args.complaint)
    done = services.complaint_update(
        actor=actor,
        complaint=found,
        status=args.status,
        note=args.note,
        links={"resident": args.resident, "device": args.device, "donation": args.donation, "round": args.round},
    )
    data = selectors.complaint_dict(done)
    out(args, data, lambda: f"PA-{done.pk}: {done.get_status_display()}.")
    return 0


def _links(p: Any) -> None:
    for name in ("resident", "device", "donation", "round"):
        p.add_argument(f"--{name}", type=int, help=f"số {name} mà phản ánh nói đến")


def register(subparsers: Any) -> None:
    verbs = subparsers.add_parser("complaints", help="phản ánh, kiến nghị").add_subparsers(
        dest="complaints_verb", required=True
    )
    p = with_json(add_command(verbs, "list", cmd_list, "phản ánh của các xã bạn phụ trách, quá hạn trước"))
    p.add_argument("--programme", required=True)
    p.add_argument("--overdue", action="store_true", help="chỉ phản ánh quá hạn")
    p.add_argument("--commune", help="mã xã/phường")
    p.add_argument("--limit", type=int, default=500)

    p = with_json(add_command(verbs, "add", cmd_add, "ghi một phản ánh"))
    p.add_argument("--programme", required=True)
    p.add_argument("--commune", required=True, help="mã xã/phường")
    p.add_argument("--category", required=True, choices=Complaint.Category.values)
    p.add_argument("--text", required=True)
    p.add_argument("--phone", help="số điện thoại để trả lời")
    p.add_argument("--name", help="họ tên người phản ánh")
    p.add_argument("--via", choices=["in_person", "phone", "meeting"], help="cán bộ nhận trực tiếp (cần --as)")
    p.add_argument("--received-on", help="ngày nhận (YYYY-MM-DD), mặc định hôm nay")
    _links(p)

    p = with_json(add_command(verbs, "update", cmd_update, "xử lý phản ánh: trạng thái mới và ghi chú"))
    p.add_argument("complaint", type=int)
    p.add_argument("--programme", required=True)
    p.add_argument("--status", required=True, choices=["acknowledged", "in_progress", "resolved", "not_upheld"])
    p.add_argument("--note", required=True)
    _links(p)
