"""API of a programme's people, for its managers (issue #14): the same services as the team page
(`accounts.team`) and `phocap user …`. A temporary password is in the answer once and never cached."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from phocap.accounts import team
from phocap.accounts.models import Membership, User
from phocap.core.web import AuthedRequest
from phocap.programmes import selectors as programmes

router = Router(tags=["team"])
NO_STORE = "private, no-store"


class TeamPlaceIn(Schema):
    role: str = Field(max_length=40)
    commune: str = Field("", max_length=10, description="mã xã/phường (cán bộ xã, tổ công nghệ số)")
    organisation: str = Field("", max_length=60, description="mã tổ chức (sở, ngành; doanh nghiệp)")
    village: str = Field("", max_length=120, description="thôn/bản (tổ công nghệ số)")


class TeamMemberIn(TeamPlaceIn):
    full_name: str = Field(max_length=150)
    username: str = Field("", max_length=40, description="để trống: tên + chữ đầu họ (vanht)")
    phone: str = Field("", max_length=20)


class TeamRoleOut(Schema):
    id: int
    role: str
    commune: str | None
    organisation: str | None
    village: str


class TeamMemberOut(Schema):
    username: str
    full_name: str
    phone: str
    active: bool
    roles: list[TeamRoleOut]


class TeamPasswordOut(Schema):
    username: str
    full_name: str
    password: str = Field(description="mật khẩu tạm, chỉ hiện một lần; đổi khi đăng nhập")


class TeamImportParams(Schema):
    role: str = Field(max_length=40)
    commune: str = Field("", max_length=10)
    organisation: str = Field("", max_length=60)


class TeamImportedOut(Schema):
    created: list[dict[str, str]]


class TeamActiveIn(Schema):
    active: bool


def _role(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "role": m.role,
        "commune": m.commune.unit.code if m.commune else None,
        "organisation": m.organisation.key if m.organisation else None,
        "village": m.village,
    }


def _member(user: User, roles: list[Membership]) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "active": user.is_active,
        "roles": [_role(m) for m in roles],
    }


def _place(request: AuthedRequest, programme: Any, body: TeamPlaceIn | TeamImportParams) -> team.Place:
    return team.place_of(request.auth, programme, body.commune, body.organisation, getattr(body, "village", "") or "")


@router.get("/programmes/{code}/team", response=list[TeamMemberOut], summary="The programme's people and their roles")
def team_list(request: AuthedRequest, code: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    return [_member(p["user"], p["roles"]) for p in team.team_list(actor=request.auth, programme=programme)]


@router.post("/programmes/{code}/team", response={201: TeamPasswordOut}, summary="Create an account with its role")
def team_create(request: AuthedRequest, response: HttpResponse, code: str, body: TeamMemberIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    user, password = team.team_user_create(
        actor=request.auth,
        programme=programme,
        full_name=body.full_name,
        role=body.role,
        place=_place(request, programme, body),
        username=body.username,
        phone=body.phone,
    )
    response["Cache-Control"] = NO_STORE
    return Status(201, {"username": user.username, "full_name": user.full_name, "password": password})


@router.post(
    "/programmes/{code}/team/import",
    response={201: TeamImportedOut},
    summary="Accounts from a small sheet (Họ và tên, Số điện thoại, Thôn/bản), all or none",
)
def team_import(
    request: AuthedRequest, response: HttpResponse, code: str, file: File[UploadedFile], params: Query[TeamImportParams]
) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    place = _place(request, programme, params)
    made = team.team_import(
        actor=request.auth,
        programme=programme,
        data=file.read(),
        filename=file.name or "nguoi-dung.xlsx",
        role=params.role,
        commune=place.commune,
        organisation=place.organisation,
    )
    response["Cache-Control"] = NO_STORE
    return Status(201, {"created": made})


@router.post("/programmes/{code}/team/{username}/roles", response={201: TeamRoleOut}, summary="Grant a role")
def team_grant(request: AuthedRequest, code: str, username: str, body: TeamPlaceIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    user = team.team_member(actor=request.auth, programme=programme, username=username)
    membership = team.team_grant(
        actor=request.auth, programme=programme, user=user, role=body.role, place=_place(request, programme, body)
    )
    return Status(201, _role(membership))


@router.delete("/programmes/{code}/team/roles/{membership_id}", response={204: None}, summary="Revoke a role")
def team_revoke(request: AuthedRequest, code: str, membership_id: int) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    team.team_revoke(actor=request.auth, programme=programme, membership_id=membership_id)
    return Status(204, None)


@router.post("/programmes/{code}/team/{username}/active", response=TeamMemberOut, summary="Lock (or unlock) an account")
def team_active(request: AuthedRequest, code: str, username: str, body: TeamActiveIn) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    user = team.team_member(actor=request.auth, programme=programme, username=username)
    team.team_deactivate(actor=request.auth, programme=programme, user=user, active=body.active)
    roles = list(
        Membership.objects.filter(user=user, programme=programme).select_related("commune__unit", "organisation")
    )
    return _member(user, roles)


@router.post(
    "/programmes/{code}/team/{username}/password",
    response=TeamPasswordOut,
    summary="A new temporary password (shown once)",
)
def team_password(request: AuthedRequest, response: HttpResponse, code: str, username: str) -> Any:
    programme = programmes.programme_get(actor=request.auth, code=code)
    user = team.team_member(actor=request.auth, programme=programme, username=username)
    password = team.team_password_reset(actor=request.auth, programme=programme, user=user)
    response["Cache-Control"] = NO_STORE
    return {"username": user.username, "full_name": user.full_name, "password": password}
