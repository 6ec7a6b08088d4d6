"""API authentication: the browser's session (with CSRF) or a partner's bearer token. Both yield a user,
and that user's scope applies to every endpoint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from phocap.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API do quản trị hệ thống cấp (`phocap token create`)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return api_token_authenticate(token)


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [ActiveSessionAuth(), TokenAuth()]
