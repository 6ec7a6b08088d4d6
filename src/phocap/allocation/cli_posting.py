"""`phocap posting list|posted|early-start|pdf` (issue #17): a round's lists posted for objections in each commune."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from phocap.allocation import postings
from phocap.allocation.models import Posting
from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.core.text import read_date
from phocap.programmes import selectors as programmes


def _dict(p: Posting) -> dict[str, Any]:
    return json.loads(json.dumps(postings.posting_dict(p), default=str))  # dates as YYYY-MM-DD


def _one(args: argparse.Namespace) -> tuple[Any, Posting]:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    return actor, postings.posting_get(actor=actor, programme=programme, posting_id=args.posting)


def _posted(row: dict[str, Any]) -> str:
    return f"đã niêm yết {row['posted_on']}" if row["posted_on"] else "chưa niêm yết"


def cmd_list(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    rows = [_dict(p) for p in postings.posting_list(actor=actor, programme=programme)[:500]]
    out(
        args,
        rows,
        lambda: (
            "\n".join(
                f"#{r['posting']:<5} đợt {r['round']:<4} {r['commune_name']:<26} {r['listed']:>5} người  "
                f"{r['starts_on']} → {r['ends_on']}  {_posted(r)}"
                for r in rows
            )
            or "Chưa có danh sách niêm yết."
        ),
    )
    return 0


def cmd_posted(args: argparse.Namespace) -> int:
    actor, found = _one(args)
    on = read_date(args.on)
    if on is None:
        raise SystemExit("phocap: --on YYYY-MM-DD là bắt buộc")
    done = postings.posting_record(actor=actor, posting=found, posted_on=on)
    out(args, _dict(done), lambda: f"Đã ghi niêm yết từ {done.starts_on:%d/%m/%Y} đến hết {done.ends_on:%d/%m/%Y}.")
    return 0


def cmd_early(args: argparse.Namespace) -> int:
    actor, found = _one(args)
    done = postings.posting_early_start(actor=actor, posting=found, reason=args.reason)
    out(args, _dict(done), lambda: "Đã ghi lý do: xã được trao máy trước khi hết thời gian niêm yết.")
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    actor, found = _one(args)
    content = postings.posting_pdf(actor=actor, posting=found, village=args.village)
    Path(args.out).write_bytes(content)
    out(args, {"file": args.out, "bytes": len(content)}, lambda: f"Đã ghi {args.out} ({len(content):,} byte).")
    return 0


def register(sub: Any) -> None:
    verbs = sub.add_parser("posting", help="danh sách niêm yết công khai").add_subparsers(
        dest="posting_verb", required=True
    )
    p = with_json(add_command(verbs, "list", cmd_list, "danh sách niêm yết của các đợt đã duyệt"))
    p.add_argument("--programme", required=True)
    for name, func, help_ in (
        ("posted", cmd_posted, "ghi ngày xã đã niêm yết"),
        ("early-start", cmd_early, "cho trao máy trước khi hết niêm yết (quản lý, ghi lý do)"),
        ("pdf", cmd_pdf, "in danh sách niêm yết (mỗi thôn một trang)"),
    ):
        p = with_json(add_command(verbs, name, func, help_))
        p.add_argument("posting", type=int)
        p.add_argument("--programme", required=True)
        if name == "posted":
            p.add_argument("--on", required=True, help="ngày niêm yết (YYYY-MM-DD)")
        elif name == "early-start":
            p.add_argument("--reason", required=True)
        else:
            p.add_argument("--village", help="chỉ một thôn/bản")
            p.add_argument("--out", required=True, help="tệp PDF")
