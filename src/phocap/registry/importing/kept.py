"""The import in two steps, over a kept file (`core.uploads`): the officer's file is kept encrypted under a random
token, checked (a dry run) as often as needed, then written — at once, or by the worker when it is larger than
`BACKGROUND_BYTES` (the same rule on the web, the API and the CLI) — and discarded. Only its uploader may use it,
and only while they may still write the commune's list; every download of its problems workbook is audited."""

from __future__ import annotations

from phocap.accounts import scope
from phocap.core import audit, uploads
from phocap.core.actions import Action
from phocap.core.errors import NotFound
from phocap.core.jobs import Progress, job_start
from phocap.core.models import BackgroundJob, KeptFile
from phocap.core.services import service
from phocap.core.spreadsheets import read_rows
from phocap.programmes.models import Programme
from phocap.registry.importing import ImportReport, check_readable, error_workbook, header_guess, run_import
from phocap.registry.importing.files import workbook_name
from phocap.registry.importing.write import WRITE_AUDITS

BACKGROUND_BYTES = 1024 * 1024  # a list larger than this (≈ 20,000 rows of XLSX) is written by the worker
PURPOSE = "registry.import"


def _own(actor: scope.Actor, programme: Programme, token: str) -> KeptFile:
    row = uploads.kept(token, actor=actor)
    if row.programme_code != programme.code:
        raise NotFound("Không tìm thấy tệp.")
    if row.commune_code:
        commune = programme.communes.filter(unit__code=row.commune_code).select_related("unit").first()
        if commune is None or not scope.can_write_residents(actor, commune):
            raise NotFound("Không tìm thấy tệp.")
    return row


def import_keep(*, actor: scope.Actor, programme: Programme, data: bytes, filename: str, commune_code: str) -> str:
    """Step 1: keep the officer's file; the token names it in the next steps."""
    return uploads.keep(
        data, filename, actor=actor, purpose=PURPOSE, programme_code=programme.code, commune_code=commune_code
    ).token


def workbook_filename(*, actor: scope.Actor, programme: Programme, token: str) -> str:
    """The problems workbook's name: the officer's own file's, so they know which list it checks."""
    return workbook_name(_own(actor, programme, token).filename)


def kept_header_cells(*, actor: scope.Actor, programme: Programme, token: str) -> list[str]:
    """When no header was recognised: the likely header row's cells, for the officer to say what they mean."""
    row = _own(actor, programme, token)
    _, cells = header_guess(read_rows(uploads.read(row), row.filename))
    return [c for c in cells if c]


@service(audits=WRITE_AUDITS, atomic=False)
def import_kept(
    *,
    actor: scope.Actor,
    programme: Programme,
    token: str,
    commune_code: str | None = None,
    smartphone_status: str | None = None,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport | BackgroundJob:
    """Check (`dry_run`) or write the kept file. Written, it is discarded (kept until retention when rows were
    refused, so that their workbook can still be fetched to fix them); a large one is written by the worker
    (the job is returned). The worker calls this too, with its `progress`: then it writes now. A job that fails
    keeps its file (until retention), so that "Chạy lại" can use it."""
    row = _own(actor, programme, token)
    if not dry_run and progress is None and row.size > BACKGROUND_BYTES:
        return _start(actor, programme, row, commune_code, smartphone_status, mapping)
    data = uploads.read(row)
    report = run_import(
        actor, programme, data, row.filename, commune_code, smartphone_status, dry_run, mapping, progress
    )
    if not dry_run and not report.rejected:
        uploads.discard(row)  # with rows refused, it stays (encrypted, until retention) for the problems workbook
    return report


@service(audits=WRITE_AUDITS, atomic=False)
def import_submit(
    *,
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    commune_code: str | None = None,
    smartphone_status: str | None = None,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
) -> ImportReport | BackgroundJob:
    """One step, for the API and the CLI: a check, or a write — at once up to `BACKGROUND_BYTES`, else kept and
    written by the worker (a file that cannot be read is refused now, not in the background)."""
    if dry_run or len(data) <= BACKGROUND_BYTES:
        return run_import(actor, programme, data, filename, commune_code, smartphone_status, dry_run, mapping)
    check_readable(actor, programme, data, filename, commune_code, smartphone_status, mapping)
    row = uploads.keep(
        data, filename, actor=actor, purpose=PURPOSE, programme_code=programme.code, commune_code=commune_code or ""
    )
    return _start(actor, programme, row, commune_code, smartphone_status, mapping)


def _start(
    actor: scope.Actor,
    programme: Programme,
    row: KeptFile,
    commune_code: str | None,
    smartphone_status: str | None,
    mapping: dict[str, str] | None,
) -> BackgroundJob:
    from phocap.registry.tasks import import_task  # the task calls `import_kept` back

    return job_start(
        actor=actor,
        task=import_task,
        kind="registry.import",
        label=f"Nhập danh sách {row.filename}",
        programme_code=programme.code,
        programme=programme.code,
        token=row.token,
        commune=commune_code or "",
        smartphone_status=smartphone_status or "",
        mapping=mapping or {},
    )


@service(audits=[Action.REGISTRY_PROBLEMS], atomic=False)
def problems_workbook(
    *,
    actor: scope.Actor,
    programme: Programme,
    token: str,
    commune_code: str | None = None,
    smartphone_status: str | None = None,
) -> bytes:
    """The kept file with a column of each row's problems (it holds the people's data: the download is audited)."""
    row = _own(actor, programme, token)
    data = uploads.read(row)
    report = run_import(actor, programme, data, row.filename, commune_code, smartphone_status, True, None)
    workbook = error_workbook(data, row.filename, report)
    audit.record(
        actor=actor,
        action=Action.REGISTRY_PROBLEMS,
        obj=row,
        programme_code=programme.code,
        extra={"rows": report.rows, "rejected": report.rejected, "commune": row.commune_code},
    )
    return workbook
