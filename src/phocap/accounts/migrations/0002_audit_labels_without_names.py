"""Audit rows written before users were labelled by their username named them by their full name."""

from typing import Any

from django.db import migrations

from phocap.core.dbtriggers import audit_repair


def relabel(apps: Any, schema_editor: Any) -> None:
    events = apps.get_model("core", "AuditEvent").objects
    for pk, username in apps.get_model("accounts", "User").objects.values_list("pk", "username"):
        events.filter(object_type="accounts.user", object_id=str(pk)).update(object_repr=username)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("core", "0002_audit_append_only")]

    operations = [audit_repair(relabel)]
