from typing import Any

from django.tasks import task

from phocap.core.jobs import job_actor, job_run
from phocap.core.models import BackgroundJob
from phocap.programmes.models import Programme
from phocap.registry.dedup import dedup_run


@task()
def dedup_task(*, job_id: int, code: str) -> Any:
    """Matching a whole programme's registry takes a while on a big one: run it in the background."""
    actor = job_actor(job_id)

    def body(progress: Any) -> dict[str, Any]:
        programme = Programme.objects.get(code=code)
        progress(0, 1, "Đang so khớp…")
        result = dedup_run(actor=actor, programme=programme)
        progress(1, 1, f"{len(result.pairs)} cặp")
        data = result.as_dict()
        return {"residents": data["residents"], "pairs": len(data["pairs"])}

    return job_run(job_id, body)


@task()
def import_task(
    *,
    job_id: int,
    programme: str,
    token: str,
    commune: str = "",
    smartphone_status: str = "",
    mapping: dict[str, str] | None = None,
) -> Any:
    """A large commune list written by the worker, with the rights of the user who started it."""
    from phocap.registry.importing.kept import import_kept  # the service module imports this task to start it

    actor = job_actor(job_id)

    def body(progress: Any) -> dict[str, Any]:
        report = import_kept(
            actor=actor,
            programme=Programme.objects.get(code=programme),
            token=token,
            commune_code=commune or None,
            smartphone_status=smartphone_status or None,
            mapping=mapping or None,
            progress=progress,
        )
        assert not isinstance(report, BackgroundJob)
        return report.as_dict()

    return job_run(job_id, body)
