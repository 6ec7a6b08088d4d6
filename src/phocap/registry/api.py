import datetime as dt
from typing import Any

from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from phocap.accounts import scope
from phocap.core.models import BackgroundJob
from phocap.core.schemas import JobOut
from phocap.core.web import AuthedRequest
from phocap.programmes import selectors as programmes
from phocap.registry import dedup, selectors, services
from phocap.registry.importing.kept import import_submit
from phocap.registry.models import Resident
from phocap.registry.normalize import mask_id

router = Router(tags=["registry"])


class ResidentOut(Schema):
    """A resident as lists show them: the identity number masked, never whole."""

    id: int
    full_name: str
    birth_date: dt.date | None
    birth_year: int
    sex: str
    id_number_masked: str
    ethnicity_code: str
    commune_code: str
    village: str
    smartphone_status: str

    @staticmethod
    def resolve_id_number_masked(obj: Resident) -> str:
        return mask_id(obj.id_number) if obj.id_number else ""

    @staticmethod
    def resolve_commune_code(obj: Resident) -> str:
        return obj.commune.unit.code

    @staticmethod
    def resolve_ethnicity_code(obj: Resident, context: Any) -> str:
        """Sensitive: empty for callers who do not decide eligibility (digital-team members)."""
        return obj.ethnicity_code if scope.can_see_sensitive(context["request"].auth, obj.commune) else ""


class ImportParams(Schema):
    commune: str | None = None
    smartphone_status: str | None = None
    dry_run: bool = False


class RowErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class ImportReportOut(Schema):
    rows: int
    created: int
    updated: int
    duplicates: int
    rejected: int
    warnings: int
    errors: list[RowErrorOut]


@router.get("/programmes/{code}/residents", response=list[ResidentOut], summary="Residents the caller may see")
@paginate
def list_residents(request: AuthedRequest, code: str, commune: str = "") -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return selectors.resident_list(actor=request.auth, programme=programme, commune_code=commune)


@router.post(
    "/programmes/{code}/residents/import",
    response={200: ImportReportOut, 202: JobOut},
    summary="Import a commune list (XLSX/XLS/ODS/CSV); dry_run=true only checks; a large one as a job (202)",
)
def import_list(request: AuthedRequest, code: str, file: File[UploadedFile], params: Query[ImportParams]) -> Any:
    """Up to 1 MiB the list is written at once (200, the report); a larger one is checked now (a file that cannot
    be read is refused at once) and written in the background (202, the job: `GET /api/v1/jobs/{job_id}`)."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    report = import_submit(
        actor=request.auth,
        programme=programme,
        data=file.read(),
        filename=file.name or "list.xlsx",
        commune_code=params.commune,
        smartphone_status=params.smartphone_status,
        dry_run=params.dry_run,
    )
    if isinstance(report, BackgroundJob):
        return Status(202, report)
    return report.as_dict()


class ResidentPatch(Schema):
    """Fields to correct, written as on a commune list ("02/03/1975" or "1975", "Nữ", "HMông", "912 345 678");
    absent fields are left alone."""

    full_name: str | None = None
    birth: str | None = None
    sex: str | None = None
    id_number: str | None = None
    ethnicity: str | None = None
    village: str | None = None
    phone: str | None = None
    smartphone_status: str | None = None
    notes: str | None = None


@router.patch("/programmes/{code}/residents/{int:resident_id}", response=ResidentOut, summary="Correct a resident")
def correct_resident(request: AuthedRequest, code: str, resident_id: int, body: ResidentPatch) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    person = selectors.resident_get(actor=request.auth, programme=programme, resident_id=resident_id)
    values = {k: v for k, v in body.dict().items() if v is not None}
    return services.resident_correct(actor=request.auth, resident=person, values=values)


class PairOut(Schema):
    id: int
    a: int
    b: int
    score: float
    status: str
    decision: str

    @staticmethod
    def resolve_a(obj: Any) -> int:
        return int(obj.a_id)

    @staticmethod
    def resolve_b(obj: Any) -> int:
        return int(obj.b_id)


class DedupOut(Schema):
    residents: int
    pairs: list[PairOut]


class DecisionIn(Schema):
    decision: str  # "same" | "different" | "reopen"


@router.post("/programmes/{code}/residents/dedup", response=DedupOut, summary="Run the duplicate matching")
def run_dedup(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    result = dedup.dedup_run(actor=request.auth, programme=programme)
    return {"residents": result.residents, "pairs": result.pairs}


@router.get("/programmes/{code}/duplicates", response=list[PairOut], summary="Pairs awaiting review (or decided)")
@paginate
def list_pairs(request: AuthedRequest, code: str, decided: bool = False) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return dedup.pair_queue(actor=request.auth, programme=programme, decided=decided)


@router.post("/programmes/{code}/duplicates/{pair_id}/decision", response=PairOut, summary="Decide or reopen a pair")
def decide_pair(request: AuthedRequest, code: str, pair_id: int, body: DecisionIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    if body.decision == "reopen":
        return dedup.pair_reopen(actor=request.auth, programme=programme, pair_id=pair_id)
    return dedup.pair_decide(actor=request.auth, programme=programme, pair_id=pair_id, decision=body.decision)
