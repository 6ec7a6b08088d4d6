"""`phocap registry …` (issue #4): import, export, duplicates, key rotation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from phocap.accounts.services import field_keys_rotate
from phocap.core.cli import actor_of, add_command, out, read_file, with_json
from phocap.core.models import BackgroundJob
from phocap.programmes import selectors as programmes
from phocap.registry.dedup import dedup_run
from phocap.registry.exports import export_residents
from phocap.registry.importing.kept import import_submit


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    rotated = field_keys_rotate(actor=actor_of(args))
    counts = {"residents": rotated.get("registry.resident", 0), "donors": rotated.get("fundraising.donor", 0)}
    out(
        args,
        counts,
        lambda: f"Đã mã hóa lại bằng khóa mới: {counts['residents']} số định danh, {counts['donors']} mã số thuế.",
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    content, name = read_file(args.file)
    report = import_submit(
        actor=actor,
        programme=programme,
        data=content,
        filename=name,
        commune_code=args.commune,
        smartphone_status=args.smartphone_status,
        dry_run=args.dry_run,
        mapping=dict(m.split("=", 1) for m in args.map if "=" in m),
    )
    if isinstance(report, BackgroundJob):  # a large list: written by the worker, like on the web and the API
        job = {"job_id": report.pk, "status": report.status, "label": report.label}
        out(args, job, lambda: f"{name}: tệp lớn, đang ghi trong nền (tác vụ số {report.pk}; `phocap job show`).")
        return 0
    data = report.as_dict()
    out(
        args,
        data,
        lambda: (
            ("(thử, chưa ghi) " if args.dry_run else "")
            + f"{data['rows']} dòng: {data['created']} mới, {data['updated']} cập nhật, {data['duplicates']} trùng, "
            f"{data['rejected']} bị loại, {data['warnings']} có cảnh báo."
            + "".join(f"\n  dòng {e['row']} [{e['column']}]: {e['message']}" for e in data["errors"])
        ),
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    data = export_residents(actor=actor, programme=programme, commune_code=args.commune or "", fmt=args.format)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_dedup(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    result = dedup_run(actor=actor, programme=programme)
    data = result.as_dict()
    counts = {s: sum(1 for p in data["pairs"] if p["status"] == s) for s in ("duplicate", "possible")}
    out(
        args,
        data,
        lambda: (
            f"{data['residents']} người: {counts['duplicate']} cặp trùng, {counts['possible']} cặp nghi trùng "
            "(chờ xã xem xét)."
        ),
    )
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("registry", help="danh sách người dân").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(group, "import", cmd_import, "nhập danh sách người dân từ tệp Excel/CSV của xã"))
    p.add_argument("file")
    p.add_argument("--programme", required=True)
    p.add_argument("--commune", help="mã xã, cho tệp không có cột xã")
    p.add_argument(
        "--smartphone-status",
        choices=["lacks", "has", "unknown"],
        help="tình trạng điện thoại thông minh, cho tệp không có cột này",
    )
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="TIÊU_ĐỀ=TRƯỜNG",
        help='nghĩa của một cột phần mềm chưa biết, ví dụ --map "Tên người dân=name" (name, birth, sex, id, …)',
    )
    p = add_command(group, "export", cmd_export, "xuất danh sách người dân (có số định danh đầy đủ; được ghi nhật ký)")
    p.add_argument("--programme", required=True)
    p.add_argument("--commune")
    p.add_argument("--format", choices=["csv", "xlsx"], required=True)
    p.add_argument("-o", "--output", help="tệp ra (mặc định: stdout)")
    p = with_json(add_command(group, "dedup", cmd_dedup, "tìm người trùng (theo họ tên, ngày sinh, thôn, SĐT …)"))
    p.add_argument("--programme", required=True)
    with_json(
        add_command(
            group,
            "rotate-keys",
            cmd_rotate_keys,
            "mã hóa lại số định danh và mã số thuế bằng khóa đứng đầu PHOCAP_FIELD_KEYS",
        )
    )
