"""`phocap programme show|list|commune-set`."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from phocap.core.cli import actor_of, add_command, out, with_json
from phocap.programmes import selectors, services


def _commune_json(commune: Any) -> dict[str, Any]:
    data = selectors.commune_summary(commune)
    del data["id"]
    data["target_percent"] = float(data["target_percent"])
    data["department"] = data["department"].name if data["department"] else None
    data["enterprises"] = [org.name for org in data["enterprises"]]
    return data


def cmd_programme_show(args: argparse.Namespace) -> int:
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
    programmes = list(selectors.programme_list(actor=actor_of(args)))
    data = [{"code": p.code, "name": p.name, "status": p.status} for p in programmes]
    out(
        args,
        data,
        lambda: "\n".join(f"{p.code:<20} {p.name}" for p in programmes) or "(không có chương trình)",
    )
    return 0


def cmd_commune_set(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = selectors.programme_get(actor=actor, code=args.code)
    commune = selectors.commune_get(actor=actor, programme=programme, code=args.commune)
    services.commune_update_figures(
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


def register(sub: Any) -> None:
    prog = sub.add_parser("programme", help="chương trình").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(prog, "show", cmd_programme_show, "xem chương trình và các xã/phường"))
    p.add_argument("code")
    with_json(add_command(prog, "list", cmd_programme_list, "liệt kê chương trình"))
    p = with_json(add_command(prog, "commune-set", cmd_commune_set, "sửa số liệu của một xã/phường"))
    p.add_argument("code")
    p.add_argument("commune", help="mã xã/phường, ví dụ 01870")
    p.add_argument("--adults", type=int)
    p.add_argument("--baseline", type=int, help="số người trưởng thành chưa có điện thoại thông minh")
    p.add_argument("--target", help="mục tiêu (%%)")
    p.add_argument("--source", help="nguồn số liệu")
