"""The database refuses a reservation for a device that is not ready, or not in the person's commune."""

from typing import Any

from django.db import migrations

MESSAGE = "phocap: a reservation needs a ready device in the person's commune"
CONDITION = (
    "(SELECT state FROM devices_device WHERE id = NEW.device_id) {ne} 'ready' "
    "OR (SELECT location_id FROM devices_device WHERE id = NEW.device_id) {ne} NEW.commune_id "
    "OR (SELECT commune_id FROM registry_resident WHERE id = NEW.resident_id) {ne} NEW.commune_id"
)


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER allocation_reservation_ready BEFORE INSERT ON allocation_reservation "
            f"WHEN NEW.status = 'active' AND ({CONDITION.format(ne='IS NOT')}) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.replace(chr(39), chr(39) * 2)}'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION allocation_reservation_ready() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF NEW.status = 'active' AND ({CONDITION.format(ne='IS DISTINCT FROM')}) THEN "
            f"RAISE EXCEPTION '{MESSAGE.replace(chr(39), chr(39) * 2)}'; END IF; RETURN NEW; END; $$;"
        )
        schema_editor.execute(
            "CREATE TRIGGER allocation_reservation_ready BEFORE INSERT ON allocation_reservation "
            "FOR EACH ROW EXECUTE FUNCTION allocation_reservation_ready();"
        )


def backward(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TRIGGER IF EXISTS allocation_reservation_ready ON allocation_reservation"
                          if schema_editor.connection.vendor == "postgresql"
                          else "DROP TRIGGER IF EXISTS allocation_reservation_ready")


class Migration(migrations.Migration):
    dependencies = [
        ("allocation", "0001_initial"),
        ("devices", "0002_event_guard"),
        ("registry", "0004_resident_source_row_importbatch_and_more"),
    ]

    operations = [migrations.RunPython(forward, backward)]
