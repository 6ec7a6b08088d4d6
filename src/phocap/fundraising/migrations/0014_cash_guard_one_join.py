"""On PostgreSQL, the cash guard sums the touched accounts' lines in one grouped join (issue #18): the sum per
account, planned inside a long load before any statistics, scanned every line for each collection point that a
batch of gifts touched — at 10,000 points a batch of 5,000 gifts took seconds, growing with every batch."""

from django.db import migrations

from phocap.core.dbtriggers import cash_never_negative


class Migration(migrations.Migration):
    dependencies = [("fundraising", "0013_ledger_guards_per_statement")]

    operations = [cash_never_negative(replace=True)]
