"""Writes for users, roles, API tokens and the field-encryption keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from phocap.accounts import scope
from phocap.accounts.models import COMMUNE_ROLES, ORGANISATION_ROLES, ApiToken, Membership, Role, User
from phocap.core import audit, crypto
from phocap.core.actions import Action
from phocap.core.actors import actor_user
from phocap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from phocap.core.jobs import job_restart, jobs_mark_stale
from phocap.core.models import BackgroundJob
from phocap.core.services import service
from phocap.programmes.models import Organisation, Programme, ProgrammeCommune

TOKEN_PREFIX = "phc_"  # noqa: S105 - a public prefix, not a secret
TOKEN_DAYS = 365  # a token's life unless `expires_on` says otherwise


def _require_admin(actor: scope.Actor, what: str) -> None:
    if not scope.is_system_admin(actor):
        raise PermissionDenied(f"Chỉ quản trị hệ thống được {what}.")


@service(audits=[Action.JOB_RETRY])
def job_retry(*, actor: scope.Actor, job_id: int) -> BackgroundJob:
    """ "Chạy lại": a failed job the actor may see, started again as a new job acting with the actor's rights
    (the work's own service checks them again). Only a failed job, and only once: its retry is the one to follow."""
    jobs_mark_stale()
    job = BackgroundJob.objects.filter(scope.jobs_q(actor), pk=job_id).select_for_update().first()
    if job is None:
        raise NotFound("Không tìm thấy tác vụ.")
    if job.status != BackgroundJob.Status.FAILED:
        raise Conflict("Chỉ chạy lại được tác vụ bị lỗi.", code="job_not_failed")
    try:
        with transaction.atomic():  # the database keeps one retry per job (job_retried_once)
            again = job_restart(actor=actor, job=job)
    except IntegrityError:
        raise Conflict("Tác vụ này đã được chạy lại; hãy theo dõi lần chạy lại.", code="job_already_retried") from None
    audit.record(actor=actor, action=Action.JOB_RETRY, obj=again, extra={"retry_of": job.pk, "kind": job.kind})
    return again


@service(audits=[Action.USER_CREATE])
def user_create(
    *,
    actor: scope.Actor,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    superuser: bool = False,
) -> User:
    _require_admin(actor, "tạo người dùng")
    username = username.strip()
    if not username:
        raise ValidationFailed("Tên đăng nhập là bắt buộc.", field="username")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"Đã có người dùng {username!r}.", field="username")
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        is_superuser=superuser,
        is_staff=superuser,
    )
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action=Action.USER_CREATE,
        obj=user,
        changes=audit.diff(
            {},
            {"username": username, "full_name": full_name, "email": email, "phone": phone, "is_superuser": superuser},
        ),
    )
    return user


@service(audits=[Action.MEMBERSHIP_GRANT])
def membership_grant(
    *,
    actor: scope.Actor,
    user: User,
    role: str,
    programme: Programme | None = None,
    commune: ProgrammeCommune | None = None,
    organisation: Organisation | None = None,
    village: str = "",
) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(f"Vai trò {role!r} không hợp lệ.", field="role")
    if programme is not None and not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được phân quyền trong chương trình.")
    if role == Role.SYSTEM_ADMIN:
        _require_admin(actor, "cấp quyền quản trị hệ thống")
    return role_grant(
        actor=actor,
        user=user,
        role=role,
        programme=programme,
        commune=commune,
        organisation=organisation,
        village=village,
    )


def role_check(
    role: str,
    programme: Programme | None,
    commune: ProgrammeCommune | None,
    organisation: Organisation | None,
    village: str,
) -> None:
    """Where a role applies is what the role needs (a commune, an organisation of the right kind, a village);
    the caller has checked the actor's right to give it."""
    if role not in Role.values:
        raise ValidationFailed(f"Vai trò {role!r} không hợp lệ.", field="role")
    if role != Role.SYSTEM_ADMIN and programme is None:
        raise ValidationFailed("Vai trò này cần một chương trình.", field="programme")
    if role in COMMUNE_ROLES and (commune is None or commune.programme_id != getattr(programme, "pk", None)):
        raise ValidationFailed("Vai trò này cần một xã/phường của chương trình.", field="commune")
    if role in ORGANISATION_ROLES and organisation is None:
        raise ValidationFailed("Vai trò này cần một tổ chức.", field="organisation")
    if role not in COMMUNE_ROLES and commune is not None:
        raise ValidationFailed("Chỉ cán bộ xã và tổ công nghệ số gắn với một xã/phường.", field="commune")
    if role not in ORGANISATION_ROLES and organisation is not None:
        raise ValidationFailed("Chỉ cán bộ sở, ngành và doanh nghiệp gắn với một tổ chức.", field="organisation")
    expected_kind = {Role.DEPARTMENT_OFFICER: "department", Role.ENTERPRISE_PARTNER: "enterprise"}.get(Role(role))
    if expected_kind and organisation is not None and organisation.kind != expected_kind:
        raise ValidationFailed(
            f"{organisation} là {organisation.get_kind_display()}, không hợp với vai trò {Role(role).label}.",
            field="organisation",
        )
    if role == Role.DIGITAL_TEAM_MEMBER and not village.strip():
        raise ValidationFailed("Thành viên tổ công nghệ số cần thôn/bản.", field="village")


