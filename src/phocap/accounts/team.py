"""The people of a programme managed by its manager (issue #14): accounts created with their role in one step, a
village's digital-team members from a small sheet, roles granted and revoked within the programme, accounts
deactivated, passwords reset — each with a temporary password shown once (never stored, never logged), each
change audited. The administrator may do all of it in any programme.

A manager acts only on accounts whose roles all lie in programmes they manage: they cannot lock out, or reset the
password of, an administrator or another programme's people."""

from __future__ import annotations

import dataclasses
import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction

from phocap.accounts import scope, services
from phocap.accounts.models import COMMUNE_ROLES, ORGANISATION_ROLES, Membership, Role, User
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.services import service
from phocap.core.spreadsheets import read_rows
from phocap.core.text import ascii_fold, clean_line
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune

# roles a programme manager may give (not the administrator's)
GRANTABLE = tuple(r for r in Role.values if r != Role.SYSTEM_ADMIN)
MAX_SHEET_ROWS = 500


def temporary_password() -> str:
    """Three groups of four letters and digits, easy to read out over the phone: `k7rm-2xqa-p9dt`."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def _require_manager(actor: scope.Actor, programme: Programme) -> None:
    if not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình (hoặc quản trị hệ thống) được quản lý người dùng.")


def _managed(actor: scope.Actor, programme: Programme, user: User) -> None:
    """The actor may change this account: every role it holds is in a programme the actor manages."""
    _require_manager(actor, programme)
    if scope.is_system_admin(actor):
        return
    roles = list(Membership.objects.filter(user=user).select_related("programme"))
    if user.is_superuser or any(
        m.programme is None or not scope.can_manage_programme(actor, m.programme) for m in roles
    ):
        raise PermissionDenied("Tài khoản này có vai trò ngoài chương trình của bạn: nhờ quản trị hệ thống.")
    if user != actor and any(m.role == Role.PROGRAMME_MANAGER for m in roles):
        # a manager who could take over another's account could approve their own round (four eyes)
        raise PermissionDenied("Tài khoản của một quản lý chương trình khác: nhờ quản trị hệ thống.")


def grantable(actor: scope.Actor) -> list[str]:
    """The roles this actor may give in a programme they manage."""
    return [r for r in GRANTABLE if r != Role.PROGRAMME_MANAGER or scope.is_system_admin(actor)]


def _may_give(actor: scope.Actor, role: str) -> None:
    """The programme manager's role is the administrator's to give: a manager who could make one could approve
    their own round through the account they made."""
    if role == Role.PROGRAMME_MANAGER and not scope.is_system_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được cấp vai trò quản lý chương trình.")


@dataclasses.dataclass(frozen=True)
class Place:
    """Where a role applies within the programme."""

    commune: ProgrammeCommune | None = None
    organisation: Organisation | None = None
    village: str = ""


def place_of(
    actor: scope.Actor, programme: Programme, commune: str = "", organisation: str = "", village: str = ""
) -> Place:
    """A place named by codes (web form, API, CLI), read through the programme's selectors (none: empty)."""
    from phocap.programmes import selectors as programmes

    found = programmes.commune_get(actor=actor, programme=programme, code=commune) if commune else None
    org = programmes.organisation_get(actor=actor, programme=programme, key=organisation) if organisation else None
    return Place(found, org, village or "")


def team_member(*, actor: scope.Actor, programme: Programme, username: str) -> User:
    """An account with a role in the programme, for its managers (others' accounts: not found)."""
    _require_manager(actor, programme)
    found = User.objects.filter(username=username, memberships__programme=programme).distinct().first()
    if found is None:
        raise NotFound(f"Không có người dùng {username!r} trong chương trình.")
    return found


