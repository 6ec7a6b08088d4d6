from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phocap.accounts import scope
from phocap.core.errors import DomainError
from phocap.core.models import BackgroundJob
from phocap.core.money import format_vnd
from phocap.core.vnwords import amount_in_words
from phocap.core.web import PDF, file_response, not_found_as_404
from phocap.fundraising import receipts, selectors, services, statements, vietqr
from phocap.fundraising.forms import (
    CashForm,
    InKindForm,
    PledgeForm,
    ReverseForm,
    StatementForm,
    form_error,
)
from phocap.fundraising.models import Donation, Pledge
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme


def _programme(request: HttpRequest, code: str) -> Programme:
    programme = programmes.programme_get(actor=request.user, code=code)
    selectors.require_view(request.user, programme)
    return programme


def _with_reason(request: HttpRequest, act: Callable[[str], object], done: str) -> None:
    """An undo that needs its reason (cancelling a pledge, reversing a gift): done, or the message why not."""
    form = ReverseForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Cần ghi lý do."))
        act(form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


def _pledge_typed(request: HttpRequest, programme: Programme, reference: str) -> Pledge | None:
    """The pledge a form names by its reference code, if it names one."""
    return selectors.pledge_get(actor=request.user, programme=programme, reference=reference) if reference else None


def _context(request: HttpRequest, programme: Programme, **extra: Any) -> dict[str, Any]:
    return {"programme": programme, "can_manage": scope.can_manage_fundraising(request.user, programme), **extra}


@login_required
@not_found_as_404
def home(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    if request.method == "POST" and request.POST.get("action") == "walk_in":
        try:
            made = services.walk_in_code_create(actor=request.user, programme=programme)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Mã ủng hộ chung: %(ref)s.") % {"ref": made.reference})
        return redirect("fundraising:home", code=code)
    walk_in = selectors.walk_in_code(programme) if programme.bank_bin else None
    qr = selectors.qr_for(actor=request.user, reference=walk_in.reference) if walk_in else None
    return render(
        request,
        "fundraising/home.html",
        _context(
            request,
            programme,
            summary=selectors.summary(programme),
            qr=qr,
            qr_svg=vietqr.svg(qr.payload, scale=4) if qr else "",
            review_count=selectors.review_queue(actor=request.user, programme=programme).count(),
            latest=selectors.donation_list(actor=request.user, programme=programme)[:10],
        ),
    )


@login_required
@not_found_as_404
def pledges(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    communes = [(c.unit.code, c.unit.name) for c in programmes.commune_list(actor=request.user, programme=programme)]
    form = PledgeForm(request.POST or None, communes=communes)
    if request.method == "POST":
        if not scope.can_manage_fundraising(request.user, programme):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                earmark = (
                    programmes.commune_get(actor=request.user, programme=programme, code=data["earmark"])
                    if data["earmark"]
                    else None
                )
                pledge = services.pledge_create(
                    actor=request.user,
                    programme=programme,
                    donor=services.DonorInput(
                        kind=data["donor_kind"],
                        name=data["donor_name"],
                        tax_code=data["tax_code"],
                        publish_name=data["publish_name"],
                        same_as=data["same_as"],
                    ),
                    amount=data["amount"],
                    phones=data["phones"],
                    earmark=earmark,
                    due_date=data["due_date"],
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                said = f": {format_vnd(pledge.amount)} ({amount_in_words(pledge.amount)})" if pledge.amount else ""
                messages.success(
                    request, _("Đã ghi cam kết %(ref)s%(said)s.") % {"ref": pledge.reference, "said": said}
                )
                return redirect("fundraising:pledge", code=code, reference=pledge.reference)
    return render(
        request,
        "fundraising/pledges.html",
        _context(
            request,
            programme,
            form=form,
            rows=selectors.pledge_rows(actor=request.user, programme=programme),
        ),
    )


@login_required
@not_found_as_404
def pledge(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    programme = _programme(request, code)
    found = selectors.pledge_get(actor=request.user, programme=programme, reference=reference)
    qr = selectors.qr_for(actor=request.user, reference=found.reference) if programme.bank_bin else None
    received = selectors.pledge_received(programme).get(found.pk, 0)
    return render(
        request,
        "fundraising/pledge.html",
        _context(
            request,
            programme,
            pledge=found,
            qr=qr,
            qr_svg=vietqr.svg(qr.payload) if qr else "",
            received=received,
            status=selectors.pledge_status(found, received),
            status_label=Pledge.Status(selectors.pledge_status(found, received)).label,
            donations=selectors.pledge_donations(actor=request.user, pledge=found),
        ),
    )


@login_required
@require_POST
@not_found_as_404
def pledge_cancel(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    programme = _programme(request, code)
    found = selectors.pledge_get(actor=request.user, programme=programme, reference=reference)
    _with_reason(
        request,
        lambda reason: services.pledge_cancel(actor=request.user, pledge=found, reason=reason),
        _("Đã hủy cam kết %(ref)s.") % {"ref": found.reference},
    )
    return redirect("fundraising:pledge", code=code, reference=found.reference)


@login_required
@not_found_as_404
def qr_png(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    programme = _programme(request, code)
    if selectors.pledge_by_reference(actor=request.user, reference=reference).programme_id != programme.pk:
        raise Http404
    qr = selectors.qr_for(actor=request.user, reference=reference)
    return file_response(vietqr.png(qr.payload), "image/png", f"vietqr-{qr.reference}.png", inline=True)


@login_required
@not_found_as_404
def donations(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    points = [(p.key, p.name) for p in programmes.collection_point_list(actor=request.user, programme=programme)]
    form = CashForm(request.POST or None, points=points)
    if request.method == "POST":
        if not scope.can_manage_fundraising(request.user, programme):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                donor = (
                    services.DonorInput(
                        kind=data["donor_kind"],
                        name=data["donor_name"],
                        publish_name=data["publish_name"],
                        same_as=data["same_as"],
                    )
                    if data["donor_name"]
                    else None
                )
                pledge = _pledge_typed(request, programme, data["pledge"])
                donation = services.donation_record(
                    actor=request.user,
                    programme=programme,
                    channel=Donation.Channel.CASH,
                    amount=data["amount"],
                    received_on=data["received_on"],
                    donor=donor,
                    pledge=pledge,
                    collection_point=programmes.collection_point_get(
                        actor=request.user, programme=programme, key=data["collection_point"]
                    ),
                    cash_receipt_number=data["cash_receipt_number"],
                    override_reason=data["override_reason"],
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Đã ghi nhận khoản ủng hộ số %(id)s.") % {"id": donation.pk})
                return redirect("fundraising:donations", code=code)
    page = Paginator(selectors.donation_list(actor=request.user, programme=programme), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "fundraising/donations.html",
        _context(
            request,
            programme,
            form=form,
            page=page,
            show_contacts=scope.can_see_personal_data(request.user),
        ),
    )


@login_required
@not_found_as_404
def in_kind(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    if not scope.can_manage_fundraising(request.user, programme):
        raise Http404
    form = InKindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pledge = _pledge_typed(request, programme, data["pledge"])
            donor = (
                None
                if pledge
                else services.DonorInput(
                    kind=data["donor_kind"], name=data["donor_name"], tax_code=data["tax_code"], same_as=data["same_as"]
                )
            )
            donation = services.donation_record(
                actor=request.user,
                programme=programme,
                channel=Donation.Channel.IN_KIND,
                amount=data["amount"],
                phones=data["phones"],
                phone_model=data["phone_model"],
                received_on=data["received_on"],
                donor=donor,
                pledge=pledge,
                override_reason=data["override_reason"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận khoản ủng hộ số %(id)s.") % {"id": donation.pk})
            return redirect("fundraising:donations", code=code)
    return render(request, "fundraising/in_kind.html", _context(request, programme, form=form))


@login_required
@not_found_as_404
def donors(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    if request.method == "POST":
        if not scope.can_manage_fundraising(request.user, programme):
            raise Http404
        donor = selectors.donor_get(actor=request.user, programme=programme, donor_id=int(request.POST.get("donor", 0)))
        services.donor_set_consent(actor=request.user, donor=donor, publish_name=request.POST.get("publish") == "1")
        messages.success(request, _("Đã lưu ý kiến công khai tên của %(name)s.") % {"name": donor.name})
        return redirect("fundraising:donors", code=code)
    page = Paginator(selectors.donor_list(actor=request.user, programme=programme), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "fundraising/donors.html",
        _context(request, programme, page=page, show_contacts=scope.can_see_personal_data(request.user)),
    )


@login_required
@require_POST
@not_found_as_404
def donation_reverse(request: HttpRequest, code: str, donation_id: int) -> HttpResponse:
    programme = _programme(request, code)
    donation = selectors.donation_get(actor=request.user, programme=programme, donation_id=donation_id)
    _with_reason(
        request,
        lambda reason: services.donation_reverse(actor=request.user, donation=donation, reason=reason),
        _("Đã hủy ghi nhận khoản %(id)s (bút toán đảo).") % {"id": donation.pk},
    )
    return redirect("fundraising:donations", code=code)


@login_required
@not_found_as_404
def receipt_pdf(request: HttpRequest, code: str, donation_id: int) -> HttpResponse:
    """GET shows a receipt already issued; only a POST (the button on the list) numbers one, so that a link opened
    by a crawler, a preview or a double tap never takes the next number."""
    programme = _programme(request, code)
    donation = selectors.donation_get(actor=request.user, programme=programme, donation_id=donation_id)
    if request.method == "POST":
        try:
            services.receipt_issue(actor=request.user, donation=donation)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("fundraising:donations", code=code)
        return redirect("fundraising:receipt", code=code, donation_id=donation.pk)
    receipt = selectors.receipt_of(actor=request.user, donation=donation)
    if receipt is None:
        messages.error(request, _("Khoản này chưa có giấy chứng nhận: bấm “Cấp giấy chứng nhận” trong danh sách."))
        return redirect("fundraising:donations", code=code)
    return file_response(receipts.render(receipt), PDF, receipt.file_name, inline=True, private=True)


@login_required
@not_found_as_404
def statement_upload(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    form = StatementForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        if not scope.can_manage_fundraising(request.user, programme):
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                done = statements.statement_submit(
                    actor=request.user,
                    programme=programme,
                    data=upload.read(),
                    filename=upload.name,
                    mapping=form.mapping(),
                )
                if isinstance(done, BackgroundJob):
                    messages.success(request, _("Tệp lớn: đang nhập trong nền (%(label)s).") % {"label": done.label})
                    return redirect("tasks")
                result = done
            except DomainError as exc:
                form_error(form, exc)
            except forms.ValidationError as exc:  # an incomplete hand-made column mapping
                form.add_error(None, exc)
    imports = selectors.statement_import_list(actor=request.user, programme=programme)[:20]
    return render(
        request,
        "fundraising/statements.html",
        _context(
            request,
            programme,
            form=form,
            result=result,
            imports=imports,
        ),
    )
