"""Background jobs the user can watch: a `BackgroundJob` row per piece of long work, run by a
`django.tasks` task. Services start jobs with `job_start`; task bodies report with `job_progress`."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from phocap.core.actors import SYSTEM
from phocap.core.context import channel
from phocap.core.errors import Conflict
from phocap.core.models import BackgroundJob

if TYPE_CHECKING:
    from django.tasks import Task


log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


HEARTBEAT_SECONDS = 5.0
STALE_AFTER = dt.timedelta(minutes=3)  # 36 missed beats: the worker that ran it is gone
STALE_MESSAGE = (
    "Tác vụ bị gián đoạn: tiến trình xử lý đã dừng giữa chừng. Không có gì được ghi dở; bấm “Chạy lại” để làm lại."
)
STOPPED_MESSAGE = "Tác vụ bị dừng giữa chừng (tiến trình xử lý được tắt). Không có gì được ghi dở; bấm “Chạy lại”."


def job_start(
    *,
    actor: Any,
    task: Task[..., Any],
    kind: str,
    label: str,
    programme_code: str = "",
    retry_of: BackgroundJob | None = None,
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
        task_path=task.module_path,
        retry_of=retry_of,
    )

    def enqueue() -> None:
        result = task.enqueue(job_id=job.pk, **parameters)
        BackgroundJob.objects.filter(pk=job.pk, task_result_id="").update(task_result_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


def job_restart(*, actor: Any, job: BackgroundJob) -> BackgroundJob:
    """The same work again, as a new job (the failed one stays on the list, pointing at its retry). The caller
    checks who may; a job from before tasks were recorded, or whose task no longer exists, cannot be retried."""
    try:
        task = import_string(job.task_path) if job.task_path else None
    except ImportError:
        task = None
    if task is None:
        raise Conflict("Tác vụ này không chạy lại được; hãy làm lại thao tác từ đầu.", code="job_not_retryable")
    return job_start(
        actor=actor,
        task=task,
        kind=job.kind,
        label=job.label,
        programme_code=job.programme_code,
        retry_of=job,
        **job.parameters,
    )


def job_progress(job_id: int, done: int, total: int, message: str = "") -> None:
    BackgroundJob.objects.filter(pk=job_id).update(**_progress_values(done, total, message))


def _progress_values(done: int, total: int, message: str) -> dict[str, Any]:
    return {"progress_done": min(done, total) if total else done, "progress_total": total, "message": message[:500]}


class _Beat(threading.Thread):
    """The running job's pulse, on its own thread and so its own database connection: the heartbeat every few
    seconds and the latest progress as soon as it is reported — committed at once, whatever transaction the
    work itself is in. (On SQLite, while the work holds the write lock, a beat waits its turn; it never blocks
    the work.)"""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"job-{job_id}-beat", daemon=True)
        self.job_id = job_id
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.done = threading.Event()
        self.pending: dict[str, Any] | None = None

    def report(self, done: int, total: int, message: str) -> None:
        with self.lock:
            self.pending = _progress_values(done, total, message)
        self.wake.set()

    def run(self) -> None:
        try:
            while not self.done.is_set():
                self._write()
                self.wake.wait(HEARTBEAT_SECONDS)
                self.wake.clear()
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.done.set()
        self.wake.set()
        self.join(HEARTBEAT_SECONDS * 4)

    def _write(self) -> None:
        with self.lock:
            values, self.pending = self.pending, None
        try:
            BackgroundJob.objects.filter(pk=self.job_id, status=BackgroundJob.Status.RUNNING).update(
                heartbeat_at=timezone.now(), **(values or {})
            )
        except DatabaseError:  # the database busy or gone for a moment: the next beat tries again
            with self.lock:
                self.pending = self.pending or values


def job_run(job_id: int, body: Callable[[Progress], dict[str, Any]]) -> dict[str, Any]:
    """Run a job's body, keeping its row's status, heartbeat, progress and result up to date. Run by the worker
    (no transaction around it), progress and beats go through `_Beat`; run inline inside a caller's transaction
    (the immediate backend), progress is written inline."""
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    beat = None if transaction.get_connection().in_atomic_block else _Beat(job_id)
    if beat is not None:
        beat.start()

    def progress(done: int, total: int, message: str = "") -> None:
        if beat is not None:
            beat.report(done, total, message)
        else:
            job_progress(job_id, done, total, message)

    try:
        with channel("task"):
            result = body(progress)
    except BaseException as exc:  # SIGTERM (SystemExit) and Ctrl+C too: the row never stays "Đang chạy"
        if beat is not None:
            beat.stop()
        stopped = not isinstance(exc, Exception)
        log.exception("job %s %s", job_id, "stopped" if stopped else "failed")
        BackgroundJob.objects.filter(pk=job_id).update(
            status=BackgroundJob.Status.FAILED,
            finished_at=timezone.now(),
            message=STOPPED_MESSAGE if stopped else str(exc)[:500],
        )
        raise
    if beat is not None:
        beat.stop()
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.SUCCEEDED, finished_at=timezone.now(), result=result
    )
    return result


def jobs_mark_stale(now: dt.datetime | None = None) -> int:
    """Running jobs whose heartbeat stopped (their worker was killed) are failed, with the reason and the way
    out. Called when a worker starts and whenever the task list or a job is looked at."""
    limit = (now or timezone.now()) - STALE_AFTER
    stale = BackgroundJob.objects.filter(status=BackgroundJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    return stale.update(status=BackgroundJob.Status.FAILED, finished_at=timezone.now(), message=STALE_MESSAGE)


def job_actor(job_id: int) -> Any:
    """The user who started the job: the task acts with that user's rights, checked again by the service."""
    job = BackgroundJob.objects.select_related("actor").get(pk=job_id)
    return job.actor if job.actor is not None else SYSTEM
