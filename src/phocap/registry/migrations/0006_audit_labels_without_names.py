"""Audit rows written before residents were labelled by number named them: relabel them `Người dân #<id>`."""

from typing import Any

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat

from phocap.core.dbtriggers import audit_repair


def relabel(apps: Any, schema_editor: Any) -> None:
    events = apps.get_model("core", "AuditEvent").objects.filter(object_type="registry.resident")
    events.update(object_repr=Concat(Value("Người dân #"), F("object_id")))


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_duplicatepair_duplicate_pair_decided_with_date"), ("core", "0002_audit_append_only")]

    operations = [audit_repair(relabel)]
