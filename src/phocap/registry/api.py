import datetime as dt
from typing import Any

from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from phocap.accounts.auth import AuthedRequest
from phocap.programmes import selectors as programmes
from phocap.registry import selectors
from phocap.registry.importing import import_residents
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
    response=ImportReportOut,
    summary="Import a commune list (XLSX/XLS/ODS/CSV); dry_run=true only checks",
)
def import_list(request: AuthedRequest, code: str, file: File[UploadedFile], params: Query[ImportParams]) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    report = import_residents(
        actor=request.auth,
        programme=programme,
        data=file.read(),
        filename=file.name or "list.xlsx",
        commune_code=params.commune,
        smartphone_status=params.smartphone_status,
        dry_run=params.dry_run,
    )
    return report.as_dict()
