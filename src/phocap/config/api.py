"""The NinjaAPI at /api/v1/: mounts each app's router; errors are problem documents (RFC 9457)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from phocap.accounts.api import router as accounts_router
from phocap.accounts.auth import API_AUTH
from phocap.accounts.team_api import router as team_router
from phocap.allocation.api import router as allocation_router
from phocap.complaints.api import public_router as complaints_public_router
from phocap.complaints.api import router as complaints_router
from phocap.core.errorpages import PROBLEM_JSON, PROBLEM_TYPE
from phocap.core.errors import DomainError
from phocap.devices.api import router as devices_router
from phocap.fundraising.api import public_router as fundraising_public_router
from phocap.fundraising.api import router as fundraising_router
from phocap.fundraising.api_receipts import router as receipts_router
from phocap.geo.api import router as geo_router
from phocap.handover.api import router as handover_router
from phocap.notifications.api import public_router as notifications_public_router
from phocap.notifications.api import router as notifications_router
from phocap.onboarding.api import router as onboarding_router
from phocap.programmes.api import router as programmes_router
from phocap.registry.api import router as registry_router
from phocap.reports.api import router as reports_router

api = NinjaAPI(
    title="phocap API",
    version="1",
    description=(
        "API của phocap: đơn vị hành chính, chương trình, xã/phường, tổ chức, phân công. "
        "Xác thực bằng phiên đăng nhập (trình duyệt) hoặc khóa API (Authorization: Bearer …). "
        "Mỗi khóa mang đúng phạm vi của người dùng sở hữu nó. Lỗi trả về dạng application/problem+json."
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/geo", geo_router)
api.add_router("/", programmes_router)
api.add_router("/", fundraising_router)
api.add_router("/", receipts_router)
api.add_router("/public", fundraising_public_router)
api.add_router("/", registry_router)
api.add_router("/", devices_router)
api.add_router("/", allocation_router)
api.add_router("/", handover_router)
api.add_router("/", onboarding_router)
api.add_router("/", complaints_router)
api.add_router("/public", complaints_public_router)
api.add_router("/", notifications_router)
api.add_router("/public", notifications_public_router)
api.add_router("/", reports_router)
api.add_router("/", accounts_router)
api.add_router("/", team_router)


def problem(
    request: HttpRequest, *, status: int, code: str, title: str, detail: str = "", **extra: Any
) -> HttpResponse:
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "code": code, **extra}
    if detail:
        body["detail"] = detail
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_JSON
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra = {"field": exc.field} if exc.field else {}
    extra.update(exc.data)
    return problem(request, status=exc.status, code=exc.code, title=exc.message, **extra)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        request,
        status=422,
        code="validation_failed",
        title="Dữ liệu gửi lên không hợp lệ.",
        errors=exc.errors,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, status=401, code="unauthenticated", title="Cần đăng nhập hoặc khóa API hợp lệ.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, status=404, code="not_found", title="Không tìm thấy.")
