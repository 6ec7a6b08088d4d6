import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_programme_follow_up_and_targets")]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="receipt_symbol",
            field=models.CharField(
                default="GCN-MTTQ",
                max_length=30,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*$",
                        "Ký hiệu gồm chữ in hoa, chữ số và dấu gạch ngang (ví dụ GCN-MTTQ).",
                    )
                ],
                verbose_name="ký hiệu giấy chứng nhận ủng hộ",
            ),
        ),
    ]
