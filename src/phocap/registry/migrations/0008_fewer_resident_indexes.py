"""Fewer indexes on residents (issue #18): every index costs each of an import's inserts. The foreign keys to the
programme and the commune lose their own index — the composite indexes begin with them, so every lookup they served
is still an index lookup —, the merged rows, a few of many, get a partial index instead of a full one, and the
identity number's hash one plain index (Django's `db_index` adds on PostgreSQL a second, for LIKE).

Only the indexes change, by plain `DROP INDEX`/`CREATE INDEX` on both databases: Django's SQLite editor would
rebuild the whole table to alter a foreign key, and a rebuild drops the triggers other tables keep on it."""

import django.db.models.deletion
from django.db import migrations, models

FK_INDEXES = (
    ("programme_id", "registry_resident_programme_id_08b7f955"),
    ("commune_id", "registry_resident_commune_id_f2f4f12e"),
    ("merged_into_id", "registry_resident_merged_into_id_678b9361"),
    ("id_hash", "registry_resident_id_hash_9a7b71cd"),
)
LIKE_INDEX = "registry_resident_id_hash_9a7b71cd_like"  # PostgreSQL only: for LIKE, never asked of a hash


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0005_programme_people_served"),
        ("registry", "0007_consent_kind_and_name_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="resident",
                    name="commune",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="residents",
                        to="programmes.programmecommune",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged",
                        to="registry.resident",
                        verbose_name="gộp vào",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident", name="id_hash", field=models.CharField(blank=True, max_length=64)
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="programme",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="residents",
                        to="programmes.programme",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "registry_resident" ("{column}")',
                )
                for column, name in FK_INDEXES
            ]
            + [migrations.RunSQL(sql=f'DROP INDEX IF EXISTS "{LIKE_INDEX}"', reverse_sql=migrations.RunSQL.noop)],
        ),
        migrations.AddIndex(model_name="resident", index=models.Index(fields=["id_hash"], name="resident_id_hash_idx")),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)), fields=["merged_into"], name="resident_merged_idx"
            ),
        ),
    ]
