"""What a failed request gets back: under /api/ always a problem document (RFC 9457), whatever failed — a domain
error, Django's own 404 or 403, a method not allowed, an unhandled exception; elsewhere a page in Vietnamese.

`ApiProblemMiddleware` is the catch-all for the API: any answer ≥ 400 that is not already a problem document is
rewritten as one (so DEBUG's technical pages never reach an API client either). The handler views below are
Django's `handler400/403/404/500` for pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

PROBLEM_TYPE = "urn:phocap:problem:"
PROBLEM_JSON = "application/problem+json"

# status → (code, title) for answers that were not already problems
_STANDARD = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthenticated", "Cần đăng nhập hoặc khóa API hợp lệ."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức này không được hỗ trợ ở địa chỉ này."),
    413: ("too_large", "Yêu cầu quá lớn."),
    429: ("too_many_requests", "Quá nhiều yêu cầu; hãy đợi một lúc rồi thử lại."),
    500: ("server_error", "Lỗi máy chủ: thao tác chưa được thực hiện. Hãy thử lại sau."),
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def problem_response(*, status: int, code: str, title: str, detail: str = "", **extra: Any) -> HttpResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "code": code, **extra}
    if detail:
        body["detail"] = detail
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_JSON)


def standard_problem(status: int, detail: str = "") -> HttpResponse:
    code, title = _STANDARD.get(status, ("server_error" if status >= 500 else "bad_request", _STANDARD[500][1]))
    if status < 500 and status not in _STANDARD:
        title = _STANDARD[400][1]
    return problem_response(status=status, code=code, title=title, detail=detail)


def _detail_of(response: HttpResponse) -> str:
    """What an answer that was not a problem said, when it said it in JSON (`{"detail": …}`); never a page."""
    if not response.get("Content-Type", "").startswith("application/json") or getattr(response, "streaming", False):
        return ""
    try:
        said = json.loads(response.content)
    except ValueError:
        return ""
    return str(said.get("detail", ""))[:500] if isinstance(said, dict) else ""


class ApiProblemMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        problem = response.get("Content-Type", "").startswith(PROBLEM_JSON)
        if is_api(request) and response.status_code >= 400 and not problem:
            rewritten = standard_problem(response.status_code, _detail_of(response))
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    rewritten[header] = response[header]
            return rewritten
        return response


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if is_api(request):
        return standard_problem(status)
    html = render_to_string("status.html", {"title": title, "message": message})
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, _("Yêu cầu không hợp lệ"), _("Trang không hiểu yêu cầu này. Hãy quay lại và thử lại."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("Không có quyền"),
        _("Tài khoản của bạn không được xem hoặc làm việc này. Nếu cần, hãy hỏi quản lý chương trình."),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 404, _("Không tìm thấy trang"), _("Địa chỉ này không có, hoặc bạn không được xem nội dung ở đây.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("Lỗi máy chủ"),
        _("Đã có lỗi; thao tác chưa được thực hiện và lỗi đã được ghi lại. Hãy thử lại sau ít phút."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (a form kept open too long, or a page from elsewhere)."""
    if is_api(request):
        title = "Thiếu hoặc sai mã CSRF của phiên đăng nhập."
        return problem_response(status=403, code="csrf_failed", title=title)
    return _page(
        request,
        403,
        _("Biểu mẫu đã hết hạn"),
        _("Trang này đã mở quá lâu hoặc đến từ nơi khác. Hãy tải lại trang rồi gửi lại."),
    )
