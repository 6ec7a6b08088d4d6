import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from phocap.core.schemas import RowId
from phocap.geo import selectors
from phocap.geo.models import AdminUnit
from phocap.geo.schemas import SuccessionOut, UnitOut

router = Router(tags=["geo"], auth=None)  # official public lists: no login needed


class UnitFilters(Schema):
    level: AdminUnit.Level | None = None
    code: str | None = None
    on: dt.date | None = None
    parent_id: RowId | None = None
    name: str | None = None


@router.get("/units", response=list[UnitOut], summary="Administrative units (filter by level, code, date)")
@paginate
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> object:
    return selectors.unit_list(**filters.dict())


@router.get("/units/{unit_id}", response=UnitOut, summary="One administrative unit")
def get_unit(request: HttpRequest, unit_id: int) -> object:
    return selectors.unit_get(unit_id)


@router.get("/units/{unit_id}/successors", response=list[SuccessionOut], summary="What this unit became on 1/7/2025")
def unit_successors(request: HttpRequest, unit_id: int) -> object:
    return list(selectors.successors(selectors.unit_get(unit_id)))
