"""The cash guard again, summing only cash accounts' lines (issue #18: as first written, SQLite summed the bank
account's every line for each entry posted, so a statement of 100,000 transfers never finished)."""

from django.db import migrations

from phocap.core.dbtriggers import cash_never_negative


class Migration(migrations.Migration):
    dependencies = [("fundraising", "0010_receipts_by_year")]

    operations = [cash_never_negative(replace=True)]
