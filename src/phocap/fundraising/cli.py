"""`phocap fundraising …`: pledges, QR codes, statements, cash gifts, receipts, the summary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from phocap.core.cli import actor_of, add_amount, add_command, amount_of, out, read_file, with_json
from phocap.core.models import BackgroundJob
from phocap.core.money import format_vnd
from phocap.core.text import read_date, read_day
from phocap.fundraising import cli_receipts, cli_review, selectors, services, statements, vietqr
from phocap.fundraising.services import cash
from phocap.programmes import selectors as programmes


def _programme(args: argparse.Namespace, actor: Any) -> Any:
    return programmes.programme_get(actor=actor, code=args.programme)


def cmd_pledge_add(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args, actor)
    earmark = programmes.commune_get(actor=actor, programme=programme, code=args.commune) if args.commune else None
    pledge = services.pledge_create(
        actor=actor,
        programme=programme,
        donor=services.DonorInput(
            kind=args.donor_kind, name=args.donor_name, tax_code=args.tax_code or "", same_as=args.same_donor
        ),
        amount=amount_of(args, "amount"),
        phones=args.phones,
        earmark=earmark,
        due_date=read_date(args.due),
    )
    data = {
        "pledge_id": pledge.pk,
        "reference": pledge.reference,
        "amount": pledge.amount if pledge.amount is not None else None,
        "phones": pledge.phones,
    }
    out(args, data, lambda: f"Cam kết {pledge.reference} của {pledge.donor.name}.")
    return 0


def cmd_pledges(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    rows = selectors.pledge_rows(actor=actor, programme=_programme(args, actor))
    data: list[dict[str, Any]] = [
        {
            "pledge_id": r.pledge.pk,
            "reference": r.pledge.reference,
            "donor_name": r.pledge.donor.name,
            "amount": r.pledge.amount,
            "phones": r.pledge.phones,
            "received": r.received,
            "status": r.status,
        }
        for r in rows
    ]
    out(
        args,
        data,
        lambda: (
            "\n".join(
                f"{d['reference']}  {d['donor_name'][:40]:<40} {d['amount'] or 0:>14,} {d['received']:>14,}"
                f"  {d['status']}"
                for d in data
            )
            or "(chưa có cam kết)"
        ),
    )
    return 0


def cmd_pledge_cancel(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args, actor)
    pledge = services.pledge_cancel(
        actor=actor,
        pledge=selectors.pledge_get(actor=actor, programme=programme, reference=args.reference),
        reason=args.reason,
    )
    out(
        args,
        {"pledge_id": pledge.pk, "reference": pledge.reference, "status": "cancelled"},
        lambda: f"Đã hủy cam kết {pledge.reference}.",
    )
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    code = selectors.qr_for(actor=actor, reference=args.reference)
    if args.png:
        Path(args.png).write_bytes(vietqr.png(code.payload))
    if args.svg:
        Path(args.svg).write_text(vietqr.svg(code.payload), encoding="utf-8")
    data = {
        "reference": code.reference,
        "payload": code.payload,
        "amount": code.amount,
        "purpose": code.purpose,
    }
    out(args, data, lambda: code.payload)
    return 0


def cmd_import_statement(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    data, name = read_file(args.file)
    done = statements.statement_submit(actor=actor, programme=_programme(args, actor), data=data, filename=name)
    if isinstance(done, BackgroundJob):  # a large file: imported by the worker, like on the web and the API
        job = {"job_id": done.pk, "status": done.status, "label": done.label}
        out(args, job, lambda: f"{name}: tệp lớn, đang nhập trong nền (tác vụ số {done.pk}; xem trang Tác vụ).")
        return 0
    result = done
    keys = ("lines", "credits", "matched", "unmatched", "already_imported", "donations_created")
    report: dict[str, Any] = {k: getattr(result, k) for k in keys}
    if result.errors:
        report["errors"] = result.errors
    out(
        args,
        report,
        lambda: (
            f"{name} ({result.profile}): {result.lines} dòng, {result.credits} ghi có, {result.matched} khớp mã, "
            f"{result.unmatched} chờ xem xét, {result.already_imported} đã nhập trước, "
            f"{result.donations_created} khoản ủng hộ mới."
            + "".join(f"\n  dòng {e['row']}: {e['message']}" for e in result.errors)
        ),
    )
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args, actor)
    selectors.require_view(actor, programme)
    data = selectors.summary(programme)
    out(
        args,
        data,
        lambda: (
            f"Đã nhận {format_vnd(data['received'])} / mục tiêu {format_vnd(data['target'])} "
            f"({data['percent_of_target']} %), {data['donations']} khoản, "
            f"tương đương {data['phone_equivalents']} máy."
        ),
    )
    return 0


def cmd_cash_add(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args, actor)
    point = programmes.collection_point_get(actor=actor, programme=programme, key=args.point)
    donor = (
        services.DonorInput(
            kind=args.donor_kind,
            name=args.donor_name,
            tax_code=args.tax_code or "",
            publish_name=args.publish_name or None,
            same_as=args.same_donor,
        )
        if args.donor_name
        else None
    )
    donation = services.donation_record(
        actor=actor,
        programme=programme,
        channel="cash",
        amount=amount_of(args, "amount") or 0,  # required: argparse gives one
        received_on=read_day(args.date),
        donor=donor,
        collection_point=point,
        cash_receipt_number=args.receipt_number,
        override_reason=args.override_reason or "",
    )
    out(
        args,
        {"donation_id": donation.pk, "amount": donation.amount},
        lambda: f"Đã ghi nhận khoản ủng hộ số {donation.pk}.",
    )
    return 0


def cmd_cash_deposit(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args, actor)
    point = programmes.collection_point_get(actor=actor, programme=programme, key=args.point)
    deposit = cash.cash_deposit(
        actor=actor,
        programme=programme,
        point=point,
        amount=amount_of(args, "amount") or 0,
        deposited_on=read_day(args.date, field="date"),
        reference=args.reference or "",
    )
    left = selectors.cash_held(programme, point)
    out(
        args,
        {"deposit": deposit.pk, "point_balance": left},
        lambda: (
            f"Giấy nộp tiền #{deposit.pk}: {format_vnd(deposit.amount)} từ {point}; điểm cầu còn {format_vnd(left)}."
        ),
    )
    return 0


def cmd_cash_points(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    rows = selectors.cash_points(actor=actor, programme=_programme(args, actor))
    out(
        args,
        {"points": rows},
        lambda: "\n".join(
            f"{r['key']:<12} {r['name'][:30]:<30} nhận {format_vnd(r['received']):>16}"
            f"  nộp {format_vnd(r['deposited']):>16}  giữ {format_vnd(r['held']):>16}"
            for r in rows
        ),
    )
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("fundraising", help="vận động, quyên góp").add_subparsers(dest="verb", required=True)

    p = with_json(add_command(group, "pledge-add", cmd_pledge_add, "ghi một cam kết ủng hộ"))
    p.add_argument("--programme", required=True)
    p.add_argument("--donor-kind", required=True, help="enterprise | agency | organisation | individual")
    p.add_argument("--donor-name", required=True)
    p.add_argument("--tax-code")
    p.add_argument("--same-donor", type=int, help="mã nhà tài trợ đã có mà bạn muốn ghi (khi được hỏi)")
    which = p.add_mutually_exclusive_group(required=True)
    add_amount(p, "--amount", to=which, help_="số tiền")
    which.add_argument("--phones", type=int, help="số máy")
    p.add_argument("--commune", help="dành cho xã (mã xã)")
    p.add_argument("--due", help="hạn, YYYY-MM-DD")

    p = with_json(add_command(group, "pledge-cancel", cmd_pledge_cancel, "hủy một cam kết (ghi lý do)"))
    p.add_argument("reference")
    p.add_argument("--programme", required=True)
    p.add_argument("--reason", required=True)

    p = with_json(add_command(group, "pledges", cmd_pledges, "liệt kê cam kết"))
    p.add_argument("--programme", required=True)

    p = with_json(add_command(group, "qr", cmd_qr, "mã VietQR của một cam kết (hoặc mã chung)"))
    p.add_argument("reference")
    p.add_argument("--png", help="ghi ảnh PNG vào tệp này")
    p.add_argument("--svg", help="ghi ảnh SVG vào tệp này")

    p = with_json(add_command(group, "import-statement", cmd_import_statement, "nhập sao kê ngân hàng (XLSX/CSV)"))
    p.add_argument("file")
    p.add_argument("--programme", required=True)

    p = with_json(add_command(group, "summary", cmd_summary, "tổng hợp đã nhận"))
    p.add_argument("--programme", required=True)

    p = with_json(add_command(group, "cash-add", cmd_cash_add, "ghi một khoản tiền mặt tại điểm cầu"))
    p.add_argument("--programme", required=True)
    p.add_argument("--point", required=True, help="mã điểm cầu, ví dụ tinh")
    add_amount(p, "--amount", required=True, help_="số tiền")
    p.add_argument("--date", required=True, help="YYYY-MM-DD")
    p.add_argument("--receipt-number", required=True, help="số phiếu thu")
    p.add_argument("--donor-kind", default="individual")
    p.add_argument("--donor-name", help="bỏ trống nếu là nhà hảo tâm không nêu tên")
    p.add_argument("--tax-code")
    p.add_argument("--same-donor", type=int, help="mã nhà tài trợ đã có mà bạn muốn ghi (khi được hỏi)")
    p.add_argument("--publish-name", action="store_true", help="người ủng hộ đồng ý công khai tên")
    p.add_argument("--override-reason", help="lý do nhận ngoài thời gian vận động (quản lý chương trình)")

    p = with_json(
        add_command(group, "cash-deposit", cmd_cash_deposit, "ghi giấy nộp tiền mặt từ điểm cầu về ngân hàng")
    )
    p.add_argument("--programme", required=True)
    p.add_argument("--point", required=True, help="mã điểm cầu, ví dụ ba-be")
    add_amount(p, "--amount", required=True, help_="số tiền nộp")
    p.add_argument("--date", required=True, help="ngày nộp, YYYY-MM-DD")
    p.add_argument("--reference", help="số giấy nộp tiền")
    p = with_json(add_command(group, "cash-points", cmd_cash_points, "tiền mặt của từng điểm cầu: nhận, nộp, đang giữ"))
    p.add_argument("--programme", required=True)
    cli_receipts.register(group)
    cli_review.register(group)
    cli_review.register_books(group)
