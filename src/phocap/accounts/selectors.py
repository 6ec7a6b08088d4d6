"""Reads that depend on who is asking: the audit trail, the task list, API tokens."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from phocap.accounts import scope
from phocap.accounts.models import ApiToken
from phocap.core.errors import PermissionDenied
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
    return BackgroundJob.objects.filter(scope.jobs_q(actor)).order_by("-created_at", "-id")


def job_get(*, actor: scope.Actor, job_id: int) -> BackgroundJob | None:
    return job_list(actor=actor).filter(pk=job_id).first()


def token_list(*, actor: scope.Actor) -> QuerySet[ApiToken]:
    if not scope.can_manage_tokens(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được xem khóa API.")
    return ApiToken.objects.select_related("user").order_by("-created_at")
