"""`phocap registry …` (issue #4; more commands come with the import)."""

from __future__ import annotations

import argparse
from typing import Any

from phocap.cliutil import actor_of, add_command, out, with_json


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from phocap.accounts import scope
    from phocap.core.crypto import rotate
    from phocap.core.errors import PermissionDenied
    from phocap.fundraising.models import Donor
    from phocap.registry.models import Resident

    if not scope.is_system_admin(actor_of(args)):
        raise PermissionDenied("Chỉ quản trị hệ thống được đổi khóa mã hóa.")
    counts = {"residents": rotate(Resident, "id_number"), "donors": rotate(Donor, "tax_code")}
    out(
        args,
        counts,
        lambda: f"Đã mã hóa lại bằng khóa mới: {counts['residents']} số định danh, {counts['donors']} mã số thuế.",
    )
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("registry", help="danh sách người dân").add_subparsers(dest="verb", required=True)
    with_json(
        add_command(
            group,
            "rotate-keys",
            cmd_rotate_keys,
            "mã hóa lại số định danh và mã số thuế bằng khóa đứng đầu PHOCAP_FIELD_KEYS",
        )
    )
