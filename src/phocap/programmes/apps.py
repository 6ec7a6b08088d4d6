from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "phocap.programmes"
    label = "programmes"
    verbose_name = "Chương trình"
