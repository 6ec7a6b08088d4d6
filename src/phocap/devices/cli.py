"""`phocap devices …` (issue #5): phone models, purchase orders, receiving phones by IMEI, stock."""

from __future__ import annotations

import argparse
from typing import Any

from django.db.models import Count

from phocap.core.cli import actor_of, add_command, out, price_type, read_file, with_json
from phocap.core.money import format_vnd
from phocap.core.text import read_day
from phocap.devices import selectors, services
from phocap.fundraising import selectors as fundraising
from phocap.programmes import selectors as programmes


def _programme(args: argparse.Namespace) -> Any:
    return programmes.programme_get(actor=actor_of(args), code=args.programme)


STORE = ("kho", "store", "kho-tinh")


def _commune(args: argparse.Namespace, programme: Any, code: str | None) -> Any:
    return programmes.commune_get(actor=actor_of(args), programme=programme, code=code) if code else None


def cmd_receive(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args)
    data, name = read_file(args.imei_file)
    order = donor = None
    if args.purchase_order is not None:
        order = selectors.purchase_order_get(actor=actor, programme=programme, order_id=args.purchase_order)
    else:
        donor = fundraising.donor_by_name(actor=actor, programme=programme, name=args.donated_by)
    result = services.device_receive(
        actor=actor,
        programme=programme,
        phone_model=selectors.phone_model_find(args.model),
        imeis=services.imeis_from_file(data, name),
        purchase_order=order,
        donor=donor,
        location=_commune(args, programme, args.location),
        ready=args.ready,
        colour=args.colour or "",
        gift=services.GiftTerms(
            read_day(args.date, field="date") if args.date else None,
            args.unit_value,
            args.outside_period_reason or "",
        ),
    )
    report = result.as_dict()
    out(
        args,
        report,
        lambda: (
            f"Đã nhận {report['received']} máy; {len(report['rejected'])} IMEI bị từ chối."
            + "".join(f"\n  {r['imei']}: {r['reason']}" for r in report["rejected"])
            + "".join(
                f"\nỦng hộ hiện vật #{g['donation']}: {g['phones']} máy, {format_vnd(g['amount'])}"
                + (f" (cam kết {g['pledge']})" if g["pledge"] else "")
                for g in report["gifts"]
            )
        ),
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """The outcome of the checks for the phones of a file (one IMEI per line, or a spreadsheet's first column)."""
    data, name = read_file(args.imei_file)
    report = services.devices_check(
        actor=actor_of(args),
        programme=_programme(args),
        imeis=services.imeis_from_file(data, name),
        result=args.result,
        note=args.note or "",
    )
    out(
        args,
        report,
        lambda: (
            f"Đã ghi kết quả kiểm tra cho {report['checked']} máy; {len(report['rejected'])} IMEI không ghi được."
            + "".join(f"\n  {r['imei']}: {r['reason']}" for r in report["rejected"])
        ),
    )
    return 0


def cmd_model_add(args: argparse.Namespace) -> int:
    pm = services.phone_model_create(
        actor=actor_of(args),
        programme=_programme(args),
        name=args.name,
        brand=args.brand or "",
        android_version=args.android or "",
        storage_gb=args.storage,
        price=args.price,
        is_4g=not args.no_4g,
    )
    out(args, {"id": pm.pk, "brand": pm.brand, "model": pm.model}, lambda: f"Mẫu máy {pm} (#{pm.pk}).")
    return 0


def cmd_purchase(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    programme = _programme(args)
    order = services.purchase_order_create(
        actor=actor,
        programme=programme,
        phone_model=selectors.phone_model_find(args.model),
        quantity=args.quantity,
        unit_price=args.unit_price,
        supplier_name=args.supplier,
        earmark=_commune(args, programme, args.earmark),
        ordered_on=read_day(args.date, field="date") if args.date else None,
        supplier_tax_code=args.supplier_tax_code or "",
        invoice_number=args.invoice or "",
        invoice_date=read_day(args.invoice_date, field="invoice_date") if args.invoice_date else None,
    )
    data = {"purchase_order": order.pk, "total": order.total, "entry": str(order.payment_id)}
    out(args, data, lambda: f"Đơn mua #{order.pk}: {order.quantity} × {order.phone_model}, {order.total:,} ₫.")
    return 0


def cmd_orders(args: argparse.Namespace) -> int:
    orders = selectors.purchase_order_list(actor=actor_of(args), programme=_programme(args)).annotate(
        received=Count("devices")
    )
    rows = [
        {
            "purchase_order": o.pk,
            "model": str(o.phone_model),
            "quantity": o.quantity,
            "unit_price": o.unit_price,
            "total": o.total,
            "received": o.received,
            "entry": str(o.payment_id),
            "ordered_on": o.ordered_on.isoformat(),
            "invoice": o.invoice_number,
            "void": o.voided_at is not None,
        }
        for o in orders
    ]
    out(
        args,
        {"purchase_orders": rows},
        lambda: (
            "\n".join(
                f"#{o.pk:<5} {o.phone_model!s:<28} {o.received}/{o.quantity} máy  {format_vnd(o.total)}" for o in orders
            )
            or "Chưa có đơn mua nào."
        ),
    )
    return 0


def cmd_model_price(args: argparse.Namespace) -> int:
    pm = services.phone_model_price_set(
        actor=actor_of(args),
        programme=_programme(args),
        phone_model=selectors.phone_model_find(args.model),
        price=args.price,
    )
    data = {"id": pm.pk, "model": str(pm), "price": pm.price}
    out(args, data, lambda: f"Giá tham khảo của {pm}: {format_vnd(pm.price)}.")
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    """Send the phones of a file to a commune (or back to the provincial store: --to kho)."""
    programme = _programme(args)
    data, name = read_file(args.imei_file)
    to = None if args.to.lower() in STORE else _commune(args, programme, args.to)
    result = services.transfer_send_many(
        actor=actor_of(args), programme=programme, imeis=services.imeis_from_file(data, name), to=to
    )
    report = {"sent": len(result.sent), "rejected": result.rejected}
    out(
        args,
        report,
        lambda: (
            f"Đã gửi {report['sent']} máy đến {to.unit.name if to else 'kho tỉnh'}; "
            f"{len(result.rejected)} IMEI không gửi được."
            + "".join(f"\n  {r['imei']}: {r['reason']}" for r in result.rejected)
        ),
    )
    return 0


def cmd_arrived(args: argparse.Namespace) -> int:
    """The receiving side confirms what arrived: the phones of a file, or (--all) every phone on its way here."""
    actor, programme = actor_of(args), _programme(args)
    if args.all:
        pending: list[Any] = list(selectors.in_transit_to(actor=actor, programme=programme))
        rejected: list[dict[str, str]] = []
    else:
        data, name = read_file(args.imei_file)
        pending, rejected = selectors.arrived(
            actor=actor, programme=programme, imeis=services.imeis_from_file(data, name)
        )
    confirmed = services.transfer_confirm_many(actor=actor, devices=pending)
    report = {"confirmed": confirmed, "rejected": rejected}
    out(
        args,
        report,
        lambda: (
            f"Đã xác nhận nhận {confirmed} máy; {len(rejected)} IMEI không xác nhận được."
            + "".join(f"\n  {r['imei']}: {r['reason']}" for r in rejected)
        ),
    )
    return 0


def cmd_purchase_void(args: argparse.Namespace) -> int:
    actor = actor_of(args)
    order = selectors.purchase_order_get(actor=actor, programme=_programme(args), order_id=args.purchase_order)
    done = services.purchase_order_void(actor=actor, order=order, reason=args.reason)
    data = {"purchase_order": done.pk, "status": "void", "reversal": str(done.reversal_id)}
    out(args, data, lambda: f"Đã hủy đơn mua #{done.pk}; khoản chi {format_vnd(done.total)} đã được đảo lại.")
    return 0


def cmd_stock(args: argparse.Namespace) -> int:
    data = selectors.stock(actor=actor_of(args), programme=_programme(args))
    out(
        args,
        data,
        lambda: (
            "\n".join(
                f"{row['location'] or 'Kho tỉnh':<30} " + ", ".join(f"{k}: {v}" for k, v in row["states"].items())
                for row in data["locations"]
            )
            or "Chưa có máy nào."
        ),
    )
    return 0


def cmd_find(args: argparse.Namespace) -> int:
    """A phone by IMEI or its last digits (the box label's 5), with its history; no digits: what needs acting on."""
    actor, programme = actor_of(args), _programme(args)
    if args.imei:
        found = [
            selectors.device_json(d, history=True)
            for d in selectors.device_search(actor=actor, programme=programme, imei=args.imei)
        ]
        data: dict[str, Any] = {"devices": found}
        human = "\n".join(
            f"{d['imei']}  {d['model']}  {d['state']}  {d['location'] or 'kho tỉnh'}"
            + "".join(f"\n    {e['at']:%d/%m/%Y %H:%M} {e['state']} {e['note']}" for e in d["events"])
            for d in found
        )
        out(args, data, lambda: human or "Không có máy nào có IMEI này (gõ ít nhất 4 chữ số).")
        return 0
    lists = selectors.attention(actor=actor, programme=programme)
    data = {key: [selectors.device_json(d) for d in phones] for key, phones in lists.items()}
    titles = {"waiting": "Chờ kiểm tra lâu nhất", "repair": "Cần sửa / bị khóa", "transit": "Đang chuyển"}
    out(
        args,
        data,
        lambda: "\n".join(
            f"{titles[key]}: {len(rows)}"
            + "".join(f"\n  {r['imei']}  {r['state']}  {r['location'] or 'kho tỉnh'}" for r in rows)
            for key, rows in data.items()
        ),
    )
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("devices", help="điện thoại: mua, nhận, kho").add_subparsers(dest="verb", required=True)
    p = with_json(add_command(group, "receive", cmd_receive, "nhận máy theo IMEI (mỗi dòng một IMEI)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--model", required=True, help='mẫu máy, ví dụ "Samsung Galaxy A05"')
    p.add_argument("--imei-file", required=True, help="mỗi dòng một IMEI, hoặc tệp XLSX/XLS/ODS/CSV (cột đầu tiên)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--purchase-order", type=int, help="số đơn mua")
    source.add_argument("--donated-by", help="tên nhà hảo tâm ủng hộ máy")
    p.add_argument("--location", help="mã xã nơi nhận (mặc định: kho tỉnh)")
    p.add_argument("--ready", action="store_true", help="máy đã đạt kiểm tra, sẵn sàng trao")
    p.add_argument("--colour", help="màu máy (khi cả lô cùng màu)")
    p.add_argument("--date", help="máy ủng hộ: ngày nhận (YYYY-MM-DD, mặc định hôm nay)")
    p.add_argument(
        "--unit-value", type=price_type, help="máy ủng hộ: giá trị mỗi máy (₫, mặc định giá tham khảo của mẫu máy)"
    )
    p.add_argument("--outside-period-reason", help="máy ủng hộ nhận ngoài thời gian vận động: lý do (quản lý)")
    p = with_json(add_command(group, "check", cmd_check, "ghi kết quả kiểm tra máy theo IMEI (nhiều máy một lần)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--imei-file", required=True, help="mỗi dòng một IMEI, hoặc tệp XLSX/XLS/ODS/CSV (cột đầu tiên)")
    p.add_argument("--result", required=True, choices=list(services.CHECK_RESULTS))
    p.add_argument("--note", help="ghi chú (ví dụ: thay pin xong)")
    p = with_json(add_command(group, "model-add", cmd_model_add, "thêm mẫu điện thoại"))
    p.add_argument("--programme", required=True)
    p.add_argument("name", help='ví dụ "Samsung Galaxy A05"')
    p.add_argument("--brand")
    p.add_argument("--android")
    p.add_argument("--storage", type=int, help="GB")
    p.add_argument("--price", type=price_type, help="giá tham khảo (₫), ví dụ 2.000.000")
    p.add_argument("--no-4g", action="store_true")
    p = with_json(add_command(group, "purchase", cmd_purchase, "đặt mua máy, chi từ quỹ (ghi sổ cái)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--quantity", type=int, required=True)
    p.add_argument("--unit-price", type=price_type, required=True, help="đơn giá (₫), ví dụ 2.000.000")
    p.add_argument("--supplier", required=True)
    p.add_argument("--earmark", help="mã xã khi mua bằng quỹ dành riêng cho xã")
    p.add_argument("--date", help="ngày đặt mua, YYYY-MM-DD (tính chi từ ngày này; mặc định hôm nay)")
    p.add_argument("--invoice", help="số hóa đơn của nhà cung cấp")
    p.add_argument("--invoice-date", help="ngày hóa đơn, YYYY-MM-DD")
    p.add_argument("--supplier-tax-code", help="mã số thuế nhà cung cấp")
    p = with_json(add_command(group, "purchase-void", cmd_purchase_void, "hủy đơn mua (đảo bút toán chi)"))
    p.add_argument("--programme", required=True)
    p.add_argument("--purchase-order", type=int, required=True)
    p.add_argument("--reason", required=True)
    p = with_json(add_command(group, "orders", cmd_orders, "các đơn mua máy và số máy đã nhận"))
    p.add_argument("--programme", required=True)
    p = with_json(add_command(group, "model-price", cmd_model_price, "ghi giá tham khảo của mẫu máy"))
    p.add_argument("--programme", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--price", type=price_type, required=True, help="đồng, ví dụ 2.000.000")
    p = with_json(add_command(group, "transfer", cmd_transfer, "chuyển máy (theo IMEI) đến xã hoặc về kho tỉnh"))
    p.add_argument("--programme", required=True)
    p.add_argument("--imei-file", required=True, help="mỗi dòng một IMEI, hoặc tệp XLSX/XLS/ODS/CSV (cột đầu tiên)")
    p.add_argument("--to", required=True, help="mã xã nhận, hoặc kho (kho tỉnh)")
    p = with_json(add_command(group, "arrived", cmd_arrived, "nơi nhận xác nhận máy đã đến"))
    p.add_argument("--programme", required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--imei-file", help="IMEI của các máy đã đến")
    which.add_argument("--all", action="store_true", help="mọi máy đang chuyển đến nơi bạn nhận")
    p = with_json(add_command(group, "find", cmd_find, "tìm máy theo IMEI (hoặc số cuối); không có số: máy cần xử lý"))
    p.add_argument("--programme", required=True)
    p.add_argument("imei", nargs="?", help="IMEI hoặc ít nhất 4 số cuối")
    p = with_json(add_command(group, "stock", cmd_stock, "số máy theo nơi và tình trạng"))
    p.add_argument("--programme", required=True)
