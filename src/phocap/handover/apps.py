from django.apps import AppConfig


class HandoverConfig(AppConfig):
    name = "phocap.handover"
    label = "handover"
    verbose_name = "Trao tặng"
