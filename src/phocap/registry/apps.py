from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "phocap.registry"
    label = "registry"
    verbose_name = "Danh sách người dân"
