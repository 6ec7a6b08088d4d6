"""Certificates numbered per programme and year (issue #16), with the programme's symbol kept on each."""

from django.db import migrations, models
from django.db.models import Max
from django.utils import timezone

from phocap.core.dbtriggers import append_only, append_only_lifted


def years_and_counters(apps, schema_editor):
    Receipt = apps.get_model("fundraising", "Receipt")
    Counter = apps.get_model("fundraising", "ReceiptCounter")
    for receipt in Receipt.objects.select_related("programme"):
        receipt.year = timezone.localtime(receipt.issued_at).year
        receipt.symbol = receipt.programme.receipt_symbol
        receipt.save(update_fields=["year", "symbol"])
    Counter.objects.all().delete()
    for row in Receipt.objects.values("programme_id", "year").annotate(last=Max("number")):
        Counter.objects.create(programme_id=row["programme_id"], year=row["year"], last_number=row["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("fundraising", "0009_statement_balance"),
        ("programmes", "0004_programme_receipt_symbol"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="receipt", name="receipt_number_once"),
        migrations.AddField(
            model_name="receipt", name="year", field=models.PositiveSmallIntegerField(default=0), preserve_default=False
        ),
        migrations.AddField(
            model_name="receipt", name="symbol", field=models.CharField(default="", max_length=30), preserve_default=False
        ),
        migrations.AlterField(
            model_name="receiptcounter",
            name="programme",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT, related_name="receipt_counters", to="programmes.programme"
            ),
        ),
        migrations.AddField(
            model_name="receiptcounter",
            name="year",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        append_only_lifted("fundraising_receipt"),
        migrations.RunPython(years_and_counters, migrations.RunPython.noop),
        append_only("fundraising_receipt"),
        migrations.CreateModel(
            name="ReceiptEmail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sent_at", models.DateTimeField(default=timezone.now)),
                ("sent_by", models.CharField(max_length=150)),
                (
                    "receipt",
                    models.ForeignKey(
                        on_delete=models.deletion.PROTECT, related_name="emails", to="fundraising.receipt"
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.UniqueConstraint(fields=("programme", "year", "number"), name="receipt_number_once_a_year"),
        ),
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.CheckConstraint(condition=~models.Q(symbol=""), name="receipt_symbol_given"),
        ),
        migrations.AddConstraint(
            model_name="receiptcounter",
            constraint=models.UniqueConstraint(fields=("programme", "year"), name="receipt_counter_once_a_year"),
        ),
    ]
