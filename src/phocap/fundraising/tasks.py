from pathlib import Path
from typing import Any

from django.tasks import task

from phocap.core.jobs import job_actor, job_run
from phocap.fundraising.statement_files import ColumnMap
from phocap.programmes.models import Programme


@task()
def statement_import_task(
    *, job_id: int, programme: str, path: str, filename: str, mapping: dict[str, Any] | None = None
) -> Any:
    """Import a stored statement file, reporting progress to the job's row; the user's rights apply."""
    from phocap.fundraising.statements import statement_import  # the service imports this task to start it

    actor = job_actor(job_id)

    def body(progress: Any) -> dict[str, Any]:
        result = statement_import(
            actor=actor,
            programme=Programme.objects.get(code=programme),
            data=Path(path).read_bytes(),
            filename=filename,
            mapping=ColumnMap(**mapping) if mapping else None,
            progress=progress,
        )
        return result.as_dict()

    return job_run(job_id, body)
