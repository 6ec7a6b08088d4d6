from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "phocap.allocation"
    label = "allocation"
    verbose_name = "Phân bổ điện thoại"

    def ready(self) -> None:
        from phocap.allocation.selectors import resident_statuses
        from phocap.registry.search import STATUSES

        STATUSES.update(resident_statuses())  # the resident list's filters: eligible, selected, holding a phone
