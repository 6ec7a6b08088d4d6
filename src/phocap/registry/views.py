"""Registry web pages: the resident list (numbers masked), and the import in two steps — check, then
confirm — with a workbook of the rows' problems to download."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.core.errors import DomainError, PermissionDenied
from phocap.core.models import BackgroundJob
from phocap.core.web import XLSX, add_domain_error, file_response, not_found_as_404
from phocap.programmes import selectors as programmes
from phocap.registry import consents, dedup, importing, search, selectors, services
from phocap.registry.exports import export_residents
from phocap.registry.forms import BulkConsentForm, ConsentForm, CorrectForm, EraseForm, ImportForm
from phocap.registry.importing import kept
from phocap.registry.models import ColumnMapping, PriorityFlag, Resident
from phocap.registry.normalize import ethnic_name


@login_required
@not_found_as_404
def residents(request: HttpRequest, code: str) -> HttpResponse:
    """The resident list an officer works in: search (name with or without diacritics, identity number, phone),
    filters, Vietnamese order, and consent recorded or withdrawn for the ticked people or all that match."""
    programme = programmes.programme_get(actor=request.user, code=code)
    source = request.POST if request.method == "POST" else request.GET
    try:
        filters = search.ResidentFilter.of(source)
    except DomainError as exc:
        messages.error(request, exc.message)
        filters = search.ResidentFilter()
    bulk = BulkConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST":
        _bulk(request, programme, filters, bulk)
        query = urlencode(filters.params())
        return redirect(f"{reverse('registry:residents', args=[code])}{'?' + query if query else ''}")
    if request.GET.get("xuat") in ("csv", "xlsx"):
        fmt = request.GET["xuat"]
        try:
            data = export_residents(actor=request.user, programme=programme, fmt=fmt, filters=filters)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        kind = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
        return file_response(data, kind, f"danh-sach-nguoi-dan.{fmt}", private=True)
    found = search.with_consent(
        search.residents(actor=request.user, programme=programme, filters=filters).select_related("commune__unit")
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    communes = programmes.commune_list(actor=request.user, programme=programme)
    writable = any(scope.can_write_residents(request.user, c) for c in communes)
    context = {
        "programme": programme,
        "page": page,
        "filters": filters,
        "query": urlencode(filters.params()),
        "communes": [c for c in communes if scope.can_see_people(request.user, c)],
        "villages": search.villages(actor=request.user, programme=programme, commune=filters.commune),
        "smartphone_choices": Resident.Smartphone.choices,
        "consent_choices": list(search.CONSENT_STATES.items()),
        "priority_choices": PriorityFlag.Kind.choices,
        "status_choices": [(k, label) for k, (label, _q) in search.STATUSES.items()],
        "bulk": bulk,
        "writable": writable,
    }
    return render(request, "registry/residents.html", context)


def _bulk(request: HttpRequest, programme: Any, filters: search.ResidentFilter, form: BulkConsentForm) -> None:
    """The list's bulk action: the ticked people (`r`), or everyone matching the filter (`all`)."""
    if not form.is_valid():
        messages.error(request, _("Cần ngày thu phiếu đồng ý và hình thức."))
        return
    every = request.POST.get("all") == "1"
    ids = None if every else [int(v) for v in request.POST.getlist("r") if v.isdigit()]
    if not every and not ids:
        messages.error(request, _("Chưa chọn người nào."))
        return
    try:
        if request.POST.get("action") == "withdraw":
            done = consents.consent_withdraw_bulk(
                actor=request.user,
                programme=programme,
                on=form.cleaned_data["given_on"],
                filters=filters if every else None,
                ids=ids,
            )
            messages.success(request, _("Đã rút lại sự đồng ý của %(n)s người.") % {"n": done["withdrawn"]})
            return
        result = consents.consent_bulk(
            actor=request.user,
            programme=programme,
            given_on=form.cleaned_data["given_on"],
            method=form.cleaned_data["method"],
            filters=filters if every else None,
            ids=ids,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return
    messages.success(
        request,
        _("Đã ghi nhận %(r)s người đồng ý; %(a)s người đã có từ trước; %(f)s người đã từ chối (giữ nguyên).")
        % {"r": result["recorded"], "a": result["already"], "f": result["refused"]},
    )
    if result["not_found"]:
        messages.warning(
            request, _("%(n)s người không tìm thấy hoặc bạn không được ghi.") % {"n": len(result["not_found"])}
        )


def _check(
    request: HttpRequest,
    context: dict[str, Any],
    *,
    token: str,
    commune: str,
    smartphone_status: str,
    form: ImportForm,
) -> None:
    """Dry-run the kept file into the page: the report, or — when no header is recognised — the likely header
    row's cells for the officer to say what they mean."""
    programme = context["programme"]
    context.update(token=token, commune=commune, smartphone_status=smartphone_status)
    try:
        report = kept.import_kept(
            actor=request.user,
            programme=programme,
            token=token,
            commune_code=commune or None,
            smartphone_status=smartphone_status or None,
            dry_run=True,
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        if exc.code == "header_not_found":
            context["to_map"] = kept.kept_header_cells(actor=request.user, programme=programme, token=token)
    else:
        assert isinstance(report, importing.ImportReport)
        context.update(report=report, to_map=report.unrecognised)
    context["field_choices"] = ColumnMapping.FIELDS


def _confirm(request: HttpRequest, programme: Any, context: dict[str, Any]) -> HttpResponse | None:
    """Step 2: the checked file is written — now, or by the worker when it is large — or, refused, the officer
    starts again."""
    try:
        report = kept.import_kept(
            actor=request.user,
            programme=programme,
            token=request.POST["confirm"],
            commune_code=request.POST.get("commune") or None,
            smartphone_status=request.POST.get("smartphone_status") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("registry:import", code=programme.code)
    if isinstance(report, BackgroundJob):
        messages.success(request, _("Tệp lớn: đang ghi trong nền (%(label)s).") % {"label": report.label})
        return redirect("tasks")
    messages.success(
        request,
        _("Đã ghi: %(c)s người mới, %(u)s cập nhật, %(d)s trùng, %(r)s bị loại.")
        % {"c": report.created, "u": report.updated, "d": report.duplicates, "r": report.rejected},
    )
    context.update(report=report, done=True, token=request.POST["confirm"])
    context.update(commune=request.POST.get("commune", ""), smartphone_status=request.POST.get("smartphone_status", ""))
    return None


def _recheck(request: HttpRequest, programme: Any, communes: list[Any], context: dict[str, Any]) -> None:
    """The officer said what unknown columns mean: remember it for the commune, then check the file again."""
    commune_code = request.POST.get("commune", "")
    commune = next((c for c in communes if c.unit.code == commune_code), None)
    mapping = {
        request.POST.get(f"h{i}", ""): request.POST.get(f"f{i}", "")
        for i in range(min(100, int(request.POST.get("n", "0") or 0)))
    }
    try:
        saved = importing.column_mapping_save(actor=request.user, programme=programme, commune=commune, mapping=mapping)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if saved:
            messages.success(request, _("Đã lưu cách đọc %(n)s cột cho các lần nhập sau.") % {"n": saved})
    form = ImportForm(None, communes=[(c.unit.code, c.unit.name) for c in communes])
    context["form"] = form
    status = request.POST.get("smartphone_status", "")
    _check(request, context, token=request.POST["recheck"], commune=commune_code, smartphone_status=status, form=form)


@login_required
@not_found_as_404
def import_file(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1 keeps the file and shows what would happen; step 2 writes it (`confirm`); in between the officer
    may say what unknown columns mean (`recheck`)."""
    programme = programmes.programme_get(actor=request.user, code=code)
    communes = [
        c
        for c in programmes.commune_list(actor=request.user, programme=programme)
        if scope.can_write_residents(request.user, c)
    ]
    if not communes:
        raise Http404
    choices = [(c.unit.code, c.unit.name) for c in communes]
    step = request.POST.get("confirm") or request.POST.get("recheck")  # steps 2 and 3 carry no file to validate
    initial = {"commune": choices[0][0]} if len(choices) == 1 else {}  # an officer's only commune, chosen
    form = ImportForm(None if step else request.POST or None, request.FILES or None, communes=choices, initial=initial)
    context: dict[str, Any] = {"programme": programme, "form": form}
    if request.method == "POST" and request.POST.get("confirm"):
        if (response := _confirm(request, programme, context)) is not None:
            return response
    elif request.method == "POST" and request.POST.get("recheck"):
        _recheck(request, programme, communes, context)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        token = kept.import_keep(
            actor=request.user,
            programme=programme,
            data=upload.read(),
            filename=upload.name,
            commune_code=data["commune"],
        )
        _check(
            request,
            context,
            token=token,
            commune=data["commune"],
            smartphone_status=data["smartphone_status"],
            form=form,
        )
    return render(request, "registry/import.html", context)


@login_required
@not_found_as_404
def problems_workbook(request: HttpRequest, code: str, token: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    workbook = kept.problems_workbook(
        actor=request.user,
        programme=programme,
        token=token,
        commune_code=request.GET.get("xa") or None,
        smartphone_status=request.GET.get("dt") or None,
    )
    return file_response(
        workbook, XLSX, kept.workbook_filename(actor=request.user, programme=programme, token=token), private=True
    )


@login_required
def template(request: HttpRequest, code: str) -> HttpResponse:
    return file_response(importing.template_xlsx(), XLSX, "mau-danh-sach.xlsx")


@login_required
@not_found_as_404
def duplicates(request: HttpRequest, code: str) -> HttpResponse:
    """The review queue: pairs the matching found, side by side, each decided in one tap; decided pairs below
    with an undo; numbers another commune also listed; the manager starts a new matching run."""
    programme = programmes.programme_get(actor=request.user, code=code)
    if request.method == "POST":
        try:
            if request.POST.get("run"):
                job = dedup.dedup_start(actor=request.user, programme=programme)
                messages.success(request, _("Đã bắt đầu tìm người trùng (việc số %(n)s).") % {"n": job.pk})
                return redirect("tasks")
            pair_id = int(request.POST.get("pair", "0") or 0)
            if request.POST.get("decision") == "reopen":
                dedup.pair_reopen(actor=request.user, programme=programme, pair_id=pair_id)
                messages.success(request, _("Đã hủy quyết định; cặp này trở lại danh sách chờ."))
            else:
                pair = dedup.pair_decide(
                    actor=request.user,
                    programme=programme,
                    pair_id=pair_id,
                    decision=request.POST.get("decision", ""),
                )
                messages.success(
                    request,
                    _("Đã gộp hai bản ghi thành một người.")
                    if pair.decision == "same"
                    else _("Đã ghi nhận: hai người khác nhau."),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("registry:duplicates", code=code)
    queue = dedup.pair_queue(actor=request.user, programme=programme)
    context = {
        "programme": programme,
        "page": Paginator(queue, 20).get_page(request.GET.get("page")),
        "decided": dedup.pair_queue(actor=request.user, programme=programme, decided=True)[:50],
        "elsewhere": dedup.listed_elsewhere(actor=request.user, programme=programme)[:100],
        "can_run": scope.can_manage_programme(request.user, programme),
        "quality": dedup.quality(actor=request.user, programme=programme),
    }
    return render(request, "registry/duplicates.html", context)


@login_required
@not_found_as_404
def resident(request: HttpRequest, code: str, resident_id: int) -> HttpResponse:
    """One person: correct their data (audited), record or withdraw consent, give them their data, erase it."""
    programme = programmes.programme_get(actor=request.user, code=code)
    person = selectors.resident_get(actor=request.user, programme=programme, resident_id=resident_id)
    writable = scope.can_write_residents(request.user, person.commune)
    sensitive = scope.can_see_sensitive(request.user, person.commune)
    initial = {
        "full_name": person.full_name,
        "birth": person.birth_date.strftime("%d/%m/%Y") if person.birth_date else str(person.birth_year),
        "sex": {"M": "Nam", "F": "Nữ"}.get(person.sex, ""),
        "ethnicity": ethnic_name(person.ethnicity_code),
        "village": person.village,
        "phone": person.phone,
        "smartphone_status": person.smartphone_status,
        "notes": person.notes,
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = CorrectForm(request.POST if action == "correct" else None, initial=initial, sensitive=sensitive)
    consent_form = ConsentForm(request.POST if action == "consent" else None)
    erase_form = EraseForm(request.POST if action == "erase" else None)
    if action and not writable:
        raise Http404
    try:
        if action == "correct" and form.is_valid():
            changed = {k: str(v) for k, v in form.cleaned_data.items() if k == "id_number" or str(v) != initial.get(k)}
            services.resident_correct(actor=request.user, resident=person, values=changed)
            messages.success(request, _("Đã lưu sửa đổi."))
            return redirect("registry:resident", code=code, resident_id=person.pk)
        if action == "consent" and consent_form.is_valid():
            services.consent_record(actor=request.user, resident=person, **consent_form.cleaned_data)
            messages.success(request, _("Đã ghi nhận sự đồng ý."))
            return redirect("registry:resident", code=code, resident_id=person.pk)
        if action == "withdraw":
            consent = person.consents.filter(pk=int(request.POST.get("consent", "0") or 0)).first()
            if consent is None:
                raise Http404
            services.consent_withdraw(actor=request.user, consent=consent)
            messages.success(request, _("Đã ghi nhận việc rút lại sự đồng ý."))
            return redirect("registry:resident", code=code, resident_id=person.pk)
        if action == "export":
            data = json.dumps(services.resident_data(actor=request.user, resident=person), ensure_ascii=False, indent=2)
            name = f"du-lieu-ca-nhan-{person.pk}.json"
            return file_response(data, "application/json; charset=utf-8", name, private=True)
        if action == "erase" and erase_form.is_valid():
            services.resident_erase(actor=request.user, resident=person, reason=erase_form.cleaned_data["reason"])
            messages.success(request, _("Đã xóa dữ liệu cá nhân; số liệu của chương trình được giữ nguyên."))
            return redirect("registry:residents", code=code)
    except DomainError as exc:
        add_domain_error(form if action == "correct" else consent_form if action == "consent" else erase_form, exc)
    context = {
        "programme": programme,
        "person": person,
        "form": form,
        "consent_form": consent_form,
        "erase_form": erase_form,
        "writable": writable,
        "sensitive": sensitive,
        "flags": person.priority_flags.all() if sensitive else [],
        "consents": person.consents.select_related("import_batch").order_by("-given_on", "-pk"),
    }
    return render(request, "registry/resident.html", context)
