"""Domain errors. Every interface turns them into its own shape: a form error, a problem document
(RFC 9457) with a stable code, or a one-line message on stderr with a non-zero exit code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, data: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.data = data or {}  # what the caller needs to answer it (a problem document carries it)
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    """Also used for objects outside the actor's scope: they do not exist for that actor."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    """A file or a request body over the upload limit (`PHOCAP_MAX_UPLOAD_MB`)."""

    status = 413
    code = "too_large"
