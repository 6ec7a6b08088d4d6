from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "phocap.allocation"
    label = "allocation"
    verbose_name = "Phân bổ điện thoại"
