from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "phocap.allocation"
    label = "allocation"
    verbose_name = "Phân bổ điện thoại"

    def ready(self) -> None:
        from phocap.allocation.prior import PriorPhones
        from phocap.allocation.selectors import resident_statuses
        from phocap.registry.importing.settle import PRIOR
        from phocap.registry.search import STATUSES

        STATUSES.update(resident_statuses())  # the resident list's filters: eligible, selected, holding a phone
        if not any(isinstance(hook, PriorPhones) for hook in PRIOR):  # an import flags who already received a
            PRIOR.append(PriorPhones())  # phone from another programme
