"""The commands that compose the whole system: `phocap init`, `phocap demo`, `phocap serve`, `phocap worker`,
`phocap backup`, `phocap restore`, `phocap manage` (Django's own commands)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django import db
from django.core.management import call_command, execute_from_command_line

from phocap.accounts.demo import DEMO_PASSWORD
from phocap.accounts.models import Role
from phocap.config.demo import demo_create
from phocap.core import audit, backup, uploads
from phocap.core.actions import Action
from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.core.context import channel
from phocap.core.jobs import jobs_mark_stale
from phocap.fundraising.services import walk_in_code_create
from phocap.notifications.services import send_due_everywhere
from phocap.programmes import selectors as programmes
from phocap.programmes.services import programme_init


def _say(args: argparse.Namespace, text: str) -> None:
    """`phocap demo` says what it is doing while it prepares (on stderr: stdout stays the command's output)."""
    if getattr(args, "say", False):
        sys.stderr.write(f"→ {text}\n")
        sys.stderr.flush()


def cmd_init(args: argparse.Namespace) -> int:
    _say(args, "cơ sở dữ liệu (migrate)")
    call_command("migrate", interactive=False, verbosity=0)
    actor = actor_of(args)
    _say(args, f"chương trình {args.programme} và danh mục đơn vị hành chính")
    programme = programme_init(actor=actor, name_or_path=args.programme)
    users = demo_create(actor=actor, programme=programme, say=getattr(args, "say", False)) if args.demo else []
    if programme.bank_bin:  # the general code for gifts without a pledge, ready for the posters (the demo has its own)
        walk_in_code_create(actor=actor, programme=programme)
    data = {
        "programme": programme.code,
        "communes": programmes.commune_list(actor=actor, programme=programme).count(),
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
    lines = ["", f"Tài khoản demo (mật khẩu chung: {DEMO_PASSWORD}):"]
    lines += [f"  {u.username:<12} {Role(u.role).label}" for u in users]
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> int:
    init_args = argparse.Namespace(programme="bac-kan-2023", demo=True, json=False, as_user=None, say=True)
    status = cmd_init(init_args)
    if status or args.no_serve:
        return status
    host, port = "127.0.0.1", str(args.port)
    sys.stdout.write(f"\nphocap demo: http://{host}:{port}/  (Ctrl+C để dừng)\n")
    sys.stdout.write("Bản demo không hỏi mã xác thực hai lớp (PHOCAP_SECOND_FACTOR=off); bản thật thì có.\n")
    sys.stdout.flush()
    worker = subprocess.Popen([sys.executable, "-m", "phocap.cli", "worker"])
    # DEBUG off, as in production: the demo shows the pages people will see, never Django's debug pages. The second
    # factor is off: a visitor trying the demo accounts has no authenticator app enrolled for them.
    env = {**os.environ, "PHOCAP_DEBUG": "0", "PHOCAP_SECOND_FACTOR": "off"}
    try:
        return _gunicorn(f"{host}:{port}", workers=2, env=env)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def _gunicorn(bind: str, workers: int, env: dict[str, str] | None = None) -> int:
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
    proc = subprocess.Popen(cmd, env=env)  # noqa: S603
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGTERM)
        return proc.wait()


def cmd_serve(args: argparse.Namespace) -> int:
    call_command("collectstatic", interactive=False, verbosity=0)
    return _gunicorn(args.bind, workers=args.workers)


NOTIFY_EVERY_SECONDS = int(os.environ.get("PHOCAP_NOTIFY_EVERY", "300"))


def cmd_worker(args: argparse.Namespace) -> int:
    """Never under the autoreloader (DEBUG would turn it on): a reload or SIGTERM must end the running task
    through `job_run`, which marks it. Jobs left running by a worker that died are marked failed first."""
    jobs_mark_stale()
    uploads.purge_expired()
    if not args.batch:
        _every(NOTIFY_EVERY_SECONDS, send_due_everywhere)
    with channel("task"):
        call_command("db_worker", "--no-reload", *(["--batch"] if args.batch else []))
    return 0


def _every(seconds: int, job: Any) -> None:
    """Run `job` every `seconds` in a daemon thread beside the task worker (messages due: `notify send-due`); a
    failure is printed and the next run tries again."""

    def loop() -> None:
        while True:
            try:
                with channel("task"):
                    job()
            except Exception as exc:
                logging.getLogger("phocap.worker").exception("%s failed: %s", job.__name__, exc)
            finally:
                db.connections.close_all()
            time.sleep(seconds)

    threading.Thread(target=loop, name=job.__name__, daemon=True).start()


def cmd_backup(args: argparse.Namespace) -> int:
    done = backup.backup(Path(args.out))
    audit.record(actor=actor_of(args), action=Action.BACKUP_CREATE, obj=None, extra={"bytes": done["bytes"]})
    rows = sum(done["tables"].values())
    out(
        args, done, lambda: f"Đã sao lưu {done['database']} vào {done['file']} ({done['bytes']:,} byte, {rows:,} dòng)."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    done = backup.restore(Path(args.file), force=args.force)
    call_command("migrate", interactive=False, verbosity=0)  # a backup from an older release is brought up to date
    audit.record(actor=actor_of(args), action=Action.BACKUP_RESTORE, obj=None, extra={"file": Path(args.file).name})
    rows = sum(done["tables"].values())
    out(args, done, lambda: f"Đã khôi phục từ {done['file']} ({rows:,} dòng). Khởi động lại máy chủ và tiến trình nền.")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    execute_from_command_line(["phocap manage", *args.rest])
    return 0


def register(sub: Any) -> None:
    p = with_json(add_command(sub, "init", cmd_init, "migrate và nạp định nghĩa chương trình"))
    p.add_argument("--programme", default="bac-kan-2023", help="tên chương trình có sẵn hoặc đường dẫn tệp .toml")
    p.add_argument("--demo", action="store_true", help="tạo thêm dữ liệu demo (người dùng mỗi vai trò)")

    p = add_command(sub, "demo", cmd_demo, "chạy bản demo Bắc Kạn 2023 trên cơ sở dữ liệu mới tại 127.0.0.1:8000")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="chỉ khởi tạo, không chạy máy chủ")

    p = add_command(sub, "serve", cmd_serve, "chạy máy chủ production (gunicorn)")
    p.add_argument("--bind", default=os.environ.get("PHOCAP_BIND", "127.0.0.1:8000"))
    p.add_argument("--workers", type=int, default=int(os.environ.get("PHOCAP_WORKERS", "3")))

    p = add_command(sub, "worker", cmd_worker, "chạy tiến trình xử lý tác vụ nền")
    p.add_argument("--batch", action="store_true", help="xử lý hết hàng đợi rồi thoát")

    p = with_json(add_command(sub, "backup", cmd_backup, "sao lưu toàn bộ cơ sở dữ liệu (đang chạy vẫn được)"))
    p.add_argument("--out", required=True, help="tệp sao lưu sẽ ghi")
    p = with_json(add_command(sub, "restore", cmd_restore, "khôi phục cơ sở dữ liệu từ tệp sao lưu"))
    p.add_argument("file", help="tệp sao lưu")
    p.add_argument("--force", action="store_true", help="ghi đè cả khi cơ sở dữ liệu đang có dữ liệu")

    p = add_command(sub, "manage", cmd_manage, "lệnh quản trị Django (manage.py)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
