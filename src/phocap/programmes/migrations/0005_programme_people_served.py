from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programmes", "0004_programme_receipt_symbol")]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="posting_days",
            field=models.PositiveSmallIntegerField(default=5, verbose_name="số ngày làm việc niêm yết danh sách"),
        ),
        migrations.AddField(
            model_name="programme",
            name="complaint_acknowledge_days",
            field=models.PositiveSmallIntegerField(default=3, verbose_name="số ngày làm việc để tiếp nhận phản ánh"),
        ),
        migrations.AddField(
            model_name="programme",
            name="complaint_resolve_days",
            field=models.PositiveSmallIntegerField(default=30, verbose_name="số ngày để giải quyết phản ánh"),
        ),
    ]
