from django.db import migrations

from phocap.core.dbtriggers import append_only


class Migration(migrations.Migration):
    dependencies = [("devices", "0001_initial")]

    operations = [append_only("devices_deviceevent")]
