from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phocap.core.models import AuditEvent, BackgroundJob


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Back-office view. Writes go through services (with their checks and audit rows), never the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "channel", "action", "object_repr", "programme_code")
    list_filter = ("channel", "programme_code")
    search_fields = ("=actor_label", "=object_id", "action")
    show_full_result_count = False


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "label", "actor_label", "status", "progress_done", "progress_total")
    list_filter = ("status", "kind")
