from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "phocap.allocation"
    label = "allocation"
    verbose_name = "Phân bổ điện thoại"

    def ready(self) -> None:
        from phocap.allocation.selectors import prior_phone_notes, resident_statuses
        from phocap.registry.importing.settle import PRIOR
        from phocap.registry.search import STATUSES

        STATUSES.update(resident_statuses())  # the resident list's filters: eligible, selected, holding a phone
        if prior_phone_notes not in PRIOR:  # an import flags who already received a phone from another programme
            PRIOR.append(prior_phone_notes)
