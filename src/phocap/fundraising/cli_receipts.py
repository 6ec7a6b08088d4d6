"""`phocap fundraising receipt`: certificates of donation issued on purpose — one gift's, or every gift of a
period without one (`--all --from --to`) — written as one PDF and, with `--email`, sent to the donors who gave
an address (`fundraising.services.receipts`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.core.errors import ValidationFailed
from phocap.core.text import read_date
from phocap.fundraising import selectors, services
from phocap.fundraising.models import Receipt
from phocap.programmes import selectors as programmes


def _issued(args: argparse.Namespace, actor: Any, programme: Any) -> list[Receipt]:
    if args.all:
        if args.donation_id is not None:
            raise ValidationFailed("Dùng số khoản ủng hộ hoặc --all, không dùng cả hai.", field="all")
        start, end = read_date(args.date_from), read_date(args.date_to)
        return services.receipts_issue_period(actor=actor, programme=programme, start=start, end=end)
    if args.donation_id is None:
        raise ValidationFailed("Cho số khoản ủng hộ, hoặc --all --from D --to D cho cả một kỳ.", field="donation_id")
    donation = selectors.donation_get(actor=actor, programme=programme, donation_id=args.donation_id)
    return [services.receipt_issue(actor=actor, donation=donation)]


def cmd_receipt(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    issued = _issued(args, actor, programme)
    target: Path | None = None
    if issued:
        target = Path(
            args.out or (issued[0].file_name if len(issued) == 1 else f"giay-chung-nhan-{programme.code}.pdf")
        )
        data, _pages = services.receipts_pdf(actor=actor, programme=programme, receipts=issued)
        target.write_bytes(data)
    sent = None
    if args.email and issued:
        sent = services.receipts_email(actor=actor, programme=programme, receipts=issued, again=args.again)
    result: dict[str, Any] = {
        "issued": len(issued),
        "numbers": [r.label for r in issued],
        "file": str(target) if target else None,
        "emailed": len(sent.sent) if sent else 0,
        "without_address": sent.without_address if sent else 0,
        "failed": sent.failed if sent else 0,
    }
    if not args.all:
        result |= {"number": issued[0].number, "label": issued[0].label}

    def text() -> str:
        if not issued:
            return "Không có khoản nào trong kỳ này chưa có giấy chứng nhận."
        said = f"Giấy chứng nhận số {issued[0].label}"
        if len(issued) > 1:
            said = f"{len(issued)} giấy chứng nhận, số {issued[0].label} đến {issued[-1].label}"
        if sent:
            said += f"; đã gửi thư {len(sent.sent)}, không có địa chỉ {sent.without_address}, gửi lỗi {sent.failed}"
        return f"{said}: {target}"

    out(args, result, text)
    return 2 if sent and sent.failed else 0


def register(group: Any) -> None:
    p = with_json(add_command(group, "receipt", cmd_receipt, "cấp giấy chứng nhận ủng hộ (một khoản hoặc cả kỳ), PDF"))
    p.add_argument("donation_id", type=int, nargs="?", help="số khoản ủng hộ (bỏ trống khi dùng --all)")
    p.add_argument("--programme", required=True)
    p.add_argument("--all", action="store_true", help="mọi khoản trong kỳ chưa có giấy chứng nhận")
    p.add_argument("--from", dest="date_from", help="từ ngày nhận, YYYY-MM-DD (mặc định: đầu đợt vận động)")
    p.add_argument("--to", dest="date_to", help="đến ngày nhận, YYYY-MM-DD (mặc định: hôm nay)")
    p.add_argument("--email", action="store_true", help="gửi từng giấy cho nhà tài trợ có địa chỉ thư điện tử")
    p.add_argument("--again", action="store_true", help="với --email: gửi cả giấy đã gửi trước đây")
    p.add_argument("--out", help="tệp PDF (một tệp cho cả kỳ)")
