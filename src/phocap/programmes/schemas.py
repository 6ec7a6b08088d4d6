from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class OrganisationRef(Schema):
    key: str
    name: str
    short_name: str


class AssignmentOut(Schema):
    id: int
    commune_code: str = Field(..., alias="commune.unit.code")
    organisation: OrganisationRef
    role: str
    decision_number: str
    decision_date: dt.date | None
    is_example: bool
    ended_at: dt.datetime | None


class AssignmentIn(Schema):
    commune_code: str = Field(..., pattern=r"^[0-9]{5}$")
    organisation_key: str
    role: str = Field(..., pattern=r"^(department|enterprise)$")
    decision_number: str = ""
    decision_date: dt.date | None = None
    is_example: bool = False


class CommuneOut(Schema):
    id: int
    code: str
    name: str
    district_code: str | None
    district_name: str | None
    adult_population: int
    baseline_without_smartphone: int
    target_percent: Decimal
    department: OrganisationRef | None
    enterprises: list[OrganisationRef]
    assignments_are_examples: bool


class CommuneFiguresIn(Schema):
    adult_population: int | None = Field(None, ge=0)
    baseline_without_smartphone: int | None = Field(None, ge=0)
    target_percent: Decimal | None = Field(None, gt=0, le=100)
    figures_source: str | None = Field(None, max_length=200)


class ProgrammeOut(Schema):
    code: str
    name: str
    province_code: str = Field(..., alias="province.code")
    province_name: str = Field(..., alias="province.name")
    status: str
    units_as_of: dt.date
    campaign_start: dt.date
    campaign_end: dt.date
    reference_date: dt.date
    phone_package_price: int
    target_percent: Decimal


class OrganisationOut(Schema):
    key: str
    name: str
    short_name: str
    kind: str
    is_example: bool


class OrganisationIn(Schema):
    key: str = Field(..., min_length=2, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: str = Field(..., min_length=2, max_length=300)
    kind: str
    short_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=2, max_length=300)
    short_name: str | None = Field(None, max_length=60)
    kind: str | None = None
    contact_name: str | None = Field(None, max_length=120)
    contact_phone: str | None = Field(None, max_length=20)
    contact_email: str | None = None
