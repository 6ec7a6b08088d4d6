"""Audit rows written before a donor who did not agree to be named was labelled by number: the donor's own rows,
and the pledges and gifts that named them, now say `Nhà hảo tâm #<id>`; their name in the recorded changes is
masked like any other person's."""

from typing import Any

from django.db import migrations

from phocap.core.dbtriggers import audit_repair
from phocap.core.masking import mask_value


def relabel(apps: Any, schema_editor: Any) -> None:
    events = apps.get_model("core", "AuditEvent").objects
    donors = apps.get_model("fundraising", "Donor").objects.filter(publish_name=False)
    for donor in donors.only("pk", "name"):
        label = f"Nhà hảo tâm #{donor.pk}"
        for event in events.filter(object_type="fundraising.donor", object_id=str(donor.pk)):
            changes = dict(event.changes)
            if "name" in changes:
                changes["name"] = [mask_value(v) for v in changes["name"]]
            events.filter(pk=event.pk).update(object_repr=label, changes=changes)
        for event in events.filter(
            object_type__in=("fundraising.pledge", "fundraising.donation"), object_repr__contains=donor.name
        ):
            changes = {
                k: [label if v == donor.name else v for v in pair] if isinstance(pair, list) else pair
                for k, pair in event.changes.items()
            }
            events.filter(pk=event.pk).update(object_repr=event.object_repr.replace(donor.name, label), changes=changes)


class Migration(migrations.Migration):
    dependencies = [("fundraising", "0005_donation_day_covering_index"), ("core", "0002_audit_append_only")]

    operations = [audit_repair(relabel)]
