"""The allocation round as people see it: the policy in plain Vietnamese and the seed, each commune's share, the
ranked list with a reason per person; the commune excludes with a reason, the manager proposes and another
manager approves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phocap.accounts import scope
from phocap.allocation import selectors, services
from phocap.allocation.models import Round
from phocap.core.errors import DomainError
from phocap.core.web import not_found_as_404
from phocap.programmes import selectors as programmes
from phocap.programmes.models import Programme


def _act(request: HttpRequest, programme: Programme, round_: Round | None) -> None:
    """One of the page's forms: propose a round, approve it, change the policy, exclude a person, record an
    exception for someone who received a phone from another programme."""
    action = request.POST.get("action", "")
    if action == "propose":
        made = services.round_propose(actor=request.user, programme=programme, seed=request.POST.get("seed"))
        messages.success(request, _("Đã lập đợt phân bổ #%(n)s; chờ người khác duyệt.") % {"n": made.pk})
    elif action == "approve" and round_ is not None:
        services.round_approve(actor=request.user, round_=round_)
        messages.success(request, _("Đã duyệt; mỗi người được chọn đã có máy giữ riêng."))
    elif action == "policy":
        order = [int(x) for x in request.POST.get("order", "").replace(" ", "").split(",") if x]
        policy = services.policy_update(
            actor=request.user,
            programme=programme,
            order=order,
            one_per_household=request.POST.get("one_per_household") == "1",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Đã lưu chính sách phiên bản %(v)s.") % {"v": policy.version})
    elif action == "exclude" and round_ is not None:
        services.exclude_resident(
            actor=request.user,
            round_=round_,
            resident_id=int(request.POST.get("resident", "0") or 0),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Đã loại khỏi danh sách và xếp lại thứ tự."))
    elif action == "cancel" and round_ is not None:
        services.round_cancel(actor=request.user, round_=round_, reason=request.POST.get("reason", ""))
        messages.success(request, _("Đã hủy đợt #%(n)s; có thể lập đợt mới.") % {"n": round_.pk})
    elif action == "prior_phone":
        services.prior_phone_exception(
            actor=request.user,
            programme=programme,
            resident_id=int(request.POST.get("resident", "0") or 0),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Đã ghi ngoại lệ: người này được xét phân bổ lại."))


@login_required
@not_found_as_404
def rounds(request: HttpRequest, code: str) -> HttpResponse:
    programme = programmes.programme_get(actor=request.user, code=code)
    visible = list(programmes.commune_list(actor=request.user, programme=programme))
    communes = [c for c in visible if scope.can_write_commune(request.user, c)]
    manager = scope.can_manage_programme(request.user, programme)
    if not (manager or communes):
        raise Http404
    round_ = selectors.round_latest(programme)
    if request.method == "POST":
        try:
            _act(request, programme, round_)
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("Thứ tự nhóm viết như 1,2,3,4,5,6."))
        return redirect("allocation:rounds", code=code)
    commune_code = request.GET.get("xa") or (communes[0].unit.code if len(communes) == 1 else "")
    commune = next((c for c in communes if c.unit.code == commune_code), None)
    current = selectors.policy_current(programme)
    context = {
        "programme": programme,
        "round": round_,
        "policy": round_.policy if round_ else current,
        "current_policy": current,
        "shares": selectors.round_shares(round_),
        "listing": selectors.placements(actor=request.user, round_=round_, commune=commune)[:500],
        "commune_code": commune_code,
        "communes": communes,
        "manager": manager,
        "can_exclude": round_ is not None and round_.status == Round.Status.PROPOSED,
        "preview": selectors.round_preview(actor=request.user, programme=programme) if manager else None,
        "elsewhere": selectors.received_elsewhere_list(actor=request.user, programme=programme)[:200]
        if manager
        else [],
    }
    return render(request, "allocation/rounds.html", context)
