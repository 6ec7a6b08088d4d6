from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "phocap.registry"
    label = "registry"
    verbose_name = "Danh sách người dân"

    def ready(self) -> None:
        from phocap.core.audit import LIVE_LABELS
        from phocap.registry.selectors import masked_names

        LIVE_LABELS["registry.resident"] = masked_names  # the audit page of a reader who may see people
