"""The phones page: stock per place and state (from the events), every order and what it bought, ordering phones
and receiving them by pasting or scanning IMEIs (one per line); the transfers page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.amounts import read_price
from phocap.core.errors import DomainError, PermissionDenied
from phocap.core.money import format_vnd
from phocap.core.text import read_day
from phocap.core.web import not_found_as_404
from phocap.devices import selectors, services
from phocap.devices.models import Device
from phocap.fundraising import selectors as fundraising
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme


def _number(text: str | None) -> int:
    """A count or an id as typed ("1.000" phones; amounts are read by `core.amounts`)."""
    return int((text or "0").replace(".", "").replace(",", "").replace(" ", "") or 0)


def _commune(request: HttpRequest, programme: Programme, code: str | None) -> Any:
    return programmes.commune_get(actor=request.user, programme=programme, code=code) if code else None


def _purchase(request: HttpRequest, programme: Programme) -> None:
    created = services.purchase_order_create(
        actor=request.user,
        programme=programme,
        phone_model=request.POST.get("model_name", ""),
        quantity=_number(request.POST.get("quantity")),
        unit_price=read_price(request.POST.get("unit_price"), field="unit_price"),
        supplier_name=request.POST.get("supplier", ""),
        earmark=_commune(request, programme, request.POST.get("earmark")),
        ordered_on=_day(request, "ordered_on"),
        supplier_tax_code=request.POST.get("supplier_tax_code", ""),
        invoice_number=request.POST.get("invoice_number", ""),
        invoice_date=_day(request, "invoice_date"),
    )
    messages.success(request, _("Đã đặt mua đơn #%(n)s và ghi chi vào sổ cái.") % {"n": created.pk})


def _day(request: HttpRequest, name: str) -> Any:
    return read_day(request.POST[name], field=name) if request.POST.get(name) else None


def _void(request: HttpRequest, programme: Programme) -> None:
    order = selectors.purchase_order_get(
        actor=request.user, programme=programme, order_id=_number(request.POST.get("order"))
    )
    services.purchase_order_void(actor=request.user, order=order, reason=request.POST.get("reason", ""))
    messages.success(request, _("Đã hủy đơn mua #%(n)s; khoản chi đã được đảo lại trên sổ cái.") % {"n": order.pk})


def _receive(request: HttpRequest, programme: Programme) -> services.ReceiveResult:
    source = request.POST.get("source", "")
    order = donor = None
    if source.startswith("po-"):
        order = selectors.purchase_order_get(actor=request.user, programme=programme, order_id=_number(source[3:]))
    elif source.startswith("donor-"):
        donor = fundraising.donor_get(actor=request.user, programme=programme, donor_id=_number(source[6:]))
    result = services.device_receive(
        actor=request.user,
        programme=programme,
        phone_model=selectors.phone_model_get(_number(request.POST.get("model"))),
        imeis=_imeis_posted(request),
        purchase_order=order,
        donor=donor,
        location=_commune(request, programme, request.POST.get("location")),
        ready=request.POST.get("ready") == "1",
        colour=request.POST.get("colour", ""),
        gift=services.GiftTerms(
            _day(request, "received_on"),
            read_price(value, field="unit_value") if (value := request.POST.get("unit_value", "").strip()) else None,
            request.POST.get("override_reason", ""),
        ),
    )
    messages.success(request, _("Đã nhận %(n)s máy.") % {"n": len(result.received)})
    for gift in result.gifts:
        messages.success(
            request,
            _("Đã ghi nhận ủng hộ hiện vật #%(id)s: %(n)s máy, %(value)s.")
            % {"id": gift.pk, "n": gift.phones, "value": format_vnd(gift.amount)},
        )
    return result


def _imeis_posted(request: HttpRequest) -> list[str]:
    """The IMEIs a form sent: scanned or pasted one per line, and those of an attached file."""
    upload = request.FILES.get("file")
    pasted = request.POST.get("imeis", "").splitlines()
    return pasted + (services.imeis_from_file(upload.read(), upload.name or "imei.txt") if upload else [])


def _check(request: HttpRequest, programme: Programme) -> dict[str, Any]:
    report = services.devices_check(
        actor=request.user,
        programme=programme,
        imeis=_imeis_posted(request),
        result=request.POST.get("result", ""),
        note=request.POST.get("note", ""),
    )
    messages.success(request, _("Đã ghi kết quả kiểm tra cho %(n)s máy.") % {"n": report["checked"]})
    return report


@login_required
@not_found_as_404
def stock(request: HttpRequest, code: str) -> HttpResponse:
    """The phones page: stock per place and state, what needs attention, an IMEI search, purchases and receiving
    (managers), and the checks — also for a commune's officer, who sees only the checks form."""
    programme = programmes.programme_get(actor=request.user, code=code)
    manager = scope.can_manage_programme(request.user, programme)
    communes = list(programmes.commune_list(actor=request.user, programme=programme))
    checker = manager or any(scope.can_write_commune(request.user, c) for c in communes)
    viewer = _may_view(request, programme)
    if not (viewer or checker):
        raise Http404  # out of scope looks like absent
    result = checked = None
    if request.method == "POST" and request.POST.get("action") == "check" and checker:
        try:
            checked = _check(request, programme)
            if not checked["rejected"]:
                return redirect("devices:stock", code=code)
        except DomainError as exc:
            messages.error(request, exc.message)
    elif request.method == "POST" and manager:
        try:
            if request.POST.get("action") == "purchase":
                _purchase(request, programme)
                return redirect("devices:stock", code=code)
            if request.POST.get("action") == "void":
                _void(request, programme)
                return redirect("devices:stock", code=code)
            if request.POST.get("action") == "price":
                priced = services.phone_model_price_set(
                    actor=request.user,
                    programme=programme,
                    phone_model=selectors.phone_model_get(_number(request.POST.get("model"))),
                    price=read_price(request.POST.get("price")),
                )
                messages.success(
                    request,
                    _("Giá tham khảo của %(m)s: %(p)s.") % {"m": priced, "p": format_vnd(priced.price)},
                )
                return redirect("devices:stock", code=code)
            result = _receive(request, programme)
            if not result.rejected:
                return redirect("devices:stock", code=code)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Dữ liệu không hợp lệ.")))
    context = {
        "programme": programme,
        "manager": manager,
        "communes": communes,
        "result": result,
        "checked": checked,
        "checker": checker,
        "check_results": [
            ("ready", _("Đạt: sẵn sàng trao (cả máy đã sửa xong, đã mở khóa)")),
            ("needs_repair", _("Cần sửa (pin, màn hình …)")),
            ("locked", _("Còn khóa tài khoản của chủ cũ (FRP/iCloud)")),
            ("rejected", _("Loại bỏ / tái chế")),
        ],
        **(_stock_context(request, programme, manager) if viewer else {}),
    }
    return render(request, "devices/stock.html", context)


