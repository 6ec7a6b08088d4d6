from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "phocap.reports"
    label = "reports"
    verbose_name = "Chỉ số và báo cáo"
