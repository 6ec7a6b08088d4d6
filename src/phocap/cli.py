"""The `phocap` command: `phocap <group> <verb>`. Thin: parse, call one service or selector, print.

`--json` prints one JSON document on stdout; errors print one line on stderr and exit non-zero.
`--as USERNAME` acts as that user (their scope and rights); without it the console operator acts as the
system (`SYSTEM`), like `manage.py`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from phocap.cliutil import actor_of, add_command, out, with_json

EXIT_ERROR = 2
ROLES_HELP = (
    "system_admin | programme_manager | fundraising_officer | department_officer | commune_officer | "
    "enterprise_partner | digital_team_member | auditor"
)
DEMO_DB = "demo.sqlite3"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django

    django.setup()


# --- commands ---------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from phocap.accounts.demo import DEMO_PASSWORD, demo_users_create
    from phocap.programmes.services import programme_init

    call_command("migrate", interactive=False, verbosity=0)
    actor = actor_of(args)
    programme = programme_init(actor=actor, name_or_path=args.programme)
    users = demo_users_create(actor=actor, programme=programme) if args.demo else []
    if args.demo and programme.code == "bac-kan-2023":
        from phocap.fundraising.demo import demo_fundraising_create

        demo_fundraising_create(actor=actor, programme=programme)
        from phocap.registry.demo import demo_residents_create

        if demo_residents_create(actor=actor, programme=programme):
            from phocap.registry.dedup import dedup_run

            dedup_run(actor=actor, programme=programme)  # the planted duplicates wait in the review queue
        from phocap.handover.demo import demo_distribution_create

        demo_distribution_create(actor=actor, programme=programme)
        from phocap.onboarding.demo import demo_onboarding_create

        demo_onboarding_create(actor=actor, programme=programme)
    data = {
        "programme": programme.code,
        "communes": programme.communes.count(),
        "demo_users": [{"username": u.username, "role": u.role, "password": DEMO_PASSWORD} for u in users],
    }
    out(
        args,
        data,
        lambda: (
            f"Đã khởi tạo chương trình {programme.code} ({data['communes']} xã/phường)."
            + (_demo_logins(users) if users else "")
        ),
    )
    return 0


def _demo_logins(users: Sequence[Any]) -> str:
    from phocap.accounts.demo import DEMO_PASSWORD
    from phocap.accounts.models import Role

    lines = ["", f"Tài khoản demo (mật khẩu chung: {DEMO_PASSWORD}):"]
    lines += [f"  {u.username:<12} {Role(u.role).label}" for u in users]
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> int:
    init_args = argparse.Namespace(programme="bac-kan-2023", demo=True, json=False, as_user=None)
    status = cmd_init(init_args)
    if status or args.no_serve:
        return status
    host, port = "127.0.0.1", str(args.port)
    sys.stdout.write(f"\nphocap demo: http://{host}:{port}/  (Ctrl+C để dừng)\n")
    sys.stdout.flush()
    worker = subprocess.Popen([sys.executable, "-m", "phocap.cli", "worker"])
    try:
        return _gunicorn(f"{host}:{port}", workers=2)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def _gunicorn(bind: str, workers: int) -> int:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "phocap.config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        "127.0.0.1",
    ]
    proc = subprocess.Popen(cmd)  # noqa: S603
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGTERM)
        return proc.wait()


def cmd_serve(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return _gunicorn(args.bind, workers=args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from phocap.core.context import channel

    with channel("task"):
        call_command("db_worker", *(["--batch"] if args.batch else []))
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["phocap manage", *args.rest])
    return 0


def cmd_geo_load(args: argparse.Namespace) -> int:
    from phocap.geo.services import geo_load

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


def _commune_json(commune: Any) -> dict[str, Any]:
    from phocap.programmes import selectors

    data = selectors.commune_summary(commune)
    del data["id"]
    data["target_percent"] = float(data["target_percent"])
    data["department"] = data["department"].name if data["department"] else None
    data["enterprises"] = [org.name for org in data["enterprises"]]
    return data


def cmd_programme_show(args: argparse.Namespace) -> int:
    from phocap.programmes import selectors

    actor = actor_of(args)
    programme = selectors.programme_get(actor=actor, code=args.code)
    communes = [_commune_json(c) for c in selectors.commune_list(actor=actor, programme=programme)]
    data = {
        "code": programme.code,
        "name": programme.name,
        "province_code": programme.province.code,
        "province_name": programme.province.name,
        "status": programme.status,
        "campaign_start": programme.campaign_start.isoformat(),
        "campaign_end": programme.campaign_end.isoformat(),
        "reference_date": programme.reference_date.isoformat(),
        "units_as_of": programme.units_as_of.isoformat(),
        "phone_package_price": programme.phone_package_price,
        "target_percent": float(programme.target_percent),
        "communes": communes,
    }

    def human() -> str:
        rows = [
            f"{programme.name} [{programme.code}] — {programme.get_status_display()}",
            f"Vận động: {programme.campaign_start:%d/%m/%Y} – {programme.campaign_end:%d/%m/%Y}",
        ]
        rows += [
            f"  {c['code']} {c['name']:<24} {c['district_name'] or '':<22}"
            f" người lớn {c['adult_population']:>6}"
            f"  chưa có ĐTTM {c['baseline_without_smartphone']:>5}  {c['department'] or ''}"
            for c in communes
        ]
        return "\n".join(rows)

    out(args, data, human)
    return 0


def cmd_programme_list(args: argparse.Namespace) -> int:
    from phocap.programmes import selectors

    programmes = list(selectors.programme_list(actor=actor_of(args)))
    data = [{"code": p.code, "name": p.name, "status": p.status} for p in programmes]
    out(
        args,
        data,
        lambda: "\n".join(f"{p.code:<20} {p.name}" for p in programmes) or "(không có chương trình)",
    )
    return 0


def cmd_commune_set(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from phocap.programmes import selectors, services

    actor = actor_of(args)
    programme = selectors.programme_get(actor=actor, code=args.code)
    commune = selectors.commune_get(actor=actor, programme=programme, code=args.commune)
    commune = services.commune_update_figures(
        actor=actor,
        commune=commune,
        adult_population=args.adults,
        baseline_without_smartphone=args.baseline,
        target_percent=Decimal(args.target) if args.target is not None else None,
        figures_source=args.source,
    )
    commune = selectors.commune_get(actor=actor, programme=programme, code=args.commune)
    data = _commune_json(commune)
    out(args, data, lambda: f"Đã cập nhật {commune.unit.name}.")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from phocap.accounts.selectors import user_by_username
    from phocap.accounts.services import api_token_create

    user = user_by_username(args.user)
    token, secret = api_token_create(actor=actor_of(args), user=user, name=args.name)
    data = {"prefix": token.prefix, "user": user.username, "name": token.name, "token": secret}
    out(args, data, lambda: f"Khóa API (chỉ hiện một lần): {secret}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from phocap.accounts.services import api_token_revoke

    token = api_token_revoke(actor=actor_of(args), prefix=args.prefix)
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
    import getpass

    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        from phocap.core.errors import ValidationFailed

        raise ValidationFailed("Hai lần nhập mật khẩu không khớp.")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from phocap.accounts.services import user_create

    user = user_create(
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
    from phocap.programmes import selectors as programmes

    target: dict[str, Any] = {"programme": None, "commune": None, "organisation": None}
    if args.programme:
        target["programme"] = programmes.programme_get(actor=actor, code=args.programme)
    if args.commune:
        if target["programme"] is None:
            from phocap.core.errors import ValidationFailed

            raise ValidationFailed("Cần --programme để chọn xã/phường.")
        target["commune"] = programmes.commune_get(actor=actor, programme=target["programme"], code=args.commune)
    if args.organisation:
        if target["programme"] is None:
            from phocap.core.errors import ValidationFailed

            raise ValidationFailed("Cần --programme để chọn tổ chức.")
        target["organisation"] = programmes.organisation_get(
            actor=actor, programme=target["programme"], key=args.organisation
        )
    return target


def cmd_user_grant(args: argparse.Namespace) -> int:
    from phocap.accounts.services import membership_grant

    actor = actor_of(args)
    from phocap.accounts.selectors import user_by_username

    user = user_by_username(args.username)  # any account may be given a role; the service checks the right
    membership = membership_grant(
        actor=actor, user=user, role=args.role, village=args.village or "", **_grant_target(args, actor)
    )
    out(args, _membership_json(membership), lambda: f"Đã cấp vai trò {membership}.")
    return 0


def cmd_user_revoke(args: argparse.Namespace) -> int:
    from phocap.accounts import selectors
    from phocap.accounts.services import membership_revoke

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
    membership_revoke(actor=actor, membership=membership)
    out(args, data, lambda: f"Đã thu hồi vai trò {args.role} của {user.username}.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from phocap.accounts import selectors

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


# --- parser -----------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phocap", description="phocap — chương trình hỗ trợ điện thoại thông minh")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="thực hiện với quyền của người dùng này")
    sub = parser.add_subparsers(dest="command", required=True)

    add = add_command
    p = with_json(add(sub, "init", cmd_init, "migrate và nạp định nghĩa chương trình"))
    p.add_argument("--programme", default="bac-kan-2023", help="tên chương trình có sẵn hoặc đường dẫn tệp .toml")
    p.add_argument("--demo", action="store_true", help="tạo thêm dữ liệu demo (người dùng mỗi vai trò)")

    p = add(sub, "demo", cmd_demo, "chạy bản demo Bắc Kạn 2023 trên cơ sở dữ liệu mới tại 127.0.0.1:8000")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="chỉ khởi tạo, không chạy máy chủ")

    p = add(sub, "serve", cmd_serve, "chạy máy chủ production (gunicorn)")
    p.add_argument("--bind", default=os.environ.get("PHOCAP_BIND", "127.0.0.1:8000"))
    p.add_argument("--workers", type=int, default=int(os.environ.get("PHOCAP_WORKERS", "3")))

    p = add(sub, "worker", cmd_worker, "chạy tiến trình xử lý tác vụ nền")
    p.add_argument("--batch", action="store_true", help="xử lý hết hàng đợi rồi thoát")

    p = add(sub, "manage", cmd_manage, "lệnh quản trị Django (manage.py)")
    p.add_argument("rest", nargs=argparse.REMAINDER)

    geo = sub.add_parser("geo", help="đơn vị hành chính").add_subparsers(dest="verb", required=True)
    p = with_json(add(geo, "load", cmd_geo_load, "tải danh mục đơn vị hành chính từ vietnam-provinces"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--province", help="mã tỉnh, ví dụ 06 (Bắc Kạn, với --legacy) hoặc 19")
    which.add_argument("--all", action="store_true", help="toàn quốc, cả trước và sau 1/7/2025, kèm bảng sắp xếp")
    p.add_argument("--legacy", action="store_true", help="danh mục trước 1/7/2025 (3 cấp)")

    prog = sub.add_parser("programme", help="chương trình").add_subparsers(dest="verb", required=True)
    p = with_json(add(prog, "show", cmd_programme_show, "xem chương trình và các xã/phường"))
    p.add_argument("code")
    with_json(add(prog, "list", cmd_programme_list, "liệt kê chương trình"))
    p = with_json(add(prog, "commune-set", cmd_commune_set, "sửa số liệu của một xã/phường"))
    p.add_argument("code")
    p.add_argument("commune", help="mã xã/phường, ví dụ 01870")
    p.add_argument("--adults", type=int)
    p.add_argument("--baseline", type=int, help="số người trưởng thành chưa có điện thoại thông minh")
    p.add_argument("--target", help="mục tiêu (%%)")
    p.add_argument("--source", help="nguồn số liệu")

    usr = sub.add_parser("user", help="người dùng và vai trò").add_subparsers(dest="verb", required=True)
    p = with_json(add(usr, "add", cmd_user_add, "tạo người dùng (mật khẩu hỏi khi chạy hoặc từ stdin)"))
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
        p = with_json(add(usr, verb, func, help_))
        p.add_argument("username")
        p.add_argument(
            "--role",
            required=True,
            choices=[
                "system_admin",
                "programme_manager",
                "fundraising_officer",
                "department_officer",
                "commune_officer",
                "enterprise_partner",
                "digital_team_member",
                "auditor",
            ],
        )
        p.add_argument("--programme", help="mã chương trình")
        p.add_argument("--commune", help="mã xã/phường (cán bộ xã, tổ công nghệ số)")
        p.add_argument("--organisation", help="mã tổ chức (sở, ngành; doanh nghiệp)")
        if verb == "grant":
            p.add_argument("--village", help="thôn/bản (tổ công nghệ số)")
    with_json(add(usr, "list", cmd_user_list, "liệt kê người dùng"))

    from phocap.fundraising.cli import register as register_fundraising

    register_fundraising(sub)
    from phocap.registry.cli import register as register_registry

    register_registry(sub)
    from phocap.devices.cli import register as register_devices

    register_devices(sub)
    from phocap.allocation.cli import register as register_allocation

    register_allocation(sub)
    from phocap.onboarding.cli import register as register_onboarding

    register_onboarding(sub)
    from phocap.reports.cli import register as register_reports

    register_reports(sub)

    tok = sub.add_parser("token", help="khóa API cho đối tác").add_subparsers(dest="verb", required=True)
    p = with_json(add(tok, "create", cmd_token_create, "tạo khóa API"))
    p.add_argument("--user", required=True)
    p.add_argument("--name", required=True)
    p = with_json(add(tok, "revoke", cmd_token_revoke, "thu hồi khóa API"))
    p.add_argument("prefix")
    return parser


def _prepare_demo_database(args: argparse.Namespace) -> None:
    """`phocap demo` runs on an empty database: a fresh SQLite file unless DATABASE_URL is given."""
    if args.command != "demo" or os.environ.get("DATABASE_URL"):
        return
    data_dir = Path(os.environ.get("PHOCAP_DATA_DIR", "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / DEMO_DB
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _prepare_demo_database(args)
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup_django()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"phocap: cấu hình chưa đúng: {exc}\n")
        return EXIT_ERROR
    from phocap.core.context import channel
    from phocap.core.errors import DomainError

    try:
        with channel("cli"):
            return int(args.func(args))
    except DomainError as exc:
        sys.stderr.write(f"phocap: {exc.message}\n")
        return EXIT_ERROR
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"phocap: cấu hình chưa đúng: {exc}\n")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
