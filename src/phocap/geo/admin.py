from django.contrib import admin

from phocap.core.admin import ReadOnlyAdmin
from phocap.geo.models import AdminUnit, UnitSuccession


@admin.register(AdminUnit)
class AdminUnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "valid_to")
    search_fields = ("=code", "name")
    show_full_result_count = False


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(ReadOnlyAdmin):
    list_display = ("predecessor", "successor", "effective_date", "partial")
    list_select_related = ("predecessor", "successor")
    search_fields = ("=predecessor__code", "=successor__code")
