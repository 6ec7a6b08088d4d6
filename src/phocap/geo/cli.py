"""`phocap geo load`: administrative units from `vietnam-provinces`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.geo.services import geo_load


def cmd_geo_load(args: argparse.Namespace) -> int:
    def progress(done: int, total: int, message: str) -> None:
        if not args.json:
            sys.stderr.write(f"  {done}/{total} {message}\n")

    summaries = geo_load(
        actor=actor_of(args), province=args.province, legacy=args.legacy, load_all=args.all, progress=progress
    )
    data = [s.as_dict() for s in summaries]
    out(
        args,
        data,
        lambda: "\n".join(
            f"{s.era}: {s.provinces} tỉnh, {s.districts} huyện, {s.communes} xã "
            f"(mới {s.created}, cập nhật {s.updated}, sắp xếp mới {s.successions_created})"
            for s in summaries
        ),
    )
    return 0


def register(sub: Any) -> None:
    geo = sub.add_parser("geo", help="đơn vị hành chính").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(geo, "load", cmd_geo_load, "tải danh mục đơn vị hành chính từ vietnam-provinces"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--province", help="mã tỉnh, ví dụ 06 (Bắc Kạn, với --legacy) hoặc 19")
    which.add_argument("--all", action="store_true", help="toàn quốc, cả trước và sau 1/7/2025, kèm bảng sắp xếp")
    p.add_argument("--legacy", action="store_true", help="danh mục trước 1/7/2025 (3 cấp)")
