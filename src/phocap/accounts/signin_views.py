"""The pages of `accounts.signin`: the second factor (enrol an authenticator app; type its code) and the password
change."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from phocap.accounts import services
from phocap.accounts.signin import safe_next


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Type the six digits the authenticator app shows."""
    error = ""
    if request.method == "POST":
        device = match_token(request.user, request.POST.get("code", "").replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(safe_next(request))
        error = _("Mã không đúng hoặc đã hết hạn; nhập mã đang hiện trên ứng dụng xác thực.")
    return render(request, "registration/second_factor.html", {"error": error, "next": safe_next(request)})


@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the code (or type the key), then type the six digits it shows."""
    device = services.second_factor_device(actor=request.user)
    error = ""
    if request.method == "POST":
        if services.second_factor_confirm(actor=request.user, device=device, code=request.POST.get("code", "")):
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai lớp."))
            return redirect(safe_next(request))
        error = _("Mã không đúng; kiểm tra giờ trên điện thoại rồi nhập mã mới.")
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1b2a3a")
    secret = _grouped(device)
    context = {"qr": qr, "secret": secret, "error": error, "next": safe_next(request)}
    return render(request, "registration/second_factor_enrol.html", context)


def _grouped(device: TOTPDevice) -> str:
    """The key as the app asks for it when typed by hand: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: object) -> HttpResponse:
        response = super().form_valid(form)  # type: ignore[arg-type]
        services.password_changed(actor=self.request.user)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response


password_change = login_required(PasswordChange.as_view())
