"""On PostgreSQL, the ledger's guards are planned each time they run, and the cash guard sums the touched points'
lines in one grouped join (issue #18). A static query in a trigger function keeps the plan made the first time the
session ran it: made while the ledger was small, it scanned every line for each collection point a batch touched,
however large the ledger grew — at 10,000 points a national load slowed to seconds per entry."""

from django.db import migrations

from phocap.core.dbtriggers import balanced_entries, cash_never_negative


class Migration(migrations.Migration):
    dependencies = [("fundraising", "0013_ledger_guards_per_statement")]

    operations = [
        balanced_entries("fundraising_journalentry", "fundraising_journalline"),
        cash_never_negative(replace=True),
    ]
