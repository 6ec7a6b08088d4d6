import datetime as dt
from typing import Any

from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from phocap.accounts import scope
from phocap.core.errors import ValidationFailed
from phocap.core.models import BackgroundJob
from phocap.core.schemas import JobOut
from phocap.core.web import XLSX, AuthedRequest, file_response
from phocap.programmes import selectors as programmes
from phocap.registry import dedup, search, selectors, services
from phocap.registry.consents import consent_bulk, consent_withdraw_bulk
from phocap.registry.exports import export_residents
from phocap.registry.importing.kept import import_submit
from phocap.registry.models import Resident
from phocap.registry.normalize import mask_id
from phocap.registry.search import ResidentFilter

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
    consent: str  # given | refused | none (for the allocation)
    import_batch: int | None

    @staticmethod
    def resolve_consent(obj: Resident) -> str:
        refused = getattr(obj, "consent_refused", None)
        return "none" if refused is None else "refused" if refused else "given"

    @staticmethod
    def resolve_import_batch(obj: Resident) -> int | None:
        return obj.import_batch_id

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
    consents: int
    refusals: int
    batch: int | None
    errors: list[RowErrorOut]
    notes: list[RowErrorOut]


class ResidentQuery(Schema):
    """The resident list's filters (the same as the web page's and the export's)."""

    q: str = ""  # part of a name (with or without diacritics), a 12- or 9-digit identity number, or a phone
    commune: str = ""
    village: str = ""
    household: str = ""
    smartphone: str = ""  # has | lacks | unknown
    consent: str = ""  # given | refused | none | withdrawn
    priority: str = ""  # a priority group, or "any"
    status: str = ""  # eligible | selected | holding | duplicate
    batch: int | None = None


class ExportQuery(ResidentQuery):
    format: str = "csv"  # csv | xlsx


class ConsentBulkIn(ResidentQuery):
    """Who: `resident_ids`, or the filter (a batch, a commune and village, …); at least one of them."""

    resident_ids: list[int] | None = None
    given_on: dt.date
    method: str = "paper"  # paper | verbal | digital


class ConsentBulkOut(Schema):
    recorded: int
    already: int
    refused: int
    not_found: list[int]


class WithdrawBulkIn(ResidentQuery):
    resident_ids: list[int] | None = None
    on: dt.date


class WithdrawBulkOut(Schema):
    withdrawn: int
    none: int
    not_found: list[int]


def _selection(body: ResidentQuery) -> tuple[ResidentFilter | None, list[int] | None]:
    ids = getattr(body, "resident_ids", None)
    if ids:
        return None, ids
    filters = ResidentFilter.of(body.dict())
    if filters.empty:
        raise ValidationFailed(
            "Chọn người: resident_ids, batch, commune (và village) hoặc một bộ lọc.", field="selection"
        )
    return filters, None


@router.get("/programmes/{code}/residents", response=list[ResidentOut], summary="Residents the caller may see")
@paginate
def list_residents(request: AuthedRequest, code: str, filters: Query[ResidentQuery]) -> Any:
    """In Vietnamese alphabetical order (given name, then family name) within each commune."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    found = search.residents(actor=request.auth, programme=programme, filters=ResidentFilter.of(filters.dict()))
    return search.with_consent(found.select_related("commune__unit"))


@router.post("/programmes/{code}/residents/consent", response=ConsentBulkOut, summary="Record consent in bulk")
def record_consent(request: AuthedRequest, code: str, body: ConsentBulkIn) -> Any:
    """Consent to the allocation given on `given_on` by `method` for the selected people: those with an open
    consent are `already`, those who refused are `refused` (left alone), ids not found or not writable
    `not_found`. Nothing is recorded twice: the request may be retried."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    filters, ids = _selection(body)
    return consent_bulk(
        actor=request.auth, programme=programme, given_on=body.given_on, method=body.method, filters=filters, ids=ids
    )


@router.post(
    "/programmes/{code}/residents/consent/withdraw", response=WithdrawBulkOut, summary="Withdraw consent in bulk"
)
def withdraw_consent(request: AuthedRequest, code: str, body: WithdrawBulkIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    filters, ids = _selection(body)
    return consent_withdraw_bulk(actor=request.auth, programme=programme, on=body.on, filters=filters, ids=ids)


@router.get("/programmes/{code}/residents/export", summary="Export the filtered residents (CSV or XLSX; audited)")
def export_list(request: AuthedRequest, code: str, filters: Query[ExportQuery]) -> Any:
    """Full identity numbers for the programme's managers, masked for commune officers; every export audited."""
    programme = programmes.programme_get(actor=request.auth, code=code)
    fmt = filters.format
    data = export_residents(actor=request.auth, programme=programme, fmt=fmt, filters=ResidentFilter.of(filters.dict()))
    kind = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return file_response(data, kind, f"nguoi-dan-{programme.code}.{fmt}", private=True)


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


class BandOut(Schema):
    low: float
    high: float
    found: int
    same: int
    different: int
    undecided: int
    precision: float | None
    model_precision: float | None


class QualityOut(Schema):
    bands: list[BandOut]
    precision_possible: float | None
    precision_duplicate: float | None
    estimated_recall: float | None
    expected_duplicates: float | None
    last_run: str | None
    residents: int | None


@router.get(
    "/programmes/{code}/duplicates/quality", response=QualityOut, summary="How good the matching is (figures only)"
)
def dedup_quality(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return dedup.quality(actor=request.auth, programme=programme).as_dict()


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