def role_grant(
    *,
    actor: scope.Actor,
    user: User,
    role: str,
    programme: Programme | None,
    commune: ProgrammeCommune | None,
    organisation: Organisation | None,
    village: str,
) -> Membership:
    """The role given (once: granting it again changes nothing), audited — inside the calling service
    (`membership_grant`, `accounts.team`), which has checked the actor's right."""
    role_check(role, programme, commune, organisation, village)
    membership, created = Membership.objects.get_or_create(
        user=user,
        role=role,
        programme=programme,
        commune=commune,
        organisation=organisation,
        defaults={"village": village.strip()},
    )
    if created:
        audit.record(
            actor=actor,
            action=Action.MEMBERSHIP_GRANT,
            obj=membership,
            programme_code=programme.code if programme else "",
            changes=audit.diff({}, _membership_snapshot(membership)),
        )
    scope.forget(user)
    return membership


def _membership_snapshot(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user.username,
        "role": membership.role,
        "commune": membership.commune,
        "organisation": membership.organisation,
        "village": membership.village,
    }


@service(audits=[Action.MEMBERSHIP_REVOKE])
def membership_revoke(*, actor: scope.Actor, membership: Membership) -> None:
    """Take a role away. The audit row keeps what it was."""
    programme = membership.programme
    if programme is not None and not scope.can_manage_programme(actor, programme):
        raise PermissionDenied("Chỉ quản lý chương trình được thu hồi quyền trong chương trình.")
    if programme is None:
        _require_admin(actor, "thu hồi quyền quản trị hệ thống")
    audit.record(
        actor=actor,
        action=Action.MEMBERSHIP_REVOKE,
        obj=membership,
        programme_code=programme.code if programme else "",
        changes=audit.diff(_membership_snapshot(membership), {}),
    )
    membership.delete()
    scope.forget(membership.user)


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@service(audits=[Action.API_TOKEN_CREATE])
def api_token_create(
    *, actor: scope.Actor, user: User, name: str, expires_on: dt.date | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the secret, shown once and never stored. The token stops working at the end of
    `expires_on` (default: one year from today; at most five)."""
    _require_admin(actor, "tạo khóa API")
    if not name.strip():
        raise ValidationFailed("Khóa API cần một tên.", field="name")
    today = timezone.localdate()
    expires_on = expires_on or today + dt.timedelta(days=TOKEN_DAYS)
    if not today < expires_on <= today + dt.timedelta(days=5 * 366):
        raise ValidationFailed("Ngày hết hạn phải sau hôm nay và trong vòng 5 năm.", field="expires")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=secret[: len(TOKEN_PREFIX) + 8],
        key_hash=_hash(secret),
        created_by=actor_user(actor),
        expires_at=_end_of(expires_on),
    )
    audit.record(
        actor=actor,
        action=Action.API_TOKEN_CREATE,
        obj=token,
        changes=audit.diff(
            {}, {"user": user.username, "name": token.name, "prefix": token.prefix, "expires": expires_on.isoformat()}
        ),
    )
    return token, secret


@service(audits=[Action.API_TOKEN_REVOKE])
def api_token_revoke(*, actor: scope.Actor, prefix: str) -> ApiToken:
    _require_admin(actor, "thu hồi khóa API")
    token = ApiToken.objects.select_for_update().filter(prefix=prefix).first()
    if token is None:
        raise NotFound(f"Không có khóa API {prefix!r}.")
    if token.revoked_at is not None:
        raise Conflict("Khóa API này đã bị thu hồi.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=Action.API_TOKEN_REVOKE,
        obj=token,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The user a bearer token acts as, or None. Revoked tokens and inactive users are refused."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@service(audits=[Action.FIELD_KEYS_ROTATE])
def field_keys_rotate(*, actor: scope.Actor) -> dict[str, int]:
    """Re-encrypt every encrypted field of every model with the newest key of `PHOCAP_FIELD_KEYS` (put the new key
    first, run this, then drop the old one). Returns {model label: rows rewritten}. Administrators only."""
    _require_admin(actor, "đổi khóa mã hóa")
    counts = crypto.rotate_all()
    audit.record(actor=actor, action=Action.FIELD_KEYS_ROTATE, obj=None, extra=counts)
    return counts


# --- signing in: the second factor and the password (the pages are in accounts.signin_views) ---------------


def second_factor_device(*, actor: scope.Actor) -> TOTPDevice:
    """The authenticator app being enrolled: the user's unconfirmed TOTP device, made once (its key stays the
    same while the page is reloaded)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=actor, name="Ứng dụng xác thực", confirmed=False)


@service(audits=[Action.SECOND_FACTOR_ENROL])
def second_factor_confirm(*, actor: scope.Actor, device: TOTPDevice, code: str) -> bool:
    """The code the app shows proves the key was taken: the device is confirmed (any older one is removed)."""
    if device.user_id != actor.pk or device.confirmed or not device.verify_token(code.replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=actor, action=Action.SECOND_FACTOR_ENROL, obj=actor)
    return True


@service(audits=[Action.SECOND_FACTOR_RESET])
def second_factor_reset(*, actor: scope.Actor, username: str) -> int:
    """A lost phone: an administrator removes the user's authenticator apps; they enrol again at next sign-in."""
    _require_admin(actor, "đặt lại xác thực hai lớp")
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"Không có người dùng {username!r}.")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor=actor, action=Action.SECOND_FACTOR_RESET, obj=user, extra={"devices": removed})
    return int(removed)


@service(audits=[Action.PASSWORD_CHANGE])
def password_changed(*, actor: scope.Actor) -> None:
    """Django's password-change form has set the new password; the change is recorded (never the password)."""
    audit.record(actor=actor, action=Action.PASSWORD_CHANGE, obj=actor)
