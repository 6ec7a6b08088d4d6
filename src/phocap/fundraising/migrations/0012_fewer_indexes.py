"""Fewer indexes where a statement import writes (issue #18): the foreign key to the programme of statement lines,
donations and certificates loses its own index — each table's composite index or unique constraint begins with it,
so every lookup it served is still an index lookup. Plain `DROP INDEX` on both databases (Django's SQLite editor
would rebuild the tables, and a rebuild drops the append-only triggers)."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = (
    ("statementline", "statement_lines", "fundraising_statementline_programme_id_060d1fe5"),
    ("donation", "donations", "fundraising_donation_programme_id_36658d7e"),
    ("receipt", "receipts", "fundraising_receipt_programme_id_b0c4ecf4"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("fundraising", "0011_cash_guard_sums_cash_only"),
        ("programmes", "0005_programme_people_served"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name="programme",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name=related,
                        to="programmes.programme",
                    ),
                )
                for model, related, _ in INDEXES
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "fundraising_{model}" ("programme_id")',
                )
                for model, _, name in INDEXES
            ],
        ),
    ]
