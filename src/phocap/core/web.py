"""Helpers for thin views: turn domain errors into form errors or 404 pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from phocap.core.errors import DomainError, NotFound, TooLarge
from phocap.core.uploads import check_size


class AuthedRequest(HttpRequest):
    """What an API view receives: `auth` is the user the session or token authenticated (None on public
    endpoints). (The authentication itself is `accounts.auth`.)"""

    auth: Any


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_response(
    data: bytes | str, content_type: str, filename: str, *, inline: bool = False, private: bool = False
) -> HttpResponse:
    """A file handed to the browser: shown in it (`inline`: a PDF, a picture) or downloaded; `private`: holds
    personal data, never kept by a cache."""
    response = HttpResponse(data, content_type=content_type)
    # a name in Vietnamese (the officer's own file's) goes as RFC 6266 filename*, with an ASCII fallback
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


class UploadField(forms.FileField):
    """A file field that holds the upload limit (`core.uploads.check_size`): the form says it, in Vietnamese."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload is not None:
            try:
                check_size(upload.size or 0, upload.name or "")
            except TooLarge as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def or_404(exc: NotFound) -> Http404:
    return Http404(exc.message)


def not_found_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A selector's NotFound (which is also what out-of-scope looks like) becomes the 404 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper
