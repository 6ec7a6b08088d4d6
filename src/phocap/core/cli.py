"""Shared pieces of the `phocap` command: output, the acting user, sub-command registration, reading files.
Each app with commands has a `cli.py` with `register(subparsers)`; `phocap/cli.py` is only the entry point."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from phocap.core.actors import SYSTEM
from phocap.core.amounts import read_amount, read_price
from phocap.core.errors import NotFound, ValidationFailed
from phocap.core.uploads import check_size

Handler = Callable[[argparse.Namespace], int]


def out(args: argparse.Namespace, data: Any, human: Callable[[], str]) -> None:
    """`--json`: one JSON document on stdout; otherwise the human text."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(human() + "\n")


def note(args: argparse.Namespace, text: str) -> None:
    """A word for the person at the console (a warning, a reminder), on stderr; nothing under `--json`, whose
    stdout is for scripts."""
    if not getattr(args, "json", False):
        sys.stderr.write(text + "\n")


def actor_of(args: argparse.Namespace) -> Any:
    """`--as USERNAME` → that user; otherwise the system (the console operator). Through Django's auth API, not
    `accounts.selectors` (core is below accounts): an active account by its username, nothing more."""
    if not getattr(args, "as_user", None):
        return SYSTEM
    user = get_user_model().objects.filter(username=args.as_user, is_active=True).first()
    if user is None:
        raise NotFound(f"Không có người dùng {args.as_user!r}.")
    return user


def add_command(subparsers: Any, name: str, func: Handler, help_: str) -> Any:
    parser = subparsers.add_parser(name, help=help_)
    parser.set_defaults(func=func)
    return parser


def with_json(parser: Any) -> Any:
    parser.add_argument("--json", action="store_true", help="in một tài liệu JSON ra stdout")
    return parser


def read_file(path_text: str) -> tuple[bytes, str]:
    """A file named on the command line: its bytes and its name, or a one-line error."""
    path = Path(path_text)
    if not path.is_file():
        raise NotFound(f"Không có tệp {path_text}.")
    check_size(path.stat().st_size, path.name)
    return path.read_bytes(), path.name


def amount_type(text: str) -> int:
    """argparse's `type` for an amount of đồng as people type it (5.000.000, 5 triệu, 2,5tr; `core.amounts`)."""
    try:
        return read_amount(text, small_ok=True)
    except ValidationFailed as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def price_type(text: str) -> int:
    """argparse's `type` for a phone's price or value (as `amount_type`, never under 10.000 ₫: `read_price`)."""
    try:
        return read_price(text)
    except ValidationFailed as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def add_amount(parser: Any, flag: str, *, to: Any = None, required: bool = False, help_: str = "") -> None:
    """An amount option (on `to`, a group of `parser`, when given) and, once per command, `--confirm-small`: an
    amount under 10.000 ₫ is refused without it (`amount_of`)."""
    (to or parser).add_argument(
        flag, type=amount_type, required=required, help=f"{help_} (đồng: 5000000, 5.000.000, 5 triệu, 2,5tr)".strip()
    )
    if not any(action.dest == "confirm_small" for action in parser._actions):
        parser.add_argument("--confirm-small", action="store_true", help="xác nhận số tiền dưới 10.000 ₫ là đúng")


def amount_of(args: argparse.Namespace, dest: str) -> int | None:
    """The amount given for `dest`, refused when small and not confirmed."""
    value: int | None = getattr(args, dest)
    if value is not None and not getattr(args, "confirm_small", False):
        read_amount(value, field=dest)
    return value
