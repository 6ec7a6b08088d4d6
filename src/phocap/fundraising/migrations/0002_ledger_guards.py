from django.db import migrations

from phocap.core.dbtriggers import append_only, balanced_entries


class Migration(migrations.Migration):
    dependencies = [("fundraising", "0001_initial")]

    operations = [
        balanced_entries("fundraising_journalentry", "fundraising_journalline"),
        append_only("fundraising_journalentry"),
        append_only("fundraising_journalline"),
        append_only("fundraising_receipt"),
    ]
