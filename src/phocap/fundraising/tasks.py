from typing import Any

from django.tasks import task

from phocap.core import uploads
from phocap.core.jobs import job_actor, job_run
from phocap.fundraising.statement_files import ColumnMap
from phocap.programmes.models import Programme


@task()
def statement_import_task(
    *, job_id: int, programme: str, token: str, filename: str, mapping: dict[str, Any] | None = None
) -> Any:
    """Import a kept statement file, reporting progress to the job's row; the user's rights apply. Imported, the
    file is discarded; a failed import keeps it (until retention) for "Chạy lại"."""
    from phocap.fundraising.statements import statement_import  # the service imports this task to start it

    actor = job_actor(job_id)

    def body(progress: Any) -> dict[str, Any]:
        kept = uploads.kept(token, any_owner=True)
        result = statement_import(
            actor=actor,
            programme=Programme.objects.get(code=programme),
            data=uploads.read(kept),
            filename=filename,
            mapping=ColumnMap(**mapping) if mapping else None,
            progress=progress,
        )
        uploads.discard(kept)
        return result.as_dict()

    return job_run(job_id, body)
