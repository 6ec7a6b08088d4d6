"""API of the task list: a background job the caller may see (their own; a manager's programme's)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Status

from phocap.accounts import selectors, services
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


@router.post("/jobs/{job_id}/retry", response={202: JobOut}, summary="Run a failed job again (a new job)")
def job_retry(request: AuthedRequest, job_id: int) -> Any:
    return Status(202, services.job_retry(actor=request.auth, job_id=job_id))
