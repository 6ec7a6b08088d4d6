"""Repeat-submit keys were stored as clients sent them, so one actor's key found another's handover. Store each as
the hash of (who recorded it, the event, the key) — what `handover_record` now looks up. Replacements keep their
random keys (nobody retries them)."""

from typing import Any

from django.db import migrations

from phocap.handover.services import scoped_key


def scope_keys(apps: Any, schema_editor: Any) -> None:
    handovers = apps.get_model("handover", "Handover").objects.filter(replaces__isnull=True)
    for row in handovers.only("pk", "delivered_by", "event_id", "key").iterator():
        if len(row.key) != 64:
            row.key = scoped_key(row.delivered_by, row.event_id, row.key)
            row.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("handover", "0004_indicator_indexes")]

    operations = [migrations.RunPython(scope_keys, migrations.RunPython.noop)]
