"""On PostgreSQL, the ledger's guards check once per statement, over the rows it inserted (issue #18): checked row by
row with plans made while the tables were empty, a bulk insert of 40,000 entries scanned every line for each (four
minutes). SQLite keeps its row triggers (it has no others, and plans by its indexes). The guards are the same:
an entry balances and is complete, a line never joins an entry already posted, a point's cash never goes below
zero."""

from django.db import migrations

from phocap.core.dbtriggers import balanced_entries, cash_never_negative


class Migration(migrations.Migration):
    dependencies = [("fundraising", "0012_fewer_indexes")]

    operations = [
        balanced_entries("fundraising_journalentry", "fundraising_journalline"),
        cash_never_negative(replace=True),
    ]
