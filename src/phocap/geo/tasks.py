from typing import Any

from django.tasks import task

from phocap.core.jobs import job_actor, job_run
from phocap.geo.services import geo_load


@task()
def geo_load_task(*, job_id: int, province: str | None = None, legacy: bool = False, load_all: bool = False) -> Any:
    """Load administrative units in the background (the whole country takes a while)."""
    actor = job_actor(job_id)
    return job_run(
        job_id,
        lambda progress: {
            "summaries": [
                s.as_dict()
                for s in geo_load(actor=actor, province=province, legacy=legacy, load_all=load_all, progress=progress)
            ]
        },
    )
