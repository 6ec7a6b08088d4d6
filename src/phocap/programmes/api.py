from typing import Any

from ninja import Router, Status
from ninja.pagination import paginate

from phocap.accounts.auth import AuthedRequest
from phocap.programmes import selectors, services
from phocap.programmes.models import Organisation, ProgrammeCommune
from phocap.programmes.schemas import (
    AssignmentIn,
    AssignmentOut,
    CommuneFiguresIn,
    CommuneOut,
    OrganisationIn,
    OrganisationOut,
    ProgrammeOut,
)

router = Router(tags=["programmes"])


def _org(org: Organisation | None) -> dict[str, str] | None:
    return {"key": org.key, "name": org.name, "short_name": org.short_name} if org else None


def commune_out(commune: ProgrammeCommune) -> dict[str, Any]:
    dept = selectors.department_of(commune)
    enterprises = selectors.enterprises_of(commune)
    return {
        "id": commune.pk,
        "code": commune.unit.code,
        "name": commune.unit.name,
        "district_code": commune.district.code if commune.district else None,
        "district_name": commune.district.name if commune.district else None,
        "adult_population": commune.adult_population,
        "baseline_without_smartphone": commune.baseline_without_smartphone,
        "target_percent": commune.target_percent,
        "department": _org(dept.organisation) if dept else None,
        "enterprises": [_org(a.organisation) for a in enterprises],
        "assignments_are_examples": any(a.is_example for a in [*([dept] if dept else []), *enterprises]),
    }


@router.get("/programmes", response=list[ProgrammeOut], summary="Programmes the caller has a role in")
@paginate
def list_programmes(request: AuthedRequest) -> Any:
    return selectors.programme_list(actor=request.auth)


@router.get("/programmes/{code}", response=ProgrammeOut)
def get_programme(request: AuthedRequest, code: str) -> Any:
    return selectors.programme_get(actor=request.auth, code=code)


@router.get("/programmes/{code}/communes", response=list[CommuneOut], summary="Communes the caller may see")
def list_communes(request: AuthedRequest, code: str) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    return [commune_out(c) for c in selectors.commune_list(actor=request.auth, programme=programme)]


@router.get("/programmes/{code}/communes/{commune_code}", response=CommuneOut)
def get_commune(request: AuthedRequest, code: str, commune_code: str) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    return commune_out(selectors.commune_get(actor=request.auth, programme=programme, code=commune_code))


@router.patch(
    "/programmes/{code}/communes/{commune_code}", response=CommuneOut, summary="Correct a commune's figures"
)
def patch_commune(request: AuthedRequest, code: str, commune_code: str, payload: CommuneFiguresIn) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    commune = selectors.commune_get(actor=request.auth, programme=programme, code=commune_code)
    services.commune_update_figures(actor=request.auth, commune=commune, **payload.dict(exclude_unset=True))
    return commune_out(selectors.commune_get(actor=request.auth, programme=programme, code=commune_code))


@router.get("/programmes/{code}/organisations", response=list[OrganisationOut])
@paginate
def list_organisations(request: AuthedRequest, code: str) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    return selectors.organisation_list(actor=request.auth, programme=programme)


@router.post("/programmes/{code}/organisations", response={201: OrganisationOut})
def create_organisation(request: AuthedRequest, code: str, payload: OrganisationIn) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    return Status(
        201, services.organisation_create(actor=request.auth, programme=programme, **payload.dict())
    )


@router.get("/programmes/{code}/assignments", response=list[AssignmentOut])
@paginate
def list_assignments(request: AuthedRequest, code: str, include_ended: bool = False) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    return selectors.assignment_list(actor=request.auth, programme=programme, include_ended=include_ended)


@router.post("/programmes/{code}/assignments", response={201: AssignmentOut})
def create_assignment(request: AuthedRequest, code: str, payload: AssignmentIn) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    return Status(201, services.assignment_create(actor=request.auth, programme=programme, **payload.dict()))


@router.post("/programmes/{code}/assignments/{assignment_id}/end", response=AssignmentOut)
def end_assignment(request: AuthedRequest, code: str, assignment_id: int) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    assignment = selectors.assignment_get(
        actor=request.auth, programme=programme, assignment_id=assignment_id
    )
    return services.assignment_end(actor=request.auth, programme=programme, assignment=assignment)
