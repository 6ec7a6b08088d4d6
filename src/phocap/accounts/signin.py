"""Signing in safely: throttling (django-axes: per account and per address, a Vietnamese 429 page), every sign-in
and failure in the audit trail, a second factor (django-otp TOTP) that managers, fundraising officers and
administrators must enrol and use, and a password each user can change.

`PHOCAP_SECOND_FACTOR` is "required" (the default) or "off" (the demo's server only: its visitors have no
authenticator app set up for the demo accounts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from phocap.accounts import scope
from phocap.accounts.models import Role
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errorpages import is_api, problem_response

SECOND_FACTOR_ROLES = (Role.PROGRAMME_MANAGER, Role.FUNDRAISING_OFFICER)
# reachable before the second factor: signing in and out, the factor's own pages, the language switch, public pages
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/cong-khai/", "/favicon")


def needs_second_factor(user: Any) -> bool:
    if settings.PHOCAP_SECOND_FACTOR != "required" or not getattr(user, "is_authenticated", False):
        return False
    return scope.is_system_admin(user) or any(m.role in SECOND_FACTOR_ROLES for m in scope.memberships(user))


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return wanted if wanted and ok else fallback


class SecondFactorMiddleware:
    """After `django_otp.middleware.OTPMiddleware`: a user who must use a second factor and has not in this
    session is sent to enrol (no device yet) or to type the code; an API call on such a session is refused
    (bearer tokens are not sessions and are not affected)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or request.path.startswith(OPEN_PREFIXES) or not needs_second_factor(user):
            return self.get_response(request)
        if user.is_verified():
            return self.get_response(request)
        if is_api(request):
            if "HTTP_AUTHORIZATION" in request.META:
                return self.get_response(request)
            return problem_response(
                status=403,
                code="second_factor_required",
                title="Tài khoản này cần mã xác thực hai lớp: đăng nhập lại trên trang web và nhập mã.",
            )
        from django_otp import devices_for_user  # django-otp's models load with the apps, after this module

        page = "second_factor" if any(devices_for_user(user, confirmed=True)) else "second_factor_enrol"
        return redirect(f"{reverse(page)}?next={request.get_full_path()}")


def client_address(request: HttpRequest) -> str:
    """The address a sign-in came from, for per-address throttling (AXES_CLIENT_IP_CALLABLE). Behind
    `PHOCAP_PROXY_COUNT` reverse proxies, the client is that many entries from the right of X-Forwarded-For
    (entries further left were written by the client itself and prove nothing); with none, the peer address."""
    proxies = settings.PHOCAP_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer once an account or an address has failed too often (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = (
        f"Đăng nhập sai quá nhiều lần. Tài khoản hoặc địa chỉ này tạm bị khóa {minutes} phút; hãy thử lại sau, "
        "hoặc nhờ quản trị hệ thống mở khóa."
    )
    if is_api(request):
        return problem_response(status=429, code="locked_out", title=message)
    html = render_to_string("status.html", {"title": "Tạm khóa đăng nhập", "message": message}, request=request)
    return HttpResponse(html, status=429, headers={"Retry-After": str(minutes * 60)})


def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action=Action.LOGIN, obj=user)


def _failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    """The name typed is kept (to see an attack on one account); the password never is."""
    typed = str(credentials.get("username", ""))[:150]
    audit.record(actor=None, action=Action.LOGIN_FAILED, obj=None, extra={"username": typed})


def _locked(sender: Any, request: HttpRequest, username: str = "", ip_address: str = "", **kwargs: Any) -> None:
    extra = {"username": str(username or "")[:150], "ip_address": str(ip_address or "")}
    audit.record(actor=None, action=Action.LOGIN_LOCKED, obj=None, extra=extra)


def connect() -> None:
    from axes.signals import user_locked_out  # django-axes' signals need the app registry

    user_logged_in.connect(_signed_in, dispatch_uid="phocap.accounts.signin.logged_in")
    user_login_failed.connect(_failed, dispatch_uid="phocap.accounts.signin.login_failed")
    user_locked_out.connect(_locked, dispatch_uid="phocap.accounts.signin.locked_out")
