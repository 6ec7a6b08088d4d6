"""`phocap fundraising review list|match|gift|skip`: the review queue at the console, the same rows and the same
service as the web page and the API (`fundraising.review`); `cash-deposit-cancel`, the undo of a slip; and `books`,
what the accountant takes (`fundraising.books`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.core.errors import DomainError, ValidationFailed
from phocap.core.money import format_vnd
from phocap.core.text import read_date
from phocap.fundraising import books, review, selectors
from phocap.fundraising.models import StatementLine
from phocap.fundraising.services import cash
from phocap.programmes import selectors as programmes


def _where(args: argparse.Namespace) -> tuple[Any, Any]:
    actor = actor_of(args)
    return actor, programmes.programme_get(actor=actor, code=args.programme)


def _line(actor: Any, programme: Any, line_id: int) -> StatementLine:
    return selectors.statement_line_get(actor=actor, programme=programme, line_id=line_id)


def _settled(args: argparse.Namespace, line: StatementLine) -> int:
    donation = getattr(line, "donation", None)
    data = {"line": line.pk, "status": line.status, "donation": donation.pk if donation else None}
    out(args, data, lambda: f"Dòng #{line.pk} ({line.booked_on:%d/%m/%Y}, {format_vnd(line.amount)}): {line.status}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    actor, programme = _where(args)
    rows = review.review_rows(actor=actor, programme=programme, limit=args.limit)

    def human() -> str:
        if not rows:
            return "Không có dòng nào chờ xử lý."
        text = []
        for r in rows:
            hint = {"code": "mã", "near_code": f"mã gần đúng {r.typed_code}→", "guess": "đoán"}.get(r.proposal, "")
            said = f" [{hint}{r.pledge_reference}]" if r.proposal else ""
            slip = f" [giấy nộp #{r.deposit.pk}]" if r.deposit else ""
            payer = f" [người chuyển: {r.payer_name}]" if r.payer_name else ""
            text.append(f"#{r.line.pk} {r.line.booked_on:%d/%m/%Y} {format_vnd(r.line.amount):>16} {r.description}")
            text.append(f"    {said}{slip}{payer}".rstrip())
        return "\n".join(text)

    out(args, {"lines": [r.as_dict() for r in rows]}, human)
    return 0


def _match_one(args: argparse.Namespace, actor: Any, programme: Any, line: StatementLine) -> StatementLine:
    if args.pledge:
        return review.statement_line_resolve(
            actor=actor,
            line=line,
            action="pledge",
            pledge=selectors.pledge_get(actor=actor, programme=programme, reference=args.pledge),
            override_reason=args.override_reason or "",
        )
    return review.statement_line_resolve(
        actor=actor,
        line=line,
        action="deposit",
        deposit=selectors.cash_deposit_get(actor=actor, programme=programme, deposit_id=args.deposit)
        if args.deposit
        else None,
        collection_point=programmes.collection_point_get(actor=actor, programme=programme, key=args.point)
        if args.point
        else None,
    )


def _accept_proposals(args: argparse.Namespace, actor: Any, programme: Any) -> int:
    """Every line whose code was found (or nearly) gets its pledge, every line with one open slip of its amount
    that slip — each line in its own transaction; what is refused stays in the queue, with the reason."""
    settled, refused = [], []
    for row in review.review_rows(actor=actor, programme=programme, limit=100_000):
        if row.proposal in ("code", "near_code"):
            pledge, deposit = row.line.proposed_pledge, None
        elif row.deposit is not None and not row.proposal:
            pledge, deposit = None, row.deposit
        else:
            continue
        try:
            review.statement_line_resolve(
                actor=actor,
                line=row.line,
                action="pledge" if pledge else "deposit",
                pledge=pledge,
                deposit=deposit,
                override_reason=args.override_reason or "",
            )
        except DomainError as exc:
            refused.append({"line": row.line.pk, "error": exc.message})
        else:
            settled.append(row.line.pk)
    out(
        args,
        {"settled": settled, "refused": refused},
        lambda: (
            f"Đã xử lý {len(settled)} dòng theo đề xuất; {len(refused)} dòng không xử lý được:\n"
            + "\n".join(f"  #{r['line']}: {r['error']}" for r in refused)
        ),
    )
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    actor, programme = _where(args)
    if args.proposed:
        if args.line or args.pledge or args.deposit or args.point:
            raise ValidationFailed("--proposed xử lý mọi dòng có đề xuất: không ghi thêm dòng, cam kết hay giấy nộp.")
        return _accept_proposals(args, actor, programme)
    if not args.line or not (args.pledge or args.deposit or args.point):
        raise ValidationFailed("Ghi số dòng và --pledge MÃ (cam kết) hoặc --deposit SỐ/--point MÃ (tiền mặt nộp về).")
    return _settled(args, _match_one(args, actor, programme, _line(actor, programme, args.line)))


def cmd_gift(args: argparse.Namespace) -> int:
    actor, programme = _where(args)
    line = _line(actor, programme, args.line)
    name, kind = args.donor_name or "", args.donor_kind or ""
    if args.payer:
        name, proposed_kind = review.payer_name(line.description)
        kind = kind or proposed_kind
        if not name:
            raise ValidationFailed("Nội dung chuyển khoản không ghi tên người chuyển: ghi --donor-name.")
    donor = review.gift_donor(
        actor, programme, donor_id=args.donor, donor_name=name, donor_kind=kind, same_as=args.same_donor
    )
    done = review.statement_line_resolve(
        actor=actor, line=line, action="gift", donor=donor, override_reason=args.override_reason or ""
    )
    return _settled(args, done)


def cmd_skip(args: argparse.Namespace) -> int:
    actor, programme = _where(args)
    done = review.statement_line_resolve(
        actor=actor, line=_line(actor, programme, args.line), action="ignore", note=args.note
    )
    return _settled(args, done)


def cmd_deposit_cancel(args: argparse.Namespace) -> int:
    actor, programme = _where(args)
    deposit = selectors.cash_deposit_get(actor=actor, programme=programme, deposit_id=args.deposit)
    cash.cash_deposit_cancel(actor=actor, deposit=deposit, reason=args.reason)
    left = selectors.cash_held(programme, deposit.collection_point)
    out(
        args,
        {"deposit": deposit.pk, "point_balance": left},
        lambda: f"Đã hủy giấy nộp tiền #{deposit.pk}; {deposit.collection_point} giữ {format_vnd(left)}.",
    )
    return 0


def register(group: Any) -> None:
    verbs = group.add_parser("review", help="dòng sao kê chờ xử lý").add_subparsers(dest="review_verb", required=True)

    p = with_json(add_command(verbs, "list", cmd_list, "các dòng chờ xử lý và đề xuất"))
    p.add_argument("--programme", required=True)
    p.add_argument("--limit", type=int, default=500)

    p = with_json(add_command(verbs, "match", cmd_match, "ghi dòng cho cam kết, hoặc là tiền mặt nộp về"))
    p.add_argument("line", type=int, nargs="?", help="số dòng (review list)")
    p.add_argument("--programme", required=True)
    p.add_argument("--pledge", help="mã cam kết")
    p.add_argument("--deposit", type=int, help="số giấy nộp tiền")
    p.add_argument("--point", help="mã điểm cầu (tìm giấy nộp duy nhất cùng số tiền)")
    p.add_argument("--proposed", action="store_true", help="mọi dòng có mã (hoặc mã gần đúng) hay giấy nộp đề xuất")
    p.add_argument("--override-reason", help="lý do nhận ngoài thời gian vận động (quản lý chương trình)")

    p = with_json(add_command(verbs, "gift", cmd_gift, "ghi dòng là khoản ủng hộ không cam kết"))
    p.add_argument("line", type=int)
    p.add_argument("--programme", required=True)
    who = p.add_mutually_exclusive_group()
    who.add_argument("--payer", action="store_true", help="người chuyển đọc từ nội dung chuyển khoản")
    who.add_argument("--donor-name", help="tên người ủng hộ")
    who.add_argument("--donor", type=int, help="mã nhà tài trợ đã có")
    p.add_argument("--donor-kind", choices=["individual", "enterprise", "organisation", "agency"])
    p.add_argument("--same-donor", type=int, help="mã nhà tài trợ đã có mà bạn muốn ghi (khi được hỏi), -1: mới")
    p.add_argument("--override-reason", help="lý do nhận ngoài thời gian vận động (quản lý chương trình)")

    p = with_json(add_command(verbs, "skip", cmd_skip, "bỏ qua dòng (không phải của đợt vận động), ghi lý do"))
    p.add_argument("line", type=int)
    p.add_argument("--programme", required=True)
    p.add_argument("--note", required=True, help="lý do")

    p = with_json(add_command(group, "cash-deposit-cancel", cmd_deposit_cancel, "hủy giấy nộp tiền ghi nhầm"))
    p.add_argument("--programme", required=True)
    p.add_argument("--deposit", type=int, required=True)
    p.add_argument("--reason", required=True)


def cmd_books(args: argparse.Namespace) -> int:
    """The journal and the trial balance (and the bank reconciliation, the balances at the campaign's end): one
    XLSX at `--out`, or with `--format csv` the journal at `--out` and the other tables beside it."""
    actor, programme = _where(args)
    done = books.books_export(
        actor=actor, programme=programme, start=read_date(args.date_from), end=read_date(args.date_to), fmt=args.format
    )
    target = Path(args.out)
    written = []
    for index, (name, data) in enumerate(done.files.items()):
        path = target if index == 0 else target.with_name(f"{target.stem}-{name}")
        path.write_bytes(data)
        written.append(str(path))
    rec = done.reconciliation.as_dict()

    def human() -> str:
        state = "khớp" if rec["reconciled"] else f"chênh lệch {rec['difference']}"
        return f"Sổ nhật ký chung: {done.journal_rows} dòng. Đối chiếu ngân hàng: {state}.\n" + "\n".join(written)

    out(args, {"files": written, "journal_rows": done.journal_rows, "reconciliation": rec}, human)
    return 0


def register_books(group: Any) -> None:
    p = with_json(add_command(group, "books", cmd_books, "sổ nhật ký chung, bảng cân đối, đối chiếu ngân hàng"))
    p.add_argument("--programme", required=True)
    p.add_argument("--from", dest="date_from", help="từ ngày, YYYY-MM-DD (mặc định: đầu đợt vận động)")
    p.add_argument("--to", dest="date_to", help="đến ngày, YYYY-MM-DD (mặc định: hôm nay)")
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument("--out", required=True, help="tệp ghi ra")
