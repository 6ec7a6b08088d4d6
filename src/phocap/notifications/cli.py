"""`phocap notify send-due|list|retry|opt-out` (issue #17); the worker runs `send-due` for every programme on its
own every few minutes."""

from __future__ import annotations

import argparse
from typing import Any

from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.notifications import selectors, services
from phocap.programmes import selectors as programmes


def cmd_send_due(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    data = services.notify_send_due(actor=actor, programme=programme, dry_run=args.dry_run)
    verb = "sẽ xếp hàng" if args.dry_run else "đã xếp hàng"
    out(args, data, lambda: f"{verb} {data['queued']} tin; đã gửi {data['sent']}, lỗi {data['failed']}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    rows = [
        selectors.message_dict(m)
        for m in selectors.message_list(actor=actor, programme=programme, status=args.status or "")[: args.limit]
    ]
    out(
        args,
        rows,
        lambda: (
            "\n".join(
                f"#{r['message']:<6} {r['channel']:<5} {r['template']:<16} {r['status']:<9} {r['error']}" for r in rows
            )
            or "Chưa có tin nhắn."
        ),
    )
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    found = selectors.message_get(actor=actor, programme=programme, message_id=args.message)
    done = services.message_retry(actor=actor, message=found)
    out(args, selectors.message_dict(done), lambda: f"Tin #{done.pk} sẽ được gửi lại.")
    return 0


def cmd_opt_out(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    services.contact_opt_out(actor=actor, programme=programme, recipient=args.recipient, reason=args.reason or "")
    out(args, {"opted_out": True}, lambda: "Đã ghi: không gửi tin nhắn đến người nhận này nữa.")
    return 0


def register(subparsers: Any) -> None:
    verbs = subparsers.add_parser("notify", help="tin nhắn đến người dân").add_subparsers(
        dest="notify_verb", required=True
    )
    p = with_json(add_command(verbs, "send-due", cmd_send_due, "xếp hàng tin đến hạn và gửi tin đang chờ"))
    p.add_argument("--programme", required=True)
    p.add_argument("--dry-run", action="store_true", help="chỉ đếm, không ghi và không gửi")
    p = with_json(add_command(verbs, "list", cmd_list, "hộp thư đi (tin lỗi trước)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--status", choices=["queued", "sent", "delivered", "failed", "cancelled"])
    p.add_argument("--limit", type=int, default=200)
    p = with_json(add_command(verbs, "retry", cmd_retry, "gửi lại một tin lỗi"))
    p.add_argument("message", type=int)
    p.add_argument("--programme", required=True)
    p = with_json(add_command(verbs, "opt-out", cmd_opt_out, "ngừng gửi tin đến một số điện thoại hoặc thư"))
    p.add_argument("recipient")
    p.add_argument("--programme", required=True)
    p.add_argument("--reason")
