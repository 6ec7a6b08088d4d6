from django.apps import AppConfig


class FundraisingConfig(AppConfig):
    name = "phocap.fundraising"
    label = "fundraising"
    verbose_name = "Vận động, quyên góp"
