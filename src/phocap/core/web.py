"""Helpers for thin views: turn domain errors into form errors or 404 pages."""

from __future__ import annotations

from django import forms
from django.http import Http404

from phocap.core.errors import DomainError, NotFound


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def or_404(exc: NotFound) -> Http404:
    return Http404(exc.message)
