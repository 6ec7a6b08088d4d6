from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from phocap.core.context import channel
from phocap.core.errorpages import is_api, problem_response
from phocap.core.errors import TooLarge
from phocap.core.uploads import check_size

FORM_OVERHEAD = 1024 * 1024  # the other fields and the multipart boundaries around the one file


class BodyLimitMiddleware:
    """Refuses a request body over the upload limit before anything reads it: Django reads no more than the
    declared Content-Length, so the declaration is all there is to check. 413, a problem document under /api/,
    a Vietnamese page elsewhere. (The file itself is checked again wherever it is read: `core.uploads`.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        try:
            check_size(max(declared - FORM_OVERHEAD, 0))
        except TooLarge as exc:
            return _too_large(request, exc)
        return self.get_response(request)


def _too_large(request: HttpRequest, exc: TooLarge) -> HttpResponse:
    if is_api(request):
        return problem_response(status=413, code=exc.code, title=exc.message)
    page = render_to_string("413.html", {"message": exc.message})
    return HttpResponse(page, status=413)


class ChannelMiddleware:
    """Marks work done while serving a request as coming from the web (or the API, under /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with channel("api" if request.path.startswith("/api/") else "web"):
            return self.get_response(request)


class VietnameseFirstLocaleMiddleware:
    """Vietnamese unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a commune officer with an
    English-language phone would get English without asking for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PermissionsPolicyMiddleware:
    """The `Permissions-Policy` header (Django has none of its own): settings.PERMISSIONS_POLICY."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
