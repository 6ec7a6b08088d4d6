"""`phocap handover …` (issue #15): events, handovers, no-shows, returns, losses and replacements — the same
services and scope as the village-hall page and the API."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from phocap.core.cli import actor_of, add_command, note, out, with_json
from phocap.core.errors import NotFound
from phocap.core.text import read_day
from phocap.handover import attendance, selectors, services
from phocap.handover.models import EventMinutes
from phocap.programmes import selectors as programmes
from phocap.registry.normalize import CARRIERS


def _programme(args: argparse.Namespace) -> Any:
    return programmes.programme_get(actor=actor_of(args), code=args.programme)


def _event(args: argparse.Namespace) -> Any:
    return selectors.event_get(actor=actor_of(args), programme=_programme(args), event_id=args.event)


def _handover(args: argparse.Namespace) -> Any:
    return selectors.handover_get(actor=actor_of(args), programme=_programme(args), handover_id=args.handover)


def handover_json(h: Any) -> dict[str, Any]:
    return {
        "handover": h.pk,
        "resident": h.resident_id,
        "imei": h.device.imei,
        "status": h.status,
        "replaces": h.replaces_id,
        "ended_on": h.ended_on,
    }


def cmd_event_add(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args)
    event = services.event_create(
        actor=actor,
        programme=programme,
        commune=programmes.commune_get(actor=actor, programme=programme, code=args.commune),
        held_on=read_day(args.date, field="date"),
        place=args.place,
        organisers=args.organisers or "",
    )
    expected = selectors.expected_at(actor=actor, event=event)
    data = {"event": event.pk, "expected": len(expected)}
    out(args, data, lambda: f"Buổi trao #{event.pk} tại {event.place}: {len(expected)} người chờ nhận máy.")
    return 0


def cmd_expected(args: argparse.Namespace) -> int:
    rows = selectors.expected_at(actor=actor_of(args), event=_event(args))
    out(
        args,
        {"expected": rows},
        lambda: (
            "\n".join(
                f"{r['resident']:>8}  {r['full_name']:<30} {r['village']:<20} {r['model']}"
                + (f", {r['colour']}" if r["colour"] else "")
                + f" …{r['imei_last5']}"
                for r in rows
            )
            or "Không còn ai chờ nhận máy."
        ),
    )
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    event = _event(args)
    data = services.labels_pdf(actor=actor_of(args), event=event)
    target = Path(args.output or f"nhan-hop-may-{event.pk}.pdf")
    target.write_bytes(data)
    out(args, {"file": str(target), "bytes": len(data)}, lambda: f"Đã ghi nhãn hộp máy vào {target}.")
    note(args, "Tệp có họ tên người nhận: lần in này đã được ghi nhật ký.")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    event = _event(args)
    # the same command run again (a script retried) is the same handover: its key, and no reservation needed
    key = hashlib.sha256(f"cli|{event.pk}|{args.resident}|{args.imei}".encode()).hexdigest()[:32]
    try:
        reservation_id = selectors.reservation_at(actor=actor, event=event, resident_id=args.resident).pk
    except NotFound:
        reservation_id = 0  # already handed over by this very command, or not expected: the service says which
    done = services.handover_record(
        actor=actor,
        event=event,
        reservation_id=reservation_id,
        id_number=args.id_number or "",
        scanned=False,
        imei=args.imei,
        sim_activated=not args.sim_not_activated,
        confirmation=args.confirmation,
        key=key,
        sim_number=args.sim or "",
        sim_carrier=args.carrier or "",
    )
    out(args, {"handover": done.pk}, lambda: f"Đã trao máy cho {done.resident.full_name} (lần trao #{done.pk}).")
    return 0


def cmd_absent(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    event = _event(args)
    if args.undo:
        reservation = selectors.reservation_at(actor=actor, event=event, resident_id=args.resident, absent=True)
        back = attendance.absent_undo(actor=actor, event=event, reservation=reservation)
        data: dict[str, Any] = {"reservation": back.pk, "resident": back.resident_id, "status": back.status}
        out(args, data, lambda: f"Đã hoàn tác: máy lại được giữ cho người dân số {back.resident_id}.")
        return 0
    reservation = selectors.reservation_at(actor=actor, event=event, resident_id=args.resident)
    offered = attendance.absent_record(
        actor=actor, event=event, reservation=reservation, reason=args.reason or "Vắng mặt"
    )
    data = {
        "reservation": reservation.pk,
        "resident": reservation.resident_id,
        "status": "released",
        "offered_to": offered.resident_id if offered else None,
    }
    out(
        args,
        data,
        lambda: (
            "Đã trả máy về kho"
            + (f" và mời người dân số {offered.resident_id}." if offered else "; không còn ai chờ trong đợt.")
        ),
    )
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    event = attendance.event_close(actor=actor_of(args), event=_event(args))
    kept = EventMinutes.objects.get(event=event)
    data: dict[str, Any] = {
        "event": event.pk,
        "closed_at": event.closed_at,
        "handed": kept.handed,
        "absent": kept.absent,
        "waiting": len(selectors.expected_at(actor=actor_of(args), event=event)),
    }
    if args.minutes:
        Path(args.minutes).write_bytes(bytes(kept.content))
        data["minutes"] = args.minutes
    out(
        args,
        data,
        lambda: (
            f"Buổi trao #{event.pk} đã kết thúc: {kept.handed} máy đã trao, {kept.absent} người vắng mặt"
            + (f"; biên bản: {args.minutes}." if args.minutes else ".")
        ),
    )
    return 0


def cmd_return(args: argparse.Namespace) -> int:
    done = services.handover_return(
        actor=actor_of(args),
        handover=_handover(args),
        reason=args.reason,
        device_ok=args.device_ok,
        on=read_day(args.date, field="date") if args.date else None,
    )
    out(args, handover_json(done), lambda: f"Đã nhận lại máy của lần trao #{done.pk}.")
    return 0


def cmd_lost(args: argparse.Namespace) -> int:
    done = services.handover_lost(
        actor=actor_of(args),
        handover=_handover(args),
        reason=args.reason,
        on=read_day(args.date, field="date") if args.date else None,
    )
    out(args, handover_json(done), lambda: f"Đã ghi máy của lần trao #{done.pk} bị mất/đã bán.")
    return 0


def cmd_replace(args: argparse.Namespace) -> int:
    new = services.handover_replace(actor=actor_of(args), handover=_handover(args), imei=args.imei, reason=args.reason)
    out(args, handover_json(new), lambda: f"Đã đổi máy: lần trao mới #{new.pk}, IMEI {new.device.imei}.")
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("handover", help="buổi trao máy, trao, vắng mặt, trả lại, đổi máy").add_subparsers(
        dest="verb", required=True
    )
    p = with_json(add_command(group, "event-add", cmd_event_add, "tạo buổi trao máy tại một xã"))
    p.add_argument("--programme", required=True)
    p.add_argument("--commune", required=True, help="mã xã/phường")
    p.add_argument("--date", required=True, help="YYYY-MM-DD")
    p.add_argument("--place", required=True, help="địa điểm (nhà văn hóa thôn …)")
    p.add_argument("--organisers", help="đơn vị phối hợp")
    p = with_json(
        add_command(group, "expected", cmd_expected, "những người chờ nhận máy ở buổi trao, với máy giữ cho họ")
    )
    p.add_argument("--programme", required=True)
    p.add_argument("--event", type=int, required=True)
    p = with_json(add_command(group, "labels", cmd_labels, "nhãn dán hộp máy cho buổi trao (PDF)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--event", type=int, required=True)
    p.add_argument("--output", help="tệp PDF (mặc định: nhan-hop-may-<buổi>.pdf)")
    p = with_json(add_command(group, "record", cmd_record, "ghi nhận đã trao máy cho một người"))
    p.add_argument("--programme", required=True)
    p.add_argument("--event", type=int, required=True)
    p.add_argument("--resident", type=int, required=True, help="mã người dân")
    p.add_argument("--id-number", help="số CCCD trên thẻ của người nhận (đối chiếu với danh sách)")
    p.add_argument("--imei", required=True, help="IMEI của máy trao (phải là máy đã giữ cho người này)")
    p.add_argument("--confirmation", required=True, choices=["signature", "thumbprint"])
    p.add_argument("--sim", help="số thuê bao của SIM trong hộp")
    p.add_argument("--carrier", choices=list(CARRIERS), help="nhà mạng (mặc định: theo đầu số)")
    p.add_argument("--sim-not-activated", action="store_true", help="SIM chưa kích hoạt")
    p = with_json(add_command(group, "absent", cmd_absent, "người nhận vắng mặt: trả máy, mời người tiếp theo"))
    p.add_argument("--programme", required=True)
    p.add_argument("--event", type=int, required=True)
    p.add_argument("--resident", type=int, required=True, help="mã người dân")
    p.add_argument("--reason", help="mặc định: Vắng mặt")
    p.add_argument("--undo", action="store_true", help="hoàn tác (người này đã đến)")
    p = with_json(add_command(group, "close", cmd_close, "kết thúc buổi trao, lập biên bản (không ghi thêm được)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--event", type=int, required=True)
    p.add_argument("--minutes", help="ghi biên bản (PDF) vào tệp này")
    p = with_json(add_command(group, "return", cmd_return, "người nhận trả lại máy"))
    p.add_argument("--programme", required=True)
    p.add_argument("--handover", type=int, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--device-ok", action="store_true", help="máy còn tốt: sẵn sàng trao lại (mặc định: cần sửa)")
    p.add_argument("--date", help="ngày trả (YYYY-MM-DD, mặc định hôm nay)")
    p = with_json(add_command(group, "lost", cmd_lost, "máy của người nhận bị mất, bị trộm hoặc đã bán"))
    p.add_argument("--programme", required=True)
    p.add_argument("--handover", type=int, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--date", help="ngày biết (YYYY-MM-DD, mặc định hôm nay)")
    p = with_json(add_command(group, "replace", cmd_replace, "đổi máy lỗi lấy máy sẵn sàng tại xã"))
    p.add_argument("--programme", required=True)
    p.add_argument("--handover", type=int, required=True)
    p.add_argument("--imei", required=True, help="IMEI của máy thay")
    p.add_argument("--reason", required=True)
