"""API shapes of the shared kernel's own rows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StringConstraints

MAX_ROW_ID = 2**63 - 1  # the databases' integer range: a larger id is a 422, never an overflow in a query
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]  # an id sent in a body or a filter


class JobOut(Schema):
    """A background job: what `GET /api/v1/jobs/{id}` answers, and what an endpoint that starts one returns (202)."""

    job_id: int
    kind: str
    label: str
    status: str
    progress_done: int
    progress_total: int
    message: str
    result: dict[str, Any]
    created_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    retry_of: int | None

    @staticmethod
    def resolve_retry_of(obj: Any) -> int | None:
        return int(obj.retry_of_id) if obj.retry_of_id else None

    @staticmethod
    def resolve_job_id(obj: Any) -> int:
        return int(obj.pk)


# an amount of đồng as a number, or as people type it ("5.000.000", "5 triệu", "2,5tr": `core.amounts`)
TypedAmount = Annotated[
    int | Annotated[str, StringConstraints(max_length=60)],
    Field(description="đồng: 5000000, or as typed — 5.000.000, 5 triệu, 2,5tr", union_mode="left_to_right"),
]


class PeriodIn(Schema):
    """A period given as `?from=YYYY-MM-DD&to=YYYY-MM-DD` (either left out: the programme's default)."""

    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