def _role(programme: Programme, role: str, place: Place) -> dict[str, Any]:
    """The role's place as `services.role_grant` takes it: only what the role uses (a commune officer chosen with a
    village keeps none), checked; the administrator's role is not a programme's to give."""
    if role not in GRANTABLE:
        raise ValidationFailed(f"Vai trò {role!r} không hợp lệ.", field="role")
    where: dict[str, Any] = {
        "role": role,
        "programme": programme,
        "commune": place.commune if role in COMMUNE_ROLES else None,
        "organisation": place.organisation if role in ORGANISATION_ROLES else None,
        "village": place.village.strip() if role == Role.DIGITAL_TEAM_MEMBER else "",
    }
    services.role_check(**where)
    return where


def _grant(actor: scope.Actor, programme: Programme, user: User, role: str, place: Place) -> Membership:
    _may_give(actor, role)
    return services.role_grant(actor=actor, user=user, **_role(programme, role, place))


def username_for(full_name: str, taken: set[str]) -> str:
    """ "Hoàng Thị Vân" → "vanht", then "vanht2", … : how Vietnamese offices name accounts (given name + initials)."""
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_fold(full_name).lower()) if w]
    base = (words[-1] + "".join(w[0] for w in words[:-1])) if words else "nguoidung"
    base = base[:30]
    name, n = base, 1
    while name in taken or User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def _new_user(username: str, full_name: str, phone: str) -> tuple[User, str]:
    password = temporary_password()
    user = User(username=username, full_name=full_name[:150], phone=phone[:20])
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(f"Đã có người dùng {username!r}.", field="username") from None
    return user, password


@service(audits=[Action.USER_CREATE, Action.MEMBERSHIP_GRANT])
def team_user_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    full_name: str,
    role: str,
    place: Place,
    username: str = "",
    phone: str = "",
) -> tuple[User, str]:
    """An account with its role in the programme, and its temporary password (shown once)."""
    _require_manager(actor, programme)
    full_name = clean_line(full_name)
    if not full_name:
        raise ValidationFailed("Cần họ và tên.", field="full_name")
    username = username.strip().lower() or username_for(full_name, set())
    if not re.fullmatch(r"[a-z0-9._-]{3,40}", username):
        raise ValidationFailed("Tên đăng nhập: 3–40 chữ thường không dấu, số, dấu chấm hoặc gạch.", field="username")
    _role(programme, role, place)
    _may_give(actor, role)
    user, password = _new_user(username, full_name, clean_line(phone))
    audit.record(
        actor=actor,
        action=Action.USER_CREATE,
        obj=user,
        programme_code=programme.code,
        changes=audit.diff({}, {"username": username, "full_name": full_name}),
    )
    _grant(actor, programme, user, role, place)
    return user, password


def _cell(row: list[Any], col: int | None) -> str:
    return clean_line(row[col]) if col is not None and col < len(row) and row[col] not in (None, "") else ""


