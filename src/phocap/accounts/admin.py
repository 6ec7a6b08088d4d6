from django.contrib import admin

from phocap.accounts.models import ApiToken, Membership, User
from phocap.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "is_active", "is_superuser", "last_login")
    search_fields = ("=username",)
    exclude = ("password", "email", "phone")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "programme", "commune", "organisation", "village")
    list_filter = ("role",)
    list_select_related = ("user", "programme", "commune__unit", "organisation")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
