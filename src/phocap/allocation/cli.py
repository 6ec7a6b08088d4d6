"""`phocap allocate` (issue #5)."""

from __future__ import annotations

import argparse
from typing import Any

from phocap.allocation import selectors, services
from phocap.core.cli import actor_of, add_command, note, out, with_json
from phocap.programmes import selectors as programmes


def cmd_allocate(args: argparse.Namespace) -> int:
    """Propose a round (saying first what it would have), or — as the approving manager themself (`--as`) —
    approve one, or cancel one with its reason."""
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    if args.cancel is not None:
        found = selectors.round_get(actor=actor, programme=programme, round_id=args.cancel)
        cancelled = services.round_cancel(actor=actor, round_=found, reason=args.reason or "")
        done = {"round": cancelled.pk, "status": cancelled.status}
        out(args, done, lambda: f"Đã hủy đợt #{cancelled.pk}: {cancelled.cancel_reason}")
        return 0
    if args.approve is not None:
        round_ = services.round_approve(
            actor=actor, round_=selectors.round_get(actor=actor, programme=programme, round_id=args.approve)
        )
    else:
        preview = selectors.round_preview(actor=actor, programme=programme)
        if preview["warning"]:
            note(args, f"Lưu ý: {preview['warning']}")
        round_ = services.round_propose(actor=actor, programme=programme, seed=args.seed)
    data = selectors.round_summary(round_)
    out(
        args,
        data,
        lambda: (
            f"Đợt #{data['round']} (số gieo {data['seed']}, chính sách v{data['policy_version']}, "
            f"{'đã duyệt' if data['status'] == 'approved' else 'chờ duyệt'}): {data['devices']} máy, "
            f"{data['selected']} người được chọn.\n"
            + "\n".join(
                f"  {c['name']:<28} {c['selected']:>5}/{c['eligible']:<5} {c['coverage'] * 100:5.1f}%"
                for c in data["communes"]
            )
        ),
    )
    return 0


def cmd_prior_phone(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    resident = services.prior_phone_exception(
        actor=actor, programme=programme, resident_id=args.resident, reason=args.reason
    )
    data = {"resident": resident.pk, "exception": True}
    out(args, data, lambda: f"Đã ghi ngoại lệ cho người dân số {resident.pk}: được xét phân bổ lại.")
    return 0


def register(sub: Any) -> None:
    p = with_json(
        add_command(
            sub, "prior-phone", cmd_prior_phone, "ngoại lệ cho người đã nhận máy từ chương trình khác (mất, trả lại)"
        )
    )
    p.add_argument("--programme", required=True)
    p.add_argument("--resident", type=int, required=True, help="mã người dân")
    p.add_argument("--reason", required=True, help="lý do (máy mất đã báo ngày …; máy đã trả lại)")
    p = with_json(add_command(sub, "allocate", cmd_allocate, "chạy một đợt phân bổ điện thoại"))
    p.add_argument("--programme", required=True)
    p.add_argument("--seed", help="số gieo bốc thăm, công bố trước đợt (mặc định: ngẫu nhiên)")
    act = p.add_mutually_exclusive_group()
    act.add_argument(
        "--approve", type=int, metavar="ROUND", help="duyệt đợt này (người duyệt là --as, khác người đề xuất)"
    )
    act.add_argument("--cancel", type=int, metavar="ROUND", help="hủy đợt đang chờ duyệt (cần --reason)")
    p.add_argument("--reason", help="lý do hủy")
