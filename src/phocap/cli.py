"""The `phocap` command: `phocap <group> <verb>`. This module is only the entry point and the shared options; each
app's commands live in `phocap.<app>.cli` (thin: parse, call one service or selector, print), the commands that
compose the whole system (init, demo, serve, worker, manage) in `phocap.config.cli`.

`--json` prints one JSON document on stdout; errors print one line on stderr and exit non-zero.
`--as USERNAME` acts as that user (their scope and rights); without it the console operator acts as the
system (`SYSTEM`), like `manage.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_ERROR = 2
DEMO_DB = "demo.sqlite3"
# each command word and the module whose `register(subparsers)` adds it, in the order `phocap --help` lists them;
# a command imports only its own module (an app's commands import its services, some of them slow to import)
COMMANDS = {
    "init": "phocap.config.cli",
    "demo": "phocap.config.cli",
    "serve": "phocap.config.cli",
    "worker": "phocap.config.cli",
    "backup": "phocap.config.cli",
    "restore": "phocap.config.cli",
    "manage": "phocap.config.cli",
    "geo": "phocap.geo.cli",
    "programme": "phocap.programmes.cli",
    "user": "phocap.accounts.cli",
    "token": "phocap.accounts.cli",
    "job": "phocap.accounts.cli",
    "fundraising": "phocap.fundraising.cli",
    "registry": "phocap.registry.cli",
    "devices": "phocap.devices.cli",
    "allocate": "phocap.allocation.cli",
    "prior-phone": "phocap.allocation.cli",
    "handover": "phocap.handover.cli",
    "onboarding": "phocap.onboarding.cli",
    "complaints": "phocap.complaints.cli",
    "notify": "phocap.notifications.cli",
    "posting": "phocap.allocation.cli_posting",
    "kpi": "phocap.reports.cli",
    "kpi-check": "phocap.reports.cli",
    "report": "phocap.reports.cli",
}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phocap.config.settings")
    import django  # the entry point is imported before settings exist: Django comes in once they are set

    django.setup()


def build_parser(command: str = "") -> argparse.ArgumentParser:
    """The parser of one command (its module imported here, once Django is set up), or of every command when the
    word is not one (`phocap --help`, a typing error: argparse then lists them all)."""
    from importlib import import_module

    parser = argparse.ArgumentParser(prog="phocap", description="phocap — chương trình hỗ trợ điện thoại thông minh")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="thực hiện với quyền của người dùng này")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        import_module(module).register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str:
    """The command word, before the full parser exists (it needs Django set up, and the demo's database first)."""
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--as", dest="as_user")
    first.add_argument("command", nargs="?")
    known, _ = first.parse_known_args(argv)
    return str(known.command or "")


def _prepare_demo_database(command: str) -> None:
    """`phocap demo` runs on an empty database: a fresh SQLite file unless DATABASE_URL is given."""
    if command != "demo" or os.environ.get("DATABASE_URL"):
        return
    data_dir = Path(os.environ.get("PHOCAP_DATA_DIR", "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / DEMO_DB
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(args_list)
    _prepare_demo_database(command)
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup_django()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"phocap: cấu hình chưa đúng: {exc}\n")
        return EXIT_ERROR
    from phocap.core.context import channel
    from phocap.core.errors import DomainError

    args = build_parser(command).parse_args(args_list)
    try:
        with channel("cli"):
            return int(args.func(args))
    except DomainError as exc:
        known = exc.data.get("candidate") if exc.code == "donor_mismatch" else None
        hint = f" (nhà tài trợ số {known['id']}: chạy lại với --same-donor {known['id']})" if known else ""
        sys.stderr.write(f"phocap: {exc.message}{hint}\n")
        return EXIT_ERROR
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"phocap: cấu hình chưa đúng: {exc}\n")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
