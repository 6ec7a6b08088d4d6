from typing import Any

from ninja import Router, Status
from ninja.pagination import paginate

from phocap.core.web import AuthedRequest
from phocap.programmes import selectors, services
from phocap.programmes.models import ProgrammeCommune
from phocap.programmes.schemas import (
    AssignmentIn,
    AssignmentOut,
    CommuneFiguresIn,
    CommuneOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    ProgrammeOut,
)

router = Router(tags=["programmes"])


def commune_out(commune: ProgrammeCommune) -> dict[str, Any]:
    return selectors.commune_summary(commune)


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


@router.patch("/programmes/{code}/communes/{commune_code}", response=CommuneOut, summary="Correct a commune's figures")
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
    return Status(201, services.organisation_create(actor=request.auth, programme=programme, **payload.dict()))


@router.patch("/programmes/{code}/organisations/{key}", response=OrganisationOut)
def patch_organisation(request: AuthedRequest, code: str, key: str, payload: OrganisationPatch) -> Any:
    programme = selectors.programme_get(actor=request.auth, code=code)
    organisation = selectors.organisation_get(actor=request.auth, programme=programme, key=key)
    return services.organisation_update(
        actor=request.auth, programme=programme, organisation=organisation, **payload.dict(exclude_unset=True)
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
    assignment = selectors.assignment_get(actor=request.auth, programme=programme, assignment_id=assignment_id)
    return services.assignment_end(actor=request.auth, programme=programme, assignment=assignment)
