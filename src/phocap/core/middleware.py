from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from phocap.core.context import channel


class ChannelMiddleware:
    """Marks work done while serving a request as coming from the web (or the API, under /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with channel("api" if request.path.startswith("/api/") else "web"):
            return self.get_response(request)
