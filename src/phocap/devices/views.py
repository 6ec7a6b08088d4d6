"""The phones page: stock per place and state (from the events), every order and what it bought, and receiving
phones by pasting or scanning IMEIs (one per line)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.errors import DomainError, NotFound, PermissionDenied
from phocap.core.web import not_found_as_404
from phocap.devices import selectors, services
from phocap.devices.models import Device, PhoneModel, PurchaseOrder
from phocap.fundraising.models import Donor
from phocap.programmes import selectors as programmes


@login_required
@not_found_as_404
def stock(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    try:
        data = selectors.stock(actor=request.user, programme=programme)
    except PermissionDenied:
        raise Http404 from None  # out of scope looks like absent
    manager = scope.can_manage_programme(request.user, programme)
    result = None
    if request.method == "POST" and manager and request.POST.get("action") == "purchase":
        try:
            earmark_code = request.POST.get("earmark") or None
            created = services.purchase_order_create(
                actor=request.user,
                programme=programme,
                phone_model=services.phone_model_get_or_create(name=request.POST.get("model_name", "")),
                quantity=int(request.POST.get("quantity", "0") or 0),
                unit_price=int((request.POST.get("unit_price", "0") or "0").replace(".", "").replace(",", "")),
                supplier_name=request.POST.get("supplier", ""),
                earmark=programmes.commune_get(actor=request.user, programme=programme, code=earmark_code)
                if earmark_code
                else None,
            )
            messages.success(request, _("Đã đặt mua đơn #%(n)s và ghi chi vào sổ cái.") % {"n": created.pk})
            return redirect("devices:stock", code=code)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Dữ liệu không hợp lệ.")))
    elif request.method == "POST" and manager:
        try:
            source = request.POST.get("source", "")
            order: PurchaseOrder | None = None
            donor: Donor | None = None
            if source.startswith("po-"):
                order = PurchaseOrder.objects.filter(programme=programme, pk=int(source[3:])).first()
            elif source.startswith("donor-"):
                donor = Donor.objects.filter(programme=programme, pk=int(source[6:])).first()
            location = request.POST.get("location") or None
            model = PhoneModel.objects.filter(pk=int(request.POST.get("model", "0") or 0)).first()
            if model is None:
                raise NotFound(_("Chọn mẫu máy."))
            result = services.device_receive(
                actor=request.user,
                programme=programme,
                phone_model=model,
                imeis=request.POST.get("imeis", "").splitlines()
                + (
                    services.imeis_from_file(upload.read(), upload.name or "imei.txt")
                    if (upload := request.FILES.get("file"))
                    else []
                ),
                purchase_order=order,
                donor=donor,
                location=programmes.commune_get(actor=request.user, programme=programme, code=location)
                if location
                else None,
                ready=request.POST.get("ready") == "1",
            )
            messages.success(request, _("Đã nhận %(n)s máy.") % {"n": len(result.received)})
            if not result.rejected:
                return redirect("devices:stock", code=code)
            data = selectors.stock(actor=request.user, programme=programme)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Dữ liệu không hợp lệ.")))
    labels = dict(Device.State.choices)
    rows = [
        {"location": row["location"], "states": [(labels.get(k, k), n) for k, n in row["states"].items()]}
        for row in data["locations"]
    ]
    context = {
        "programme": programme,
        "stock": data,
        "rows": rows,
        "spending": selectors.spending(actor=request.user, programme=programme),
        "manager": manager,
        "models": PhoneModel.objects.order_by("brand", "model"),
        "orders": PurchaseOrder.objects.filter(programme=programme).select_related("phone_model").order_by("-pk"),
        "donors": Donor.objects.filter(programme=programme, pledges__phones__isnull=False).distinct().order_by("name"),
        "communes": programme.communes.select_related("unit").order_by("unit__code"),
        "result": result,
        "funds": services.funds_available(programme) if manager else None,
    }
    return render(request, "devices/stock.html", context)


@login_required
@not_found_as_404
def transfers(request: HttpRequest, code: str) -> HttpResponse:
    """Phones on the move: the manager sends them (IMEIs scanned or pasted) to a commune or back to the store;
    the receiving side confirms what arrived."""
    programme = programmes.programme_get(actor=request.user, code=code)
    manager = scope.can_manage_programme(request.user, programme)
    result = None
    if request.method == "POST" and request.POST.get("action") == "send" and manager:
        destination = request.POST.get("to") or None
        result = services.transfer_send_many(
            actor=request.user,
            programme=programme,
            imeis=request.POST.get("imeis", "").splitlines(),
            to=programmes.commune_get(actor=request.user, programme=programme, code=destination)
            if destination
            else None,
        )
        messages.success(request, _("Đã gửi %(n)s máy.") % {"n": len(result.sent)})
        if not result.rejected:
            return redirect("devices:transfers", code=code)
    elif request.method == "POST" and request.POST.get("action") == "confirm":
        pending = {str(d.pk): d for d in selectors.in_transit_to(actor=request.user, programme=programme)}
        chosen = [pending[k] for k in request.POST.getlist("device") if k in pending]
        try:
            confirmed = services.transfer_confirm_many(actor=request.user, devices=chosen)
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã xác nhận nhận %(n)s máy.") % {"n": confirmed})
        return redirect("devices:transfers", code=code)
    context = {
        "programme": programme,
        "manager": manager,
        "pending": selectors.in_transit_to(actor=request.user, programme=programme),
        "communes": programme.communes.select_related("unit").order_by("unit__code") if manager else [],
        "result": result,
    }
    return render(request, "devices/transfers.html", context)
