from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phocap.core"
    label = "core"
    verbose_name = "Lõi"
