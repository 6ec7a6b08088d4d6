"""The API's one pagination: limit/offset as django-ninja does it, with both numbers bounded so that no value a
client can type reaches the database as an overflow (`?offset=18446744073709551615` is a 422, not a 500)."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 2**31 - 1  # no list is this long; far below every database's integer range


class BoundedPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