def _may_view(request: HttpRequest, programme: Programme) -> bool:
    try:
        selectors.device_list(actor=request.user, programme=programme)
    except PermissionDenied:
        return False
    return True


def _stock_context(request: HttpRequest, programme: Programme, manager: bool) -> dict[str, Any]:
    data = selectors.stock(actor=request.user, programme=programme)
    labels = dict(Device.State.choices)
    imei = request.GET.get("imei", "").strip()[:20]
    return {
        "stock": data,
        "rows": [
            {"location": row["location"], "states": [(labels.get(k, k), n) for k, n in row["states"].items()]}
            for row in data["locations"]
        ],
        "attention": selectors.attention(actor=request.user, programme=programme),
        "imei": imei,
        "found": selectors.device_search(actor=request.user, programme=programme, imei=imei) if imei else None,
        "spending": selectors.spending(actor=request.user, programme=programme),
        "models": selectors.phone_models(),
        "orders": selectors.purchase_order_list(actor=request.user, programme=programme),
        "donors": fundraising.phone_donors(actor=request.user, programme=programme) if manager else [],
        "funds": fundraising.funds_available(programme) if manager else None,
    }


@login_required
@not_found_as_404
def transfers(request: HttpRequest, code: str) -> HttpResponse:
    """Phones on the move: the manager sends them (IMEIs scanned or pasted) to a commune or back to the store;
    the receiving side confirms what arrived."""
    programme = programmes.programme_get(actor=request.user, code=code)
    manager = scope.can_manage_programme(request.user, programme)
    result = None
    if request.method == "POST" and request.POST.get("action") == "send" and manager:
        result = services.transfer_send_many(
            actor=request.user,
            programme=programme,
            imeis=request.POST.get("imeis", "").splitlines(),
            to=_commune(request, programme, request.POST.get("to")),
        )
        messages.success(request, _("Đã gửi %(n)s máy.") % {"n": len(result.sent)})
        if not result.rejected:
            return redirect("devices:transfers", code=code)
    elif request.method == "POST" and request.POST.get("action") == "confirm":
        pending = {str(d.pk): d for d in selectors.in_transit_to(actor=request.user, programme=programme)}
        chosen = [pending[k] for k in request.POST.getlist("device") if k in pending]
        try:
            confirmed = services.transfer_confirm_many(actor=request.user, devices=chosen)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã xác nhận nhận %(n)s máy.") % {"n": confirmed})
        return redirect("devices:transfers", code=code)
    context = {
        "programme": programme,
        "manager": manager,
        "pending": selectors.in_transit_to(actor=request.user, programme=programme),
        "communes": programmes.commune_list(actor=request.user, programme=programme) if manager else [],
        "result": result,
    }
    return render(request, "devices/transfers.html", context)
