"""`phocap registry …` (issue #4): import, export, duplicates, key rotation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from phocap.accounts.services import field_keys_rotate
from phocap.core.cli import actor_of, add_command, out, read_file, with_json
from phocap.core.errors import ValidationFailed
from phocap.core.models import BackgroundJob
from phocap.core.text import read_day
from phocap.programmes import selectors as programmes
from phocap.registry import dedup
from phocap.registry.consents import consent_bulk, consent_withdraw_bulk
from phocap.registry.dedup import dedup_run
from phocap.registry.exports import export_residents
from phocap.registry.importing.kept import import_submit
from phocap.registry.search import ResidentFilter


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


def _filters(args: argparse.Namespace) -> ResidentFilter:
    params = {f: getattr(args, f, None) for f in ResidentFilter.FIELDS}
    return ResidentFilter.of({k: v for k, v in params.items() if v not in (None, "")})


def cmd_consent(args: argparse.Namespace) -> int:
    """Consent for many people at once: named by id, a whole import batch, or a commune (and village)."""
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    filters = None if args.resident else _filters(args)
    if filters is not None and filters.empty:
        raise ValidationFailed("Chọn người: --resident, --batch hoặc --commune [--village].", field="selection")
    ids = [int(i) for i in args.resident] if args.resident else None
    if args.withdraw:
        data = consent_withdraw_bulk(actor=actor, programme=programme, on=read_day(args.date), filters=filters, ids=ids)
        out(args, data, lambda: f"Đã rút lại {data['withdrawn']}; {data['none']} người chưa có; {_missing(data)}")
        return 0
    data = consent_bulk(
        actor=actor, programme=programme, given_on=read_day(args.date), method=args.method, filters=filters, ids=ids
    )
    out(
        args,
        data,
        lambda: (
            f"Đã ghi nhận {data['recorded']} người đồng ý; {data['already']} đã có từ trước; "
            f"{data['refused']} đã từ chối (giữ nguyên); {_missing(data)}"
        ),
    )
    return 0


def _missing(data: dict[str, Any]) -> str:
    found = data["not_found"]
    return "không thiếu ai." if not found else f"không tìm thấy (hoặc không được ghi): {' '.join(map(str, found))}."


def cmd_export(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    data = export_residents(actor=actor, programme=programme, fmt=args.format, filters=_filters(args))
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


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%".replace(".", ",")


def cmd_dedup_quality(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    quality = dedup.quality(actor=actor, programme=programme)
    data = quality.as_dict()

    def human() -> str:
        lines = [
            f"{'khả năng':<14}{'số cặp':>8}{'cùng người':>12}{'khác người':>12}{'chưa xem':>10}{'độ chính xác':>14}"
        ]
        lines += [
            f"{_pct(b['low'])}–{_pct(b['high']):<7}{b['found']:>8}{b['same']:>12}{b['different']:>12}"
            f"{b['undecided']:>10}{_pct(b['precision']):>14} (mô hình {_pct(b['model_precision'])})"
            for b in data["bands"]
        ]
        lines.append(f"Độ chính xác theo quyết định của xã, từ ngưỡng nghi trùng: {_pct(data['precision_possible'])}")
        lines.append(
            f"Mô hình ước tính tìm được {_pct(data['estimated_recall'])} số người trùng"
            + (f" (lần chạy {data['last_run'][:10]})." if data["last_run"] else " (chưa chạy lần nào).")
        )
        return "\n".join(lines)

    out(args, data, human)
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
    p = with_json(
        add_command(group, "consent", cmd_consent, "ghi nhận (hoặc rút lại) sự đồng ý của nhiều người một lần")
    )
    p.add_argument("--programme", required=True)
    p.add_argument("--resident", nargs="+", metavar="ID", help="mã người dân (một hoặc nhiều)")
    p.add_argument("--batch", type=int, help="cả một lần nhập danh sách")
    p.add_argument("--commune", help="mã xã")
    p.add_argument("--village", help="thôn/bản (cùng --commune)")
    p.add_argument("--date", required=True, help="ngày đồng ý (YYYY-MM-DD)")
    p.add_argument("--method", choices=["paper", "verbal", "digital"], default="paper")
    p.add_argument("--withdraw", action="store_true", help="rút lại sự đồng ý (vào --date)")
    p = add_command(group, "export", cmd_export, "xuất danh sách người dân (được ghi nhật ký)")
    p.add_argument("--programme", required=True)
    p.add_argument("--commune")
    p.add_argument("--village")
    p.add_argument("--q", help="tìm theo tên, số định danh hoặc số điện thoại")
    p.add_argument("--consent", choices=["given", "refused", "none", "withdrawn"])
    p.add_argument("--status", help="eligible, selected, holding, duplicate")
    p.add_argument("--batch", type=int)
    p.add_argument("--format", choices=["csv", "xlsx"], required=True)
    p.add_argument("-o", "--output", help="tệp ra (mặc định: stdout)")
    p = with_json(add_command(group, "dedup", cmd_dedup, "tìm người trùng (theo họ tên, ngày sinh, thôn, SĐT …)"))
    p.add_argument("--programme", required=True)
    p = with_json(
        add_command(group, "dedup-quality", cmd_dedup_quality, "chất lượng đối soát trùng: độ chính xác, ước tính")
    )
    p.add_argument("--programme", required=True)
    with_json(
        add_command(
            group,
            "rotate-keys",
            cmd_rotate_keys,
            "mã hóa lại số định danh và mã số thuế bằng khóa đứng đầu PHOCAP_FIELD_KEYS",
        )
    )
