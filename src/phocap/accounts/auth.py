"""API authentication: a partner's bearer token or the browser's session. Both yield a user, and that user's
scope applies to every endpoint.

A request that carries `Authorization` is judged by it alone: a valid token acts as its user and needs no CSRF
token (a cross-site page cannot set that header, so there is nothing to forge); a wrong one is 401, never
quietly replaced by a session cookie the same machine happens to hold. A request without it is a browser's:
its session must be active, and an unsafe method must carry the CSRF token — always, checked here rather than
left to the order of the authenticators (ninja's `SessionAuth` checks CSRF before it looks for a session, so
a refusal there stopped the token from ever being tried)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from phocap.accounts.services import api_token_authenticate
from phocap.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API do quản trị hệ thống cấp (`phocap token create`)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return api_token_authenticate(token)


class ActiveSessionAuth(AuthBase):
    """The signed-in browser: an active user's session, with Django's CSRF check on unsafe methods."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if "authorization" in request.headers:
            return None  # the caller chose its credentials: TokenAuth has judged them
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise PermissionDenied(
                "Thiếu hoặc sai mã chống giả mạo (CSRF): hãy tải lại trang rồi gửi lại.", code="csrf_failed"
            )
        return user


API_AUTH = [TokenAuth(), ActiveSessionAuth()]