@service(audits=[Action.USER_CREATE, Action.MEMBERSHIP_GRANT])
def team_import(
    *,
    actor: scope.Actor,
    programme: Programme,
    data: bytes,
    filename: str,
    role: str,
    commune: ProgrammeCommune | None = None,
    organisation: Organisation | None = None,
) -> list[dict[str, str]]:
    """A small sheet of people (name, phone, village) made accounts with one role, all or none: a row without a
    name, or a team member without a village, refuses the sheet with its row number. Returns each account with its
    temporary password (shown once)."""
    _require_manager(actor, programme)
    rows = read_rows(data, filename)
    header = next(
        (i for i, r in enumerate(rows[:10]) if any("ten" in ascii_fold(str(c or "")).lower() for c in r)), None
    )
    if header is None:
        raise ValidationFailed("Cần một dòng tiêu đề có cột Họ và tên (và Số điện thoại, Thôn/bản).", field="file")
    titles = [ascii_fold(str(c or "")).lower() for c in rows[header]]

    def col(*words: str) -> int | None:
        return next((i for i, t in enumerate(titles) if any(w in t for w in words)), None)

    name_col, phone_col, village_col = col("ten"), col("dien thoai", "sdt"), col("thon", "ban", "to dan pho")
    assert name_col is not None
    people: list[tuple[int, str, str, str]] = []
    for number, row in enumerate(rows[header + 1 :], header + 2):
        name, phone, village = (_cell(row, c) for c in (name_col, phone_col, village_col))
        if not (name or phone or village):
            continue
        if not name or any(ch.isdigit() for ch in name):
            raise ValidationFailed(f"Dòng {number}: thiếu họ và tên (hoặc tên có chữ số).", field="file")
        if role == Role.DIGITAL_TEAM_MEMBER and not village:
            raise ValidationFailed(f"Dòng {number}: thành viên tổ công nghệ số cần thôn/bản.", field="file")
        people.append((number, name, phone.removesuffix(".0"), village))
    if not people:
        raise ValidationFailed("Tệp không có người nào.", field="file")
    if len(people) > MAX_SHEET_ROWS:
        raise ValidationFailed(f"Tối đa {MAX_SHEET_ROWS} người mỗi tệp.", field="file")
    _role(programme, role, Place(commune, organisation, people[0][3] or "-"))
    _may_give(actor, role)
    taken: set[str] = set()
    made = []
    for _number, name, phone, village in people:
        user, password = _new_user(username_for(name, taken), name, phone)
        audit.record(
            actor=actor,
            action=Action.USER_CREATE,
            obj=user,
            programme_code=programme.code,
            changes=audit.diff({}, {"username": user.username, "full_name": name}),
            extra={"source": filename[:200]},
        )
        _grant(actor, programme, user, role, Place(commune, organisation, village))
        made.append({"username": user.username, "full_name": name, "village": village, "password": password})
    return made


@service(audits=[Action.MEMBERSHIP_GRANT])
def team_grant(*, actor: scope.Actor, programme: Programme, user: User, role: str, place: Place) -> Membership:
    _managed(actor, programme, user)
    return _grant(actor, programme, user, role, place)


@service(audits=[Action.MEMBERSHIP_REVOKE])
def team_revoke(*, actor: scope.Actor, programme: Programme, membership_id: int) -> None:
    membership = Membership.objects.filter(pk=membership_id, programme=programme).select_related("user").first()
    if membership is None:
        raise NotFound("Không tìm thấy vai trò.")
    _require_manager(actor, programme)
    if membership.user == actor:
        raise Conflict("Không tự thu hồi vai trò của chính mình (nhờ một quản lý khác).")
    audit.record(
        actor=actor,
        action=Action.MEMBERSHIP_REVOKE,
        obj=membership,
        programme_code=programme.code,
        changes=audit.diff({"user": membership.user.username, "role": membership.role}, {}),
    )
    membership.delete()
    scope.forget(membership.user)


@service(audits=[Action.USER_DEACTIVATE])
def team_deactivate(*, actor: scope.Actor, programme: Programme, user: User, active: bool = False) -> User:
    """Stop (or restart) an account: it can no longer sign in or use its API tokens; its history stays."""
    _managed(actor, programme, user)
    if user == actor:
        raise Conflict("Không tự khóa tài khoản của chính mình.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action=Action.USER_DEACTIVATE,
        obj=user,
        programme_code=programme.code,
        changes={"is_active": [not active, active]},
    )
    return user


@service(audits=[Action.USER_PASSWORD_RESET])
def team_password_reset(*, actor: scope.Actor, programme: Programme, user: User) -> str:
    """A new temporary password for someone who forgot theirs (shown once to the manager, who passes it on)."""
    _managed(actor, programme, user)
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action=Action.USER_PASSWORD_RESET, obj=user, programme_code=programme.code)
    return password


def team_list(*, actor: scope.Actor, programme: Programme) -> list[dict[str, Any]]:
    """The programme's people with their roles there, for its managers."""
    _require_manager(actor, programme)
    roles = (
        Membership.objects.filter(programme=programme)
        .select_related("user", "commune__unit", "organisation")
        .order_by("user__username", "role")
    )
    people: dict[int, dict[str, Any]] = {}
    for m in roles:
        entry = people.setdefault(m.user_id, {"user": m.user, "roles": []})
        entry["roles"].append(m)
    return list(people.values())
