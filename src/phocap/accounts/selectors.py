"""Reads that depend on who is asking: the audit trail, the task list, API tokens."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from phocap.accounts import scope
from phocap.accounts.models import ApiToken, Membership, Role, User
from phocap.core.errors import NotFound, PermissionDenied
from phocap.core.jobs import jobs_mark_stale
from phocap.core.models import AuditEvent, BackgroundJob


def audit_event_list(
    *,
    actor: scope.Actor,
    action: str = "",
    actor_label: str = "",
    programme_code: str = "",
    object_type: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    if not scope.can_view_audit(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống và kiểm toán được xem nhật ký.")
    qs = AuditEvent.objects.filter(scope.audit_q(actor))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_label:
        qs = qs.filter(actor_label=actor_label)
    if programme_code:
        qs = qs.filter(programme_code=programme_code)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def job_list(*, actor: scope.Actor) -> QuerySet[BackgroundJob]:
    """The jobs the actor may see, newest first; a job whose worker died is shown failed (`jobs_mark_stale`)."""
    jobs_mark_stale()
    return BackgroundJob.objects.filter(scope.jobs_q(actor)).order_by("-created_at", "-id")


def job_get(*, actor: scope.Actor, job_id: int) -> BackgroundJob | None:
    return job_list(actor=actor).filter(pk=job_id).first()


def token_list(*, actor: scope.Actor) -> QuerySet[ApiToken]:
    if not scope.can_manage_tokens(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được xem khóa API.")
    return ApiToken.objects.select_related("user").order_by("-created_at")


def user_list(*, actor: scope.Actor) -> QuerySet[User]:
    """Administrators see every user; programme managers the users holding a role in their programmes."""
    if scope.is_system_admin(actor):
        qs = User.objects.all()
    else:
        managed = [
            m.programme_id for m in scope.memberships(actor) if m.role == Role.PROGRAMME_MANAGER and m.programme_id
        ]
        qs = User.objects.filter(memberships__programme_id__in=managed).distinct() if managed else User.objects.none()
    return qs.prefetch_related("memberships__programme", "memberships__commune__unit", "memberships__organisation")


def user_get(*, actor: scope.Actor, username: str) -> User:
    user = user_list(actor=actor).filter(username=username).first()
    if user is None:
        raise NotFound(f"Không có người dùng {username!r}.")
    return user


def membership_find(
    *,
    actor: scope.Actor,
    user: User,
    role: str,
    programme_code: str = "",
    commune_code: str = "",
    organisation_key: str = "",
) -> Membership:
    qs = Membership.objects.filter(user=user, role=role).select_related("programme", "user", "commune", "organisation")
    qs = qs.filter(programme__code=programme_code) if programme_code else qs.filter(programme__isnull=True)
    if commune_code:
        qs = qs.filter(commune__unit__code=commune_code)
    if organisation_key:
        qs = qs.filter(organisation__key=organisation_key)
    found = [m for m in qs if m.programme is None or scope.can_manage_programme(actor, m.programme)]
    if len(found) != 1:
        raise NotFound(
            "Không tìm thấy đúng một vai trò như vậy."
            if not found
            else "Có nhiều vai trò khớp; hãy nêu rõ xã/phường hoặc tổ chức."
        )
    return found[0]


def user_find(username: str) -> User | None:
    """An account by its username, active or not (the demo's set-up asks whether it exists yet)."""
    return User.objects.filter(username=username).first()


def user_by_username(username: str) -> User:
    """Any active account by its username — for giving it a role or a token; the service then checks that the
    actor may do so. Lists of users stay scoped (`user_list`)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(f"Không có người dùng {username!r}.")
    return user
