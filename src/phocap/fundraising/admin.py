from django.contrib import admin

from phocap.core.admin import ReadOnlyAdmin
from phocap.fundraising.models import Donation, JournalEntry, Pledge, StatementImport, StatementLine


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ("reference", "donor", "amount", "phones", "created_at", "cancelled_at")
    list_select_related = ("donor",)
    search_fields = ("=reference",)


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ("received_on", "channel", "amount", "donor", "pledge", "reversed_at")
    list_select_related = ("donor", "pledge")
    list_filter = ("channel",)
    show_full_result_count = False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "kind", "memo", "actor_label")
    list_filter = ("kind",)
    show_full_result_count = False


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "filename", "profile", "lines", "matched", "unmatched", "already_imported")


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = ("booked_on", "amount", "status", "doc_number")
    list_filter = ("status",)
    show_full_result_count = False
