"""Audit rows written before team members were labelled by number named them: relabel them."""

from typing import Any

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat

from phocap.core.dbtriggers import audit_repair


def relabel(apps: Any, schema_editor: Any) -> None:
    events = apps.get_model("core", "AuditEvent").objects.filter(object_type="onboarding.teammember")
    events.update(object_repr=Concat(Value("Thành viên tổ #"), F("object_id")))


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0003_indicator_indexes"), ("core", "0002_audit_append_only")]

    operations = [audit_repair(relabel)]
