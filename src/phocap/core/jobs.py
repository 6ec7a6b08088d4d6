"""Background jobs the user can watch: a `BackgroundJob` row per piece of long work, run by a
`django.tasks` task. Services start jobs with `job_start`; task bodies report with `job_progress`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from phocap.core.actors import SYSTEM
from phocap.core.context import channel
from phocap.core.models import BackgroundJob

if TYPE_CHECKING:
    from django.tasks import Task


log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


def job_start(
    *,
    actor: Any,
    task: Task[..., Any],
    kind: str,
    label: str,
    programme_code: str = "",
    **parameters: Any,
) -> BackgroundJob:
    """Record the job and enqueue its task once the surrounding transaction commits."""
    job = BackgroundJob.objects.create(
        kind=kind,
        label=label,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "system",
        programme_code=programme_code,
        parameters=parameters,
    )

    def enqueue() -> None:
        result = task.enqueue(job_id=job.pk, **parameters)
        BackgroundJob.objects.filter(pk=job.pk, task_result_id="").update(task_result_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


def job_progress(job_id: int, done: int, total: int, message: str = "") -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        progress_done=min(done, total) if total else done, progress_total=total, message=message[:500]
    )


def job_run(job_id: int, body: Callable[[Progress], dict[str, Any]]) -> dict[str, Any]:
    """Run a job's body, keeping its row's status, progress and result up to date."""
    BackgroundJob.objects.filter(pk=job_id).update(status=BackgroundJob.Status.RUNNING, started_at=timezone.now())
    try:

        def progress(done: int, total: int, message: str = "") -> None:
            job_progress(job_id, done, total, message)

        with channel("task"):
            result = body(progress)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        BackgroundJob.objects.filter(pk=job_id).update(
            status=BackgroundJob.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:500]
        )
        raise
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.SUCCEEDED, finished_at=timezone.now(), result=result
    )
    return result


def job_actor(job_id: int) -> Any:
    """The user who started the job: the task acts with that user's rights, checked again by the service."""
    job = BackgroundJob.objects.select_related("actor").get(pk=job_id)
    return job.actor if job.actor is not None else SYSTEM
