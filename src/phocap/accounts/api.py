"""API of the task list: a background job the caller may see (their own; a manager's programme's)."""

from __future__ import annotations

from typing import Any

from ninja import Router

from phocap.accounts import selectors
from phocap.core.errors import NotFound
from phocap.core.schemas import JobOut
from phocap.core.web import AuthedRequest

router = Router(tags=["jobs"])


@router.get("/jobs/{job_id}", response=JobOut, summary="A background job: status, progress, result")
def job(request: AuthedRequest, job_id: int) -> Any:
    found = selectors.job_get(actor=request.auth, job_id=job_id)
    if found is None:
        raise NotFound("Không tìm thấy tác vụ.")
    return found
