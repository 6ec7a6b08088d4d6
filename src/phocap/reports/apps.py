from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def tallies_in_place(using: str = "default", **_: Any) -> None:
    """After `migrate`: the tallies' triggers on every fact table, whatever a migration rebuilt (SQLite drops a
    table's triggers when it rebuilds it). Idempotent; tables not created yet are left for the next run."""
    from django.db import connections

    from phocap.reports.tallies import trigger_sql

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if {"reports_tallyday", "reports_tallytotal"} <= tables:
        with connection.schema_editor(atomic=True) as editor:
            for statement in trigger_sql(connection.vendor, tables):
                editor.execute(statement)


class ReportsConfig(AppConfig):
    name = "phocap.reports"
    label = "reports"
    verbose_name = "Chỉ số và báo cáo"

    def ready(self) -> None:
        post_migrate.connect(tallies_in_place, sender=self, dispatch_uid="phocap.reports.tallies_in_place")
