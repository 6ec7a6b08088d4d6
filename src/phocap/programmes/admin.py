from django.contrib import admin

from phocap.core.admin import ReadOnlyAdmin
from phocap.programmes.models import Assignment, CollectionPoint, Organisation, Programme, ProgrammeCommune


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "status", "campaign_start", "campaign_end")


@admin.register(ProgrammeCommune)
class ProgrammeCommuneAdmin(ReadOnlyAdmin):
    list_display = ("unit", "district", "programme", "adult_population", "baseline_without_smartphone")
    list_select_related = ("unit", "district", "programme")


@admin.register(CollectionPoint)
class CollectionPointAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "programme")


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "short_name", "kind", "is_example")
    list_filter = ("kind",)
    exclude = ("contact_name", "contact_phone", "contact_email")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("commune", "organisation", "role", "is_example", "ended_at")
    list_select_related = ("commune__unit", "organisation")
