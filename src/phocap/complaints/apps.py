from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "phocap.complaints"
    label = "complaints"
    verbose_name = "Phản ánh, kiến nghị"
