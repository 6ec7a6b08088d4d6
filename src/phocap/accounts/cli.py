"""`phocap user add|grant|revoke|list|reset-2fa`, `phocap token create|revoke` and `phocap job show|retry`."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from typing import Any

from django.utils import timezone

from phocap.accounts import selectors, services, team
from phocap.accounts.models import Role
from phocap.core.cli import actor_of, add_command, out, read_file, with_json
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.text import read_day
from phocap.programmes import selectors as programmes


def cmd_token_create(args: argparse.Namespace) -> int:
    user = selectors.user_by_username(args.user)
    expires = read_day(args.expires, field="expires") if args.expires else None
    token, secret = services.api_token_create(actor=actor_of(args), user=user, name=args.name, expires_on=expires)
    until = timezone.localtime(token.expires_at) - dt.timedelta(days=1)
    data = {
        "prefix": token.prefix,
        "user": user.username,
        "name": token.name,
        "token": secret,
        "expires": until.date().isoformat(),
    }
    out(args, data, lambda: f"Khóa API (chỉ hiện một lần): {secret}\nDùng được đến hết ngày {until:%d/%m/%Y}.")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    token = services.api_token_revoke(actor=actor_of(args), prefix=args.prefix)
    out(
        args,
        {"prefix": token.prefix, "revoked_at": token.revoked_at},
        lambda: f"Đã thu hồi khóa {token.prefix}.",
    )
    return 0


def _membership_json(m: Any) -> dict[str, Any]:
    return {
        "role": m.role,
        "programme": m.programme.code if m.programme else None,
        "commune": m.commune.unit.code if m.commune else None,
        "organisation": m.organisation.key if m.organisation else None,
        "village": m.village or None,
    }


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        raise ValidationFailed("Hai lần nhập mật khẩu không khớp.")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    user = services.user_create(
        actor=actor_of(args),
        username=args.username,
        password=_read_password(args),
        full_name=args.name or "",
        email=args.email or "",
        phone=args.phone or "",
        superuser=args.admin,
    )
    out(
        args,
        {"username": user.username, "is_superuser": user.is_superuser},
        lambda: f"Đã tạo người dùng {user.username}.",
    )
    return 0


def _grant_target(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    target: dict[str, Any] = {"programme": None, "commune": None, "organisation": None}
    if args.programme:
        target["programme"] = programmes.programme_get(actor=actor, code=args.programme)
    if (args.commune or args.organisation) and target["programme"] is None:
        raise ValidationFailed(
            "Cần --programme để chọn xã/phường." if args.commune else "Cần --programme để chọn tổ chức."
        )
    if args.commune:
        target["commune"] = programmes.commune_get(actor=actor, programme=target["programme"], code=args.commune)
    if args.organisation:
        target["organisation"] = programmes.organisation_get(
            actor=actor, programme=target["programme"], key=args.organisation
        )
    return target


def cmd_user_grant(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    user = selectors.user_by_username(args.username)  # any account may be given a role; the service checks the right
    membership = services.membership_grant(
        actor=actor, user=user, role=args.role, village=args.village or "", **_grant_target(args, actor)
    )
    out(args, _membership_json(membership), lambda: f"Đã cấp vai trò {membership}.")
    return 0


def cmd_user_revoke(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    user = selectors.user_get(actor=actor, username=args.username)
    membership = selectors.membership_find(
        actor=actor,
        user=user,
        role=args.role,
        programme_code=args.programme or "",
        commune_code=args.commune or "",
        organisation_key=args.organisation or "",
    )
    data = _membership_json(membership)
    services.membership_revoke(actor=actor, membership=membership)
    out(args, data, lambda: f"Đã thu hồi vai trò {args.role} của {user.username}.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    users = list(selectors.user_list(actor=actor_of(args)).order_by("username"))
    data: list[dict[str, Any]] = [
        {
            "username": u.username,
            "full_name": u.full_name,
            "is_active": u.is_active,
            "roles": [_membership_json(m) for m in u.memberships.all()],
        }
        for u in users
    ]
    out(
        args,
        data,
        lambda: "\n".join(
            f"{d['username']:<14} {d['full_name']:<32} " + ", ".join(r["role"] for r in d["roles"]) for d in data
        ),
    )
    return 0


def cmd_user_reset_2fa(args: argparse.Namespace) -> int:
    removed = services.second_factor_reset(actor=actor_of(args), username=args.username)
    data = {"username": args.username, "devices_removed": removed}
    out(args, data, lambda: f"Đã đặt lại xác thực hai lớp của {args.username}; lần đăng nhập tới sẽ bật lại.")
    return 0


def _job_json(job: Any) -> dict[str, Any]:
    return {
        "job_id": job.pk,
        "kind": job.kind,
        "label": job.label,
        "status": job.status,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "message": job.message,
        "retry_of": job.retry_of_id,
    }


def cmd_job_show(args: argparse.Namespace) -> int:
    job = selectors.job_get(actor=actor_of(args), job_id=args.job_id)
    if job is None:
        raise NotFound("Không tìm thấy tác vụ.")
    data = _job_json(job)
    out(args, data, lambda: f"#{job.pk} {job.label}: {job.get_status_display()} {job.message}".rstrip())
    return 0


def cmd_job_retry(args: argparse.Namespace) -> int:
    job = services.job_retry(actor=actor_of(args), job_id=args.job_id)
    out(args, _job_json(job), lambda: f"Đã đưa vào hàng đợi lại: #{job.pk} {job.label}")
    return 0


def cmd_user_import(args: argparse.Namespace) -> int:
    """Accounts for a village team (or any role) from a small sheet: name, phone, village."""
    actor = actor_of(args)
    target = _grant_target(args, actor)
    if target["programme"] is None:
        raise ValidationFailed("Cần --programme.")
    content, name = read_file(args.file)
    made = team.team_import(
        actor=actor,
        programme=target["programme"],
        data=content,
        filename=name,
        role=args.role,
        commune=target["commune"],
        organisation=target["organisation"],
    )
    out(
        args,
        {"created": made},
        lambda: (
            f"Đã tạo {len(made)} tài khoản (mật khẩu tạm, chỉ hiện một lần):\n"
            + "\n".join(f"  {m['username']}\t{m['password']}\t{m['full_name']}\t{m['village']}" for m in made)
        ),
    )
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    """Lock (or, with --activate, unlock) an account of the programme: no sign-in, no API tokens."""
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    user = team.team_member(actor=actor, programme=programme, username=args.username)
    team.team_deactivate(actor=actor, programme=programme, user=user, active=args.activate)
    state = "mở lại" if args.activate else "khóa"
    out(args, {"username": user.username, "active": user.is_active}, lambda: f"Đã {state} tài khoản {user.username}.")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    """A temporary password for someone of the programme who forgot theirs (printed once)."""
    actor = actor_of(args)
    programme = programmes.programme_get(actor=actor, code=args.programme)
    user = team.team_member(actor=actor, programme=programme, username=args.username)
    password = team.team_password_reset(actor=actor, programme=programme, user=user)
    data = {"username": user.username, "password": password}
    out(args, data, lambda: f"Mật khẩu tạm của {user.username} (chỉ hiện một lần, đổi khi đăng nhập): {password}")
    return 0


def register(sub: Any) -> None:
    usr = sub.add_parser("user", help="người dùng và vai trò").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(usr, "add", cmd_user_add, "tạo người dùng (mật khẩu hỏi khi chạy hoặc từ stdin)"))
    p.add_argument("username")
    p.add_argument("--name", help="họ và tên")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--admin", action="store_true", help="quản trị hệ thống (superuser)")
    p.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    for verb, func, help_ in (
        ("grant", cmd_user_grant, "cấp vai trò"),
        ("revoke", cmd_user_revoke, "thu hồi vai trò"),
    ):
        p = with_json(add_command(usr, verb, func, help_))
        p.add_argument("username")
        p.add_argument("--role", required=True, choices=Role.values)
        p.add_argument("--programme", help="mã chương trình")
        p.add_argument("--commune", help="mã xã/phường (cán bộ xã, tổ công nghệ số)")
        p.add_argument("--organisation", help="mã tổ chức (sở, ngành; doanh nghiệp)")
        if verb == "grant":
            p.add_argument("--village", help="thôn/bản (tổ công nghệ số)")
    with_json(add_command(usr, "list", cmd_user_list, "liệt kê người dùng"))
    p = with_json(add_command(usr, "import", cmd_user_import, "tạo tài khoản từ tệp (Họ và tên, SĐT, Thôn/bản)"))
    p.add_argument("file")
    p.add_argument("--programme", required=True)
    p.add_argument("--role", required=True, choices=[r for r in Role.values if r != Role.SYSTEM_ADMIN])
    p.add_argument("--commune", help="mã xã/phường (cán bộ xã, tổ công nghệ số)")
    p.add_argument("--organisation", help="mã tổ chức (sở, ngành; doanh nghiệp)")
    for verb, func, help_ in (
        ("deactivate", cmd_user_deactivate, "khóa tài khoản (--activate: mở lại)"),
        ("reset-password", cmd_user_reset_password, "đặt mật khẩu tạm (quên mật khẩu)"),
    ):
        p = with_json(add_command(usr, verb, func, help_))
        p.add_argument("username")
        p.add_argument("--programme", required=True, help="mã chương trình")
        if verb == "deactivate":
            p.add_argument("--activate", action="store_true", help="mở lại tài khoản đã khóa")
    p = with_json(add_command(usr, "reset-2fa", cmd_user_reset_2fa, "đặt lại xác thực hai lớp (mất điện thoại)"))
    p.add_argument("username")

    tok = sub.add_parser("token", help="khóa API cho đối tác").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(tok, "create", cmd_token_create, "tạo khóa API"))
    p.add_argument("--user", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--expires", help="dùng được đến hết ngày YYYY-MM-DD (mặc định: một năm)")
    p = with_json(add_command(tok, "revoke", cmd_token_revoke, "thu hồi khóa API"))
    p.add_argument("prefix")

    job = sub.add_parser("job", help="tác vụ nền").add_subparsers(dest="verb", required=True)
    for verb, func, help_ in (
        ("show", cmd_job_show, "xem một tác vụ"),
        ("retry", cmd_job_retry, "chạy lại tác vụ lỗi"),
    ):
        p = with_json(add_command(job, verb, func, help_))
        p.add_argument("job_id", type=int)
