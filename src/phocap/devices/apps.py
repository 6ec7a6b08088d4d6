from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "phocap.devices"
    label = "devices"
    verbose_name = "Điện thoại"
